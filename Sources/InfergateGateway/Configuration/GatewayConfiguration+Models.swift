import InfergateEvaluator

extension GatewayConfiguration {
    /// Loads every fallback model the routes name, each file once, keyed by its path.
    ///
    /// Used at start-up, on reload and by `infergate check`; a missing or invalid file is a
    /// `ConfigurationError` naming the route's key, the path and the evaluator's reason.
    func loadFallbackModels() throws(ConfigurationError) -> [String: LoadedModel] {
        var models: [String: LoadedModel] = [:]
        for (index, route) in routes.enumerated() {
            guard let path = route.fallback?.modelPath, models[path] == nil else {
                continue
            }
            do {
                models[path] = try LoadedModel.load(path: path)
            } catch {
                throw ConfigurationError(
                    key: "routes[\(index)].fallback.model",
                    value: path,
                    reason: "cannot load the model: \(error.message)"
                )
            }
        }
        return models
    }
}
