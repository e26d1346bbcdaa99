import InfergateAudit
import InfergateHTTP
import InfergateLimits
import InfergateTokens

extension GatewayConfiguration {
    /// The access rules in the form the limits module enforces them.
    func accessConfiguration() throws(ConfigurationError) -> AccessConfiguration {
        var sources: [CIDR] = []
        for (index, text) in server.allowedSources.enumerated() {
            sources.append(try cidr(text, key: "server.allowed_sources[\(index)]"))
        }
        var rules: [CallerRule] = []
        for (index, caller) in callers.enumerated() {
            rules.append(
                CallerRule(
                    name: caller.name,
                    header: caller.header,
                    value: caller.value,
                    source: try caller.source.map { (text) throws(ConfigurationError) in
                        try cidr(text, key: "callers[\(index)].match.source")
                    },
                    keySHA256: caller.keySHA256,
                    limits: caller.limits.spec
                )
            )
        }
        let routeAccess = routes.map { route in
            RouteAccess(
                name: route.name,
                limits: route.limits?.spec,
                perCaller: route.perCallerLimits?.spec,
                allowedCallers: route.allowedCallers
            )
        }
        let access = AccessConfiguration(
            allowedSources: sources,
            callers: rules,
            unknownCallers: unknownCallers.allow ? .allow(unknownCallers.limits.spec) : .deny,
            routes: routeAccess,
            maxTrackedKeys: server.maxTrackedCallers
        )
        do {
            try access.validate()
        } catch {
            throw ConfigurationError(key: error.operation, reason: error.message)
        }
        return access
    }

    private func cidr(_ text: String, key: String) throws(ConfigurationError) -> CIDR {
        do {
            return try CIDR(text)
        } catch {
            throw ConfigurationError(key: key, value: text, reason: "not a valid CIDR range")
        }
    }

    /// The HTTP front's settings.
    var serverConfiguration: HTTPServerConfiguration {
        var configuration = HTTPServerConfiguration()
        configuration.host = server.host
        configuration.port = server.port
        configuration.maxHeaderBytes = server.maxHeaderBytes
        configuration.maxBodyBytes = server.maxBodyBytes
        configuration.headerTimeoutMilliseconds = server.headerTimeoutMilliseconds
        configuration.bodyTimeoutMilliseconds = server.bodyTimeoutMilliseconds
        configuration.keepAliveTimeoutMilliseconds = server.keepAliveTimeoutMilliseconds
        configuration.maxConnections = server.maxConnections
        return configuration
    }

    /// The audit writer's settings.
    var auditConfiguration: AuditConfiguration {
        var configuration = AuditConfiguration()
        configuration.path = audit.path
        configuration.durability =
            audit.durable
            ? .durable
            : .buffered(
                flushIntervalMilliseconds: audit.flushIntervalMilliseconds,
                whenFull: audit.refuseWhenFull ? .refuse : .block
            )
        configuration.maxBodyBytes = audit.maxBodyBytes
        configuration.retentionDays = audit.retentionDays
        configuration.maxRows = audit.maxRows
        configuration.redactedHeaders = audit.redactHeaders
        configuration.queueCapacity = audit.queueCapacity
        configuration.allowUnaudited = audit.allowUnaudited
        return configuration
    }
}

extension LimitSettings {
    var spec: LimitSpec {
        LimitSpec(
            requestsPerSecond: requestsPerSecond,
            burst: burst,
            maxInFlight: maxInFlight,
            maxWaitMilliseconds: maxWaitMilliseconds
        )
    }
}

extension TokenProviderSettings {
    /// The token module's configuration; secrets stay in `SecretSource` values.
    var providerConfiguration: TokenProviderConfiguration {
        var configuration = TokenProviderConfiguration(
            name: name,
            tokenURL: tokenURL,
            clientID: clientID,
            clientSecret: clientSecretFile.map { .file(path: $0) } ?? clientSecret.map { .literal($0) }
        )
        if grant == "password", let username {
            let password: SecretSource = passwordFile.map { .file(path: $0) } ?? .literal(self.password ?? "")
            configuration.grant = .password(username: username, password: password)
        }
        configuration.clientAuthentication = clientAuthentication == "form" ? .form : .basic
        configuration.scope = scope
        configuration.extraParameters = extraParameters
        // Unset keys keep the token module's defaults, the one place they are defined.
        configuration.refreshFraction = refreshFraction ?? configuration.refreshFraction
        configuration.minimumRefreshIntervalSeconds =
            minimumRefreshIntervalSeconds ?? configuration.minimumRefreshIntervalSeconds
        configuration.clockSkewSeconds = clockSkewSeconds ?? configuration.clockSkewSeconds
        configuration.defaultLifetimeSeconds = defaultLifetimeSeconds ?? configuration.defaultLifetimeSeconds
        configuration.fetchTimeoutMilliseconds = fetchTimeoutMilliseconds ?? configuration.fetchTimeoutMilliseconds
        configuration.waitTimeoutMilliseconds = waitTimeoutMilliseconds ?? configuration.waitTimeoutMilliseconds
        return configuration
    }
}
