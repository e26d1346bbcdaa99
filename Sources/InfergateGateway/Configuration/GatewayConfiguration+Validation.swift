extension TokenProviderSettings {
    func validateGrant(path: String) throws(ConfigurationError) {
        switch grant {
        case "client_credentials":
            guard clientSecret != nil || clientSecretFile != nil else {
                throw ConfigurationError(
                    key: "\(path).client_secret", reason: "client_secret or client_secret_file is required")
            }
        case "password":
            guard username != nil, password != nil || passwordFile != nil else {
                throw ConfigurationError(
                    key: "\(path).username", reason: "the password grant needs username and password")
            }
        default:
            throw ConfigurationError(
                key: "\(path).grant", value: grant, reason: "must be client_credentials or password")
        }
        guard clientSecret == nil || clientSecretFile == nil else {
            throw ConfigurationError(
                key: "\(path).client_secret_file", reason: "give client_secret or client_secret_file, not both")
        }
    }
}

extension GatewayConfiguration {
    /// Checks what single sections cannot: unique names, references between sections.
    func validateReferences() throws(ConfigurationError) {
        var routeNames: Set<String> = []
        var routePaths: Set<String> = []
        let providerNames = Set(tokenProviders.map(\.name))
        let callerNames = Set(callers.map(\.name))
        for (index, route) in routes.enumerated() {
            let key = "routes[\(index)]"
            guard routeNames.insert(route.name).inserted else {
                throw ConfigurationError(key: "\(key).name", value: route.name, reason: "route names must be unique")
            }
            guard routePaths.insert(route.normalizedPath).inserted else {
                throw ConfigurationError(key: "\(key).path", value: route.path, reason: "another route has this path")
            }
            if let provider = route.tokenProvider, !providerNames.contains(provider) {
                throw ConfigurationError(
                    key: "\(key).token_provider", value: provider, reason: "no such token provider")
            }
            for caller in route.allowedCallers ?? [] where !callerNames.contains(caller) {
                throw ConfigurationError(key: "\(key).allowed_callers", value: caller, reason: "no such caller")
            }
        }
        var seenCallers: Set<String> = []
        for (index, caller) in callers.enumerated() where !seenCallers.insert(caller.name).inserted {
            throw ConfigurationError(
                key: "callers[\(index)].name", value: caller.name, reason: "caller names must be unique")
        }
    }
}

extension RouteSettings {
    /// The route's path without a trailing slash, the form the router matches on.
    var normalizedPath: String {
        var path = self.path
        while path.count > 1, path.hasSuffix("/") {
            path.removeLast()
        }
        return path
    }
}
