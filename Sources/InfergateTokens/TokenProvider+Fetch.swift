import InfergateCore

extension TokenProvider {
    /// Runs the one in-flight token request and reports its outcome to the lifecycle.
    ///
    /// Only the lifecycle's `startFetch` action calls this, so at most one runs at a time.
    /// A rejection marks file secrets stale so the retry reads them from disk again.
    func fetch(_ kind: TokenLifecycle.FetchKind, id: UInt64) async {
        let grantName = Self.grantName(kind, configuration: configuration)
        log.debug("token.fetch.started", ["token.grant": grantName])

        let outcome: TokenResponseParser.Outcome
        do {
            let request = try builder.request(for: kind)
            outcome = await send(request)
        } catch {
            outcome = .failure(error, reason: "secret_file_unreadable")
        }

        switch outcome {
        case .token(let grant):
            succeed(grant, id: id, grantName: grantName)
        case .failure(let error, let reason):
            if error == .endpointRejected || error == .secretUnreadable {
                builder.markSecretsStale()
            }
            fail(error, reason: reason, id: id, grantName: grantName)
        }
    }

    private func send(_ request: TokenRequestBuilder.Request) async -> TokenResponseParser.Outcome {
        let response: TokenHTTPResponse
        do {
            response = try await client.post(
                url: configuration.tokenURL,
                headers: request.headers,
                body: request.body,
                timeoutMilliseconds: configuration.fetchTimeoutMilliseconds
            )
        } catch {
            // The client's error text may echo the request; only its type is safe to log.
            return .failure(.endpointUnreachable, reason: "transport_error")
        }
        return TokenResponseParser.parse(status: response.status, body: response.body)
    }

    private func succeed(_ grant: TokenLifecycle.Grant, id: UInt64, grantName: String) {
        if grant.expiresInSeconds == nil {
            log.warning(
                "token.response.expires_in_missing",
                ["token.default_lifetime_seconds": "\(configuration.defaultLifetimeSeconds)"]
            )
        }
        var token: BearerToken?
        var refreshInSeconds = 0.0
        apply { state, now in
            guard state.fetchID == id, case .fetching = state.lifecycle.phase else {
                return []
            }
            let actions = state.lifecycle.fetchSucceeded(grant, now: now)
            token = state.lifecycle.token
            refreshInSeconds = (Double(state.lifecycle.refreshAtNanoseconds) - Double(now)) / 1e9
            return actions
        }
        guard let token else {
            return
        }
        let lifetime = grant.expiresInSeconds ?? configuration.defaultLifetimeSeconds
        log.info(
            "token.fetch.succeeded",
            [
                "token.fingerprint": token.fingerprint,
                "token.grant": grantName,
                "token.lifetime_seconds": "\(lifetime)",
                "token.refresh_in_seconds": Self.rounded(refreshInSeconds),
            ]
        )
    }

    private func fail(_ error: TokenError, reason: String, id: UInt64, grantName: String) {
        var failures = 0
        var retryInSeconds = 0.0
        var hasValidToken = false
        var isCurrent = false
        let jitter = Double.random(in: 0..<1)
        apply { state, now in
            guard state.fetchID == id, case .fetching = state.lifecycle.phase else {
                return []
            }
            isCurrent = true
            let actions = state.lifecycle.fetchFailed(error, now: now, jitter: jitter)
            failures = state.lifecycle.consecutiveFailures
            hasValidToken = state.lifecycle.validToken(now: now) != nil
            if case .backingOff(let until) = state.lifecycle.phase {
                retryInSeconds = (Double(until) - Double(now)) / 1e9
            }
            return actions
        }
        guard isCurrent else {
            return
        }
        log.warning(
            "token.fetch.failed",
            [
                "token.error": error.code,
                "token.failure_reason": reason,
                "token.grant": grantName,
                "token.consecutive_failures": "\(failures)",
                "token.retry_in_seconds": Self.rounded(retryInSeconds),
                "token.has_valid_token": "\(hasValidToken)",
            ]
        )
    }

    /// The `token.grant` log value for a fetch: `client_credentials`, `password` or `refresh_token`.
    static func grantName(_ kind: TokenLifecycle.FetchKind, configuration: TokenProviderConfiguration) -> String {
        switch (kind, configuration.grant) {
        case (.refresh, _): "refresh_token"
        case (.fullGrant, .clientCredentials): "client_credentials"
        case (.fullGrant, .password): "password"
        }
    }

    private static func rounded(_ seconds: Double) -> String {
        String(Double(Int(seconds * 1000)) / 1000)
    }
}
