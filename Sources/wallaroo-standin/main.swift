import Dispatch
import Foundation
import Glibc
import InfergateCore
import Synchronization
import WallarooStandIn

// wallaroo-standin [--listen 127.0.0.1:9090] [--client-secret S] [--token-lifetime SECONDS]
// Serves a Keycloak token endpoint and a Wallaroo pipeline stand-in until SIGTERM or SIGINT.

let logger = Logger(label: "wallaroo-standin")

/// The configuration from the command line; exits with a usage line on anything unknown.
func parseArguments(_ arguments: [String]) -> WallarooStandIn.Configuration {
    var configuration = WallarooStandIn.Configuration()
    configuration.port = 9090
    var remaining = arguments.dropFirst()
    func usage() -> Never {
        FileHandle.standardError.write(
            Data("usage: wallaroo-standin [--listen HOST:PORT] [--client-secret S] [--token-lifetime SECONDS]\n".utf8)
        )
        exit(2)
    }
    while let flag = remaining.popFirst() {
        guard let value = remaining.popFirst() else {
            usage()
        }
        switch flag {
        case "--listen":
            guard let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...]) else {
                usage()
            }
            configuration.host = String(value[..<colon])
            configuration.port = port
        case "--client-secret":
            configuration.clientSecret = value
        case "--token-lifetime":
            guard let seconds = Int(value), seconds > 0 else {
                usage()
            }
            configuration.tokenLifetimeSeconds = seconds
        default:
            usage()
        }
    }
    return configuration
}

let configuration = parseArguments(CommandLine.arguments)
let standIn = WallarooStandIn(configuration: configuration, logger: logger)
do {
    _ = try standIn.start()
} catch {
    logger.error("standin.start.failed", ["error": String(describing: error)])
    exit(1)
}
logger.info(
    "standin.ready",
    [
        "standin.token_url": standIn.tokenURL,
        "standin.pipeline_url": standIn.pipelineURL(name: configuration.pipelineName),
        "standin.client_id": configuration.clientID,
    ]
)

await Termination.wait()
logger.info("standin.stopping")
await standIn.shutdown()

/// Waits for SIGTERM or SIGINT without blocking a thread; the sources live on their own queue.
enum Termination {
    static func wait() async {
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let queue = DispatchQueue(label: "wallaroo-standin.signals")
        let waiter = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let sources = [SIGTERM, SIGINT].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { @Sendable in
                waiter.withLock { continuation in
                    continuation?.resume()
                    continuation = nil
                }
            }
            source.resume()
            return source
        }
        await withCheckedContinuation { continuation in
            waiter.withLock { $0 = continuation }
        }
        for source in sources {
            source.cancel()
        }
    }
}
