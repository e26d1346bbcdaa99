import Foundation
import InfergateAudit
import InfergateCore
import InfergateEvaluator

/// The `infergate` command line: `serve`, `check`, `audit`, `eval`, `--version`, `--help`.
///
/// Each subcommand answers `--help`. Exit codes: 0 success, 1 a failure at run time, 2 a usage
/// or configuration error.
public enum InfergateCommand {
    public static let version = "0.1.0"

    static let usage = """
        infergate \(version): an inference gateway for Wallaroo pipelines

        usage:
          infergate serve [--config FILE] [--listen HOST:PORT]   run the gateway
          infergate check [--config FILE]                        validate and print the effective configuration
          infergate audit tail|show|query|export|verify ...      read the audit log
          infergate eval --model FILE --input FILE [--format legacy|pandas-records]
                                                                 run a model locally, print the response body
          infergate --version | --help

        The default configuration file is config/infergate.json.
        Run 'infergate SUBCOMMAND --help' for the options of each subcommand.

        """

    /// Runs the command for `arguments` (without the program name) and returns the exit code;
    /// `serve` returns only when the gateway has stopped.
    public static func run(_ arguments: [String]) -> Int32 {
        guard let first = arguments.first else {
            FileHandle.standardError.write(Data(usage.utf8))
            return 2
        }
        let rest = Array(arguments.dropFirst())
        switch first {
        case "--version", "-V", "version":
            print("infergate \(version)")
            return 0
        case "--help", "-h", "help":
            print(usage, terminator: "")
            return 0
        case "serve":
            return ServeCommand.run(rest)
        case "check":
            return CheckCommand.run(rest)
        case "audit":
            return AuditCommand.run(arguments: rest)
        case "eval":
            return EvalCommand.run(arguments: rest)
        default:
            FileHandle.standardError.write(Data("infergate: unknown subcommand '\(first)'\n\n\(usage)".utf8))
            return 2
        }
    }

    /// Reads `--name VALUE` pairs; unknown options are a usage error naming the option.
    static func options(
        _ arguments: [String],
        allowed: Set<String>,
        command: String
    ) -> Result<[String: String], CommandLineError> {
        var values: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let name = arguments[index]
            guard allowed.contains(name) else {
                return .failure(CommandLineError(message: "\(command): unknown option '\(name)'"))
            }
            guard index + 1 < arguments.count else {
                return .failure(CommandLineError(message: "\(command): \(name) needs a value"))
            }
            values[name] = arguments[index + 1]
            index += 2
        }
        return .success(values)
    }
}

/// A mistake in how a command was called.
struct CommandLineError: Error {
    var message: String
}

/// `infergate check`: validates the configuration and prints it with secrets redacted.
enum CheckCommand {
    static let usage = """
        usage: infergate check [--config FILE]

        Validates the configuration (default config/infergate.json), loads the fallback models it
        names, and prints the effective configuration with secrets shown as ***. Exits 2 with the
        key, value and reason of the first problem.

        """

    static func run(_ arguments: [String]) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(usage, terminator: "")
            return 0
        }
        switch InfergateCommand.options(arguments, allowed: ["--config"], command: "check") {
        case .failure(let error):
            FileHandle.standardError.write(Data("\(error.message)\n\n\(usage)".utf8))
            return 2
        case .success(let values):
            let path = values["--config"] ?? "config/infergate.json"
            do {
                let configuration = try GatewayConfiguration.load(path: path)
                _ = try configuration.loadFallbackModels()
                print(configuration.redactedJSON)
                return 0
            } catch {
                FileHandle.standardError.write(Data("infergate: \(error)\n".utf8))
                return 2
            }
        }
    }
}
