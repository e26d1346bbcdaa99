import Dispatch
import Foundation
import InfergateCore

/// `infergate serve`: runs the gateway until SIGTERM or SIGINT; SIGHUP reloads the configuration.
enum ServeCommand {
    static let usage = """
        usage: infergate serve [--config FILE] [--listen HOST:PORT]

        Runs the gateway with the configuration FILE (default config/infergate.json); --listen
        overrides server.listen. SIGTERM or SIGINT stop accepting, let in-flight requests finish
        within server.drain_timeout_ms, flush the audit log and exit 0. SIGHUP reloads routes,
        token providers, limits and models from the same file without dropping connections.

        """

    static func run(_ arguments: [String]) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(usage, terminator: "")
            return 0
        }
        let values: [String: String]
        switch InfergateCommand.options(arguments, allowed: ["--config", "--listen"], command: "serve") {
        case .failure(let error):
            FileHandle.standardError.write(Data("\(error.message)\n\n\(usage)".utf8))
            return 2
        case .success(let parsed):
            values = parsed
        }
        let path = values["--config"] ?? "config/infergate.json"
        var logger = Logger(label: "infergate")
        let configuration: GatewayConfiguration
        do {
            configuration = try load(path: path, listen: values["--listen"])
        } catch {
            logger.error("config.invalid", ["gw.error": "\(error)"])
            return 2
        }
        logger.minimumLevel = Logger.Level(name: configuration.logLevel) ?? .info
        logger.info("config.loaded", ["gw.config.path": path])
        logger.info(
            "config.effective", ["gw.config": configuration.redactedJSON.replacingOccurrences(of: "\n", with: " ")])

        let gateway: Gateway
        do {
            gateway = try Gateway(configuration: configuration, logger: logger)
            // Handlers first: a SIGTERM that arrives just after the socket opens must not be lost.
            installSignalHandlers(gateway: gateway, path: path, listen: values["--listen"], logger: logger)
            _ = try gateway.start()
        } catch {
            logger.error("gateway.start.failed", ["gw.error": "\(error)"])
            return 1
        }
        dispatchMain()
    }

    private static func load(path: String, listen: String?) throws -> GatewayConfiguration {
        var configuration = try GatewayConfiguration.load(path: path)
        if let listen {
            (configuration.server.host, configuration.server.port) = try GatewayConfiguration.parseListen(
                listen,
                key: "--listen"
            )
        }
        return configuration
    }

    /// Signal sources live on the main queue; the default dispositions are ignored first so
    /// the sources see the signals.
    private static func installSignalHandlers(gateway: Gateway, path: String, listen: String?, logger: Logger) {
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] {
            signal(signalNumber, SIG_IGN)
        }
        let stopping = ManagedAtomicFlag()
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .main)
            source.setEventHandler {
                guard stopping.setOnce() else {
                    return
                }
                logger.info("gateway.stopping", ["gw.signal": signalNumber == SIGTERM ? "SIGTERM" : "SIGINT"])
                Task {
                    await gateway.shutdown()
                    exit(0)
                }
            }
            source.resume()
            sources.append(source)
        }
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .main)
        hangup.setEventHandler {
            do {
                try gateway.reload(configuration: try load(path: path, listen: listen))
            } catch {
                logger.error("gateway.reload.failed", ["gw.error": "\(error)"])
            }
        }
        hangup.resume()
        sources.append(hangup)
        SignalSources.keep(sources)
    }
}

/// Keeps the signal sources alive for the life of the process.
enum SignalSources {
    nonisolated(unsafe) private static var retained: [DispatchSourceSignal] = []

    /// Called once, from the main thread, before `dispatchMain`.
    static func keep(_ sources: [DispatchSourceSignal]) {
        retained = sources
    }
}
