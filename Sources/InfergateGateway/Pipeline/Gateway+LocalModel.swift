import Dispatch
import InfergateCore
import InfergateEvaluator
import InfergateHTTP

extension Gateway {
    /// Answers from the route's local model in the format the caller would have received.
    ///
    /// The input format comes from `Content-Type`, the output format from `Accept` when it
    /// names one, else the input's. Arrow bodies cannot be read by the evaluator yet; they get
    /// a 502 that says so. Evaluation runs on `evaluationQueue`, never on the cooperative pool.
    func answerLocally(_ exchange: inout Exchange, route: RouteRuntime, reason: String) async -> HTTPResponse {
        exchange.fallbackReason = reason
        metrics.increment("infergate_fallback_total", labels: [route.name, reason])
        guard let model = route.model else {
            return refusal(&exchange, status: 502, code: reason, message: "pipeline unavailable and no local model")
        }
        let contentType = exchange.request.headers["Content-Type"]?.lowercased() ?? "application/json"
        if contentType.hasPrefix("application/vnd.apache.arrow") {
            return refusal(
                &exchange,
                status: 502,
                code: "fallback_unsupported_format",
                message: "pipeline unavailable (\(reason)) and the local model cannot read Arrow requests; send JSON"
            )
        }
        let inputFormat: WallarooFormat = contentType.contains("format=pandas-records") ? .pandasRecords : .legacy
        let outputFormat = Self.outputFormat(accept: exchange.request.headers["Accept"]) ?? inputFormat

        let body = exchange.request.body
        let started = timeSource.monotonicNanoseconds
        let pipelineName = route.name
        let result: Result<[UInt8], EvaluatorError> = await withCheckedContinuation { continuation in
            evaluationQueue.async {
                continuation.resume(
                    returning: Self.evaluate(
                        body,
                        inputFormat: inputFormat,
                        outputFormat: outputFormat,
                        model: model,
                        pipelineName: pipelineName,
                        startedNanoseconds: started,
                        timeSource: self.timeSource
                    )
                )
            }
        }
        exchange.servedBy = .localModel
        exchange.extraResponseHeaders.replaceOrAdd(name: "X-Infergate-Served-By", value: "local-model")
        switch result {
        case .failure(let error):
            exchange.errorCode = error.code
            let body = GatewayErrorBody(code: error.httpStatus, message: error.message, source: "local-model")
            let headers: HTTPHeaders = ["Content-Type": "application/json"]
            return HTTPResponse(status: error.httpStatus, headers: headers, body: body.bytes)
        case .success(let bytes):
            let type = outputFormat == .pandasRecords ? "application/json; format=pandas-records" : "application/json"
            return HTTPResponse(status: 200, headers: ["Content-Type": type], body: bytes)
        }
    }

    private static func evaluate(
        _ body: [UInt8],
        inputFormat: WallarooFormat,
        outputFormat: WallarooFormat,
        model: LoadedModel,
        pipelineName: String,
        startedNanoseconds: UInt64,
        timeSource: any TimeSource
    ) -> Result<[UInt8], EvaluatorError> {
        do {
            let inputs = try WallarooCodec.decodeInput(body, format: inputFormat, model: model)
            let outputs = try model.evaluate(inputs)
            let elapsed = timeSource.monotonicNanoseconds &- startedNanoseconds
            let bytes = WallarooCodec.encodeOutput(
                outputs,
                inputs: inputs,
                format: outputFormat,
                model: model,
                pipelineName: pipelineName,
                elapsedNanoseconds: elapsed,
                timeMillis: timeSource.wallMicroseconds / 1000
            )
            return .success(bytes)
        } catch {
            return .failure(error)
        }
    }

    /// The response format an `Accept` header asks for, or nil when it names none.
    static func outputFormat(accept: String?) -> WallarooFormat? {
        guard let accept = accept?.lowercased() else {
            return nil
        }
        if accept.contains("format=pandas-records") {
            return .pandasRecords
        }
        if accept.contains("format=wallaroo") {
            return .legacy
        }
        return nil
    }
}
