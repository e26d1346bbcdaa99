import Foundation

extension GatewayConfiguration {
    /// Reads and validates the configuration file at `path`.
    ///
    /// `${NAME}` in string values is taken from `environment`. Throws a `ConfigurationError`
    /// naming the key, the value (redacted for secrets) and the reason.
    public static func load(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> GatewayConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(key: "(file)", value: path, reason: "cannot read the configuration file")
        }
        return try parse(Array(data), environment: environment)
    }

    /// Parses configuration JSON text.
    public static func parse(
        _ bytes: [UInt8],
        environment: [String: String] = [:]
    ) throws(ConfigurationError) -> GatewayConfiguration {
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes))
        } catch {
            throw ConfigurationError(key: "(file)", reason: "not valid JSON: \(error.localizedDescription)")
        }
        guard let object = json as? [String: Any] else {
            throw ConfigurationError(key: "(file)", reason: "the top level must be a JSON object")
        }
        var root = ConfigurationReader(object: object, path: "", environment: environment)
        return try parseRoot(&root)
    }

    private static func parseRoot(_ root: inout ConfigurationReader) throws(ConfigurationError) -> GatewayConfiguration
    {
        _ = try root.string("$schema")
        _ = try root.string("comment")
        let server = try parseServer(try root.object("server"))
        let providers = try parseProviders(try root.object("token_providers"))
        var routes: [RouteSettings] = []
        for var reader in try root.objectArray("routes") ?? [] {
            routes.append(try parseRoute(&reader))
        }
        var callers: [CallerSettings] = []
        for var reader in try root.objectArray("callers") ?? [] {
            callers.append(try parseCaller(&reader))
        }
        let unknown = try parseUnknownCallers(try root.object("unknown_callers"))
        let audit = try parseAudit(try root.object("audit"))
        var logLevel = "info"
        if var logging = try root.object("logging") {
            logLevel = try logging.string("level") ?? "info"
            guard ["debug", "info", "warning", "error"].contains(logLevel) else {
                throw ConfigurationError(
                    key: "logging.level", value: logLevel, reason: "must be debug, info, warning or error")
            }
            try logging.rejectUnknownKeys()
        }
        try root.rejectUnknownKeys()

        let configuration = GatewayConfiguration(
            server: server,
            tokenProviders: providers,
            routes: routes,
            callers: callers,
            unknownCallers: unknown,
            audit: audit,
            logLevel: logLevel
        )
        try configuration.validateReferences()
        return configuration
    }

    static func parseServer(_ reader: ConfigurationReader?) throws(ConfigurationError) -> ServerSettings {
        var settings = ServerSettings()
        guard var reader else {
            return settings
        }
        if let listen = try reader.string("listen") {
            (settings.host, settings.port) = try parseListen(listen, key: reader.keyPath("listen"))
        }
        settings.maxBodyBytes = try reader.int("max_body_bytes", range: 0...(4 << 30)) ?? settings.maxBodyBytes
        settings.maxHeaderBytes = try reader.int("max_header_bytes", range: 1024...(1 << 20)) ?? settings.maxHeaderBytes
        settings.headerTimeoutMilliseconds =
            try reader.int("header_timeout_ms", range: 10...3_600_000) ?? settings.headerTimeoutMilliseconds
        settings.bodyTimeoutMilliseconds =
            try reader.int("body_timeout_ms", range: 10...3_600_000) ?? settings.bodyTimeoutMilliseconds
        settings.keepAliveTimeoutMilliseconds =
            try reader.int("keep_alive_timeout_ms", range: 10...3_600_000) ?? settings.keepAliveTimeoutMilliseconds
        settings.maxConnections = try reader.int("max_connections", range: 1...1_000_000) ?? settings.maxConnections
        settings.drainTimeoutMilliseconds =
            try reader.int("drain_timeout_ms", range: 0...3_600_000) ?? settings.drainTimeoutMilliseconds
        settings.allowedSources = try reader.stringArray("allowed_sources") ?? settings.allowedSources
        guard !settings.allowedSources.isEmpty else {
            throw ConfigurationError(
                key: reader.keyPath("allowed_sources"),
                reason: "must list at least one range; write 0.0.0.0/0 and ::/0 to allow every address"
            )
        }
        settings.maxTrackedCallers =
            try reader.int("max_tracked_callers", range: 100...10_000_000) ?? settings.maxTrackedCallers
        try reader.rejectUnknownKeys()
        return settings
    }

    /// Splits `HOST:PORT` (or `[IPv6]:PORT`) and checks both parts.
    static func parseListen(_ text: String, key: String) throws(ConfigurationError) -> (String, Int) {
        guard let colon = text.lastIndex(of: ":") else {
            throw ConfigurationError(key: key, value: text, reason: "expected HOST:PORT")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            throw ConfigurationError(key: key, value: text, reason: "expected HOST:PORT with a port from 0 to 65535")
        }
        return (host, port)
    }

    static func parseTLS(_ reader: ConfigurationReader?) throws(ConfigurationError) -> TLSSettings {
        guard var reader else {
            return TLSSettings()
        }
        let settings = TLSSettings(
            verify: try reader.bool("verify") ?? true,
            caBundlePath: try reader.string("ca_bundle")
        )
        try reader.rejectUnknownKeys()
        return settings
    }

    static func parseLimits(_ reader: ConfigurationReader?) throws(ConfigurationError) -> LimitSettings? {
        guard var reader else {
            return nil
        }
        var limits = LimitSettings()
        limits.requestsPerSecond = try reader.double("requests_per_second", range: 0.001...10_000_000)
        limits.burst = try reader.int("burst", range: 1...100_000_000)
        limits.maxInFlight = try reader.int("max_in_flight", range: 1...1_000_000)
        limits.maxWaitMilliseconds = try reader.int("max_wait_ms", range: 0...60_000) ?? 0
        try reader.rejectUnknownKeys()
        return limits
    }
}
