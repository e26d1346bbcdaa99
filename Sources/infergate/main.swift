import Foundation
import InfergateEvaluator

// Temporary entry point until the integrator writes the real one: only `eval` is wired.
if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "eval" {
    exit(EvalCommand.run(arguments: Array(CommandLine.arguments.dropFirst(2))))
}
print("infergate")
