import Foundation

extension GatewayConfiguration {
    /// The effective configuration as pretty JSON, defaults filled in and secrets shown as `***`.
    ///
    /// This is what `infergate check` prints and what the gateway logs at start-up; it must
    /// never contain a client secret or password, only whether one is set.
    public var redactedJSON: String {
        let object: [String: Any] = [
            "server": [
                "listen": "\(server.host):\(server.port)",
                "max_body_bytes": server.maxBodyBytes,
                "max_header_bytes": server.maxHeaderBytes,
                "header_timeout_ms": server.headerTimeoutMilliseconds,
                "body_timeout_ms": server.bodyTimeoutMilliseconds,
                "keep_alive_timeout_ms": server.keepAliveTimeoutMilliseconds,
                "max_connections": server.maxConnections,
                "drain_timeout_ms": server.drainTimeoutMilliseconds,
                "allowed_sources": server.allowedSources,
            ],
            "token_providers": Dictionary(uniqueKeysWithValues: tokenProviders.map { ($0.name, $0.redactedObject) }),
            "routes": routes.map(\.redactedObject),
            "callers": callers.map(\.redactedObject),
            "unknown_callers": [
                "policy": unknownCallers.allow ? "allow" : "deny",
                "limits": unknownCallers.limits.object,
            ],
            "audit": [
                "path": audit.path,
                "durability": audit.durable ? "durable" : "buffered",
                "flush_interval_ms": audit.flushIntervalMilliseconds,
                "when_full": audit.refuseWhenFull ? "refuse" : "block",
                "max_body_bytes": audit.maxBodyBytes,
                "retention_days": audit.retentionDays ?? 0,
                "max_rows": audit.maxRows ?? NSNull(),
                "redact_headers": audit.redactHeaders,
                "allow_unaudited": audit.allowUnaudited,
            ],
            "logging": ["level": logLevel],
        ]
        let options: JSONSerialization.WritingOptions = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: options) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}

extension TokenProviderSettings {
    var redactedObject: [String: Any] {
        var object: [String: Any] = [
            "token_url": tokenURL,
            "client_id": clientID,
            "client_auth": clientAuthentication,
            "grant": grant,
            "tls": tls.object,
        ]
        if clientSecret != nil {
            object["client_secret"] = "***"
        }
        if let clientSecretFile {
            object["client_secret_file"] = clientSecretFile
        }
        if let username {
            object["username"] = username
        }
        if password != nil {
            object["password"] = "***"
        }
        if let passwordFile {
            object["password_file"] = passwordFile
        }
        if let scope {
            object["scope"] = scope
        }
        if !extraParameters.isEmpty {
            object["extra_params"] = Dictionary(extraParameters) { first, _ in first }
        }
        return object
    }
}

extension RouteSettings {
    var redactedObject: [String: Any] {
        var object: [String: Any] = [
            "name": name,
            "path": path,
            "upstream": upstream,
            "timeout_ms": timeoutMilliseconds,
            "connect_timeout_ms": connectTimeoutMilliseconds,
            "tls": tls.object,
        ]
        object["token_provider"] = tokenProvider
        if var limits = limits?.object {
            limits["per_caller"] = perCallerLimits?.object
            object["limits"] = limits
        }
        object["allowed_callers"] = allowedCallers
        if let fallback {
            var fallbackObject: [String: Any] = [
                "model": fallback.modelPath,
                "on": fallback.triggers.map(\.rawValue).sorted(),
            ]
            fallbackObject["after_ms"] = fallback.afterMilliseconds
            object["fallback"] = fallbackObject
        }
        return object
    }
}

extension CallerSettings {
    var redactedObject: [String: Any] {
        var match: [String: Any] = [:]
        match["header"] = header
        match["value"] = value
        match["source"] = source
        var object: [String: Any] = ["name": name, "match": match, "limits": limits.object]
        if keySHA256 != nil {
            object["key_sha256"] = "***"
        }
        return object
    }
}

extension LimitSettings {
    var object: [String: Any] {
        var object: [String: Any] = ["max_wait_ms": maxWaitMilliseconds]
        object["requests_per_second"] = requestsPerSecond
        object["burst"] = burst
        object["max_in_flight"] = maxInFlight
        return object
    }
}

extension TLSSettings {
    var object: [String: Any] {
        var object: [String: Any] = ["verify": verify]
        object["ca_bundle"] = caBundlePath
        return object
    }
}
