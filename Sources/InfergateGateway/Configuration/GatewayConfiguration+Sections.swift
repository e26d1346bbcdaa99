import Foundation

extension GatewayConfiguration {
    static func parseProviders(_ reader: ConfigurationReader?) throws(ConfigurationError) -> [TokenProviderSettings] {
        guard let reader else {
            return []
        }
        var providers: [TokenProviderSettings] = []
        var map = reader
        for name in reader.keys {
            guard var entry = try map.object(name) else {
                continue
            }
            providers.append(try parseProvider(name: name, &entry))
        }
        return providers
    }

    private static func parseProvider(
        name: String,
        _ reader: inout ConfigurationReader
    ) throws(ConfigurationError) -> TokenProviderSettings {
        let tokenURL = try reader.requiredString("token_url")
        try validateURL(tokenURL, key: reader.keyPath("token_url"))
        var settings = TokenProviderSettings(
            name: name,
            tokenURL: tokenURL,
            clientID: try reader.requiredString("client_id")
        )
        settings.clientSecret = try reader.string("client_secret", secret: true)
        settings.clientSecretFile = try reader.string("client_secret_file")
        settings.clientAuthentication = try reader.string("client_auth") ?? "basic"
        guard ["basic", "form"].contains(settings.clientAuthentication) else {
            throw ConfigurationError(
                key: reader.keyPath("client_auth"),
                value: settings.clientAuthentication,
                reason: "must be basic or form"
            )
        }
        settings.grant = try reader.string("grant") ?? "client_credentials"
        settings.username = try reader.string("username")
        settings.password = try reader.string("password", secret: true)
        settings.passwordFile = try reader.string("password_file")
        settings.scope = try reader.string("scope")
        if var extra = try reader.object("extra_params") {
            for key in extra.keys {
                settings.extraParameters.append((key, try extra.requiredString(key)))
            }
        }
        settings.refreshFraction = try reader.double("refresh_fraction", range: 0.1...0.95)
        settings.minimumRefreshIntervalSeconds = try reader.double("min_refresh_interval_s", range: 0...86_400)
        settings.clockSkewSeconds = try reader.double("clock_skew_s", range: 0...600)
        settings.defaultLifetimeSeconds = try reader.double("default_lifetime_s", range: 1...86_400)
        settings.fetchTimeoutMilliseconds = try reader.int("fetch_timeout_ms", range: 100...600_000)
        settings.waitTimeoutMilliseconds = try reader.int("wait_timeout_ms", range: 0...600_000)
        settings.tls = try parseTLS(try reader.object("tls"))
        try reader.rejectUnknownKeys()
        try settings.validateGrant(path: reader.path)
        return settings
    }

    static func parseRoute(_ reader: inout ConfigurationReader) throws(ConfigurationError) -> RouteSettings {
        let path = try reader.requiredString("path")
        guard path.hasPrefix("/"), !path.contains("?"), !path.contains("%"), !path.split(separator: "/").contains("..")
        else {
            throw ConfigurationError(
                key: reader.keyPath("path"),
                value: path,
                reason: "must start with / and hold no query, percent-escape or .. segment"
            )
        }
        let upstream = try reader.requiredString("upstream")
        try validateURL(upstream, key: reader.keyPath("upstream"))
        var route = RouteSettings(name: try reader.requiredString("name"), path: path, upstream: upstream)
        route.timeoutMilliseconds = try reader.int("timeout_ms", range: 1...3_600_000) ?? route.timeoutMilliseconds
        route.connectTimeoutMilliseconds =
            try reader.int("connect_timeout_ms", range: 1...600_000) ?? route.connectTimeoutMilliseconds
        route.tokenProvider = try reader.string("token_provider")
        route.tls = try parseTLS(try reader.object("tls"))
        if var limits = try reader.object("limits") {
            route.perCallerLimits = try parseLimits(try limits.object("per_caller"))
            route.limits = try parseLimits(limits)
        }
        route.allowedCallers = try reader.stringArray("allowed_callers")
        route.fallback = try parseFallback(try reader.object("fallback"))
        route.circuitBreaker = try parseCircuitBreaker(try reader.object("circuit_breaker"))
        try reader.rejectUnknownKeys()
        return route
    }

    private static func parseFallback(_ reader: ConfigurationReader?) throws(ConfigurationError) -> FallbackSettings? {
        guard var reader else {
            return nil
        }
        var triggers = Set(FallbackTrigger.allCases)
        if let names = try reader.stringArray("on") {
            triggers = [.circuitOpen]
            for name in names {
                guard let trigger = FallbackTrigger(rawValue: name) else {
                    let known = FallbackTrigger.allCases.map(\.rawValue).joined(separator: ", ")
                    throw ConfigurationError(
                        key: reader.keyPath("on"), value: name, reason: "unknown trigger; use \(known)")
                }
                triggers.insert(trigger)
            }
        }
        let settings = FallbackSettings(
            modelPath: try reader.requiredString("model"),
            triggers: triggers,
            afterMilliseconds: try reader.int("after_ms", range: 1...3_600_000)
        )
        try reader.rejectUnknownKeys()
        return settings
    }

    private static func parseCircuitBreaker(
        _ reader: ConfigurationReader?
    ) throws(ConfigurationError) -> CircuitBreakerSettings {
        var settings = CircuitBreakerSettings()
        guard var reader else {
            return settings
        }
        settings.consecutiveFailures = try reader.int("consecutive_failures", range: 1...10_000) ?? 5
        settings.failureRatio = try reader.double("failure_ratio", range: 0.01...1) ?? 0.5
        settings.minimumRequests = try reader.int("minimum_requests", range: 1...1_000_000) ?? 20
        settings.windowMilliseconds = try reader.int("window_ms", range: 100...3_600_000) ?? 10_000
        settings.openMilliseconds = try reader.int("open_ms", range: 10...3_600_000) ?? 5_000
        settings.halfOpenProbes = try reader.int("half_open_probes", range: 1...1_000) ?? 3
        try reader.rejectUnknownKeys()
        return settings
    }

    static func parseCaller(_ reader: inout ConfigurationReader) throws(ConfigurationError) -> CallerSettings {
        var caller = CallerSettings(name: try reader.requiredString("name"))
        if var match = try reader.object("match") {
            caller.header = try match.string("header")
            caller.value = try match.string("value")
            caller.source = try match.string("source")
            try match.rejectUnknownKeys()
        }
        caller.keySHA256 = try reader.string("key_sha256")?.lowercased()
        if let key = caller.keySHA256, key.count != 64 || !key.allSatisfy(\.isHexDigit) {
            throw ConfigurationError(key: reader.keyPath("key_sha256"), value: "***", reason: "expected 64 hex digits")
        }
        caller.limits = try parseLimits(try reader.object("limits")) ?? LimitSettings()
        try reader.rejectUnknownKeys()
        guard caller.header != nil || caller.source != nil else {
            throw ConfigurationError(
                key: reader.keyPath("match"), reason: "a caller needs a header or a source to match")
        }
        guard (caller.header == nil) == (caller.value == nil) else {
            throw ConfigurationError(key: reader.keyPath("match"), reason: "header and value go together")
        }
        return caller
    }

    static func parseUnknownCallers(_ reader: ConfigurationReader?) throws(ConfigurationError) -> UnknownCallerSettings
    {
        var settings = UnknownCallerSettings()
        guard var reader else {
            return settings
        }
        let policy = try reader.string("policy") ?? "allow"
        guard policy == "allow" || policy == "deny" else {
            throw ConfigurationError(key: reader.keyPath("policy"), value: policy, reason: "must be allow or deny")
        }
        settings.allow = policy == "allow"
        settings.limits = try parseLimits(try reader.object("limits")) ?? LimitSettings()
        try reader.rejectUnknownKeys()
        return settings
    }

    static func parseAudit(_ reader: ConfigurationReader?) throws(ConfigurationError) -> AuditSettings {
        var settings = AuditSettings()
        guard var reader else {
            return settings
        }
        settings.path = try reader.string("path") ?? settings.path
        let durability = try reader.string("durability") ?? "durable"
        guard durability == "durable" || durability == "buffered" else {
            throw ConfigurationError(
                key: reader.keyPath("durability"), value: durability, reason: "must be durable or buffered")
        }
        settings.durable = durability == "durable"
        settings.flushIntervalMilliseconds = try reader.int("flush_interval_ms", range: 1...60_000) ?? 200
        let whenFull = try reader.string("when_full") ?? "block"
        guard whenFull == "block" || whenFull == "refuse" else {
            throw ConfigurationError(
                key: reader.keyPath("when_full"), value: whenFull, reason: "must be block or refuse")
        }
        settings.refuseWhenFull = whenFull == "refuse"
        settings.maxBodyBytes = try reader.int("max_body_bytes", range: 0...(64 << 20)) ?? settings.maxBodyBytes
        settings.retentionDays = try reader.int("retention_days", range: 0...36_500) ?? settings.retentionDays
        if settings.retentionDays == 0 {
            settings.retentionDays = nil
        }
        settings.maxRows = try reader.int("max_rows", range: 1...Int(Int32.max))
        settings.redactHeaders = try reader.stringArray("redact_headers") ?? []
        settings.queueCapacity = try reader.int("queue_capacity", range: 1...10_000_000) ?? settings.queueCapacity
        settings.allowUnaudited = try reader.bool("allow_unaudited") ?? false
        try reader.rejectUnknownKeys()
        return settings
    }

    static func validateURL(_ text: String, key: String) throws(ConfigurationError) {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil
        else {
            throw ConfigurationError(
                key: key, value: text, reason: "expected an http or https URL with a host and no query")
        }
    }
}
