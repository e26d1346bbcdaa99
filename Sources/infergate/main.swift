import Foundation
import InfergateGateway

exit(InfergateCommand.run(Array(CommandLine.arguments.dropFirst())))
