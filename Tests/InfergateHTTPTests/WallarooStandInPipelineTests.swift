import Foundation
import InfergateCore
import Testing
import WallarooStandIn

/// `/work/shared/wallaroo-data`, found relative to the package root.
private let dataDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/wallaroo-data")

private let hasData = FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("data-1k.json").path)

private func fixture(_ name: String) throws -> [UInt8] {
    Array(try Data(contentsOf: dataDirectory.appendingPathComponent(name)))
}

/// The keys of the first JSON object that starts at or after `marker`, in text order.
func keysInOrder(_ text: [UInt8], after marker: String) -> [String] {
    let pattern = Array(marker.utf8)
    var index = 0
    while index + pattern.count <= text.count && Array(text[index..<(index + pattern.count)]) != pattern {
        index += 1
    }
    while index < text.count && text[index] != UInt8(ascii: "{") {
        index += 1
    }
    var keys: [String] = []
    var depth = 0
    var stringStart: Int?
    var lastString = ""
    var escaped = false
    while index < text.count {
        let byte = text[index]
        if let start = stringStart {
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                lastString = String(decoding: text[(start + 1)..<index], as: UTF8.self)
                stringStart = nil
            }
        } else if byte == UInt8(ascii: "\"") {
            stringStart = index
        } else if byte == UInt8(ascii: ":") && depth == 1 {
            keys.append(lastString)
        } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
            depth += 1
        } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
            depth -= 1
            if depth == 0 {
                break
            }
        }
        index += 1
    }
    return keys
}

extension HTTPModuleTests {
    @Suite("WallarooStandIn pipeline")
    struct WallarooStandInPipelineTests {
        static let path = "/v1/api/pipelines/infer/aloha-1-1/aloha-1?dataset%5B%5D=%2A"

        @Test("answers Jwt is missing as text/plain without a bearer token")
        func missingToken() async throws {
            try await withStandIn { standIn, port in
                let response = try exchange(port, "POST", Self.path, headers: [("Content-Type", "application/json")])
                #expect(response.status == 401)
                #expect(response.header("Content-Type") == "text/plain")
                #expect(response.text == "Jwt is missing")
                #expect(standIn.stats.unauthorizedAnswers == 1)
            }
        }

        @Test(
            "answers pandas records with the current fixture's shape, one record per row",
            .enabled(if: hasData, "needs the aloha fixtures in ../shared/wallaroo-data"))
        func pandasRecords() async throws {
            let input = try fixture("data_1k.df.json")
            let expected = try fixture("response_data_1k.pandas-records.current.json")
            try await withStandIn { standIn, port in
                let token = try fetchToken(port)
                let headers = [
                    ("Authorization", "Bearer \(token)"),
                    ("Content-Type", "application/json; format=pandas-records"),
                ]
                let response = try exchange(port, "POST", Self.path, headers: headers, body: input)
                #expect(response.status == 200)
                #expect(response.header("Content-Type") == "application/json; format=pandas-records")
                for marker in ["[", "\"out\":", "\"metadata\":", "\"anomaly\":"] {
                    let keys = keysInOrder(response.body, after: marker)
                    #expect(keys == keysInOrder(expected, after: marker), "\(marker)")
                }
                let parsed = try JSONSerialization.jsonObject(with: Data(response.body))
                let records = try #require(parsed as? [[String: Any]])
                let reference = try #require(try JSONSerialization.jsonObject(with: Data(expected)) as? [[String: Any]])
                #expect(records.count == 1_000)
                let echoed = records.map { ($0["in"] as? [String: [Double]])?["text_input"] ?? [] }
                let recorded = reference.map { ($0["in"] as? [String: [Double]])?["text_input"] ?? [] }
                #expect(echoed == recorded)
                let metadata = records.first?["metadata"] as? [String: Any]
                let lastModel = try #require(metadata?["last_model"] as? String)
                #expect(try JSONSerialization.jsonObject(with: Data(lastModel.utf8)) is [String: Any])
                #expect(standIn.stats.lastPipelineRequest?.body == input)
                #expect(standIn.stats.lastPipelineRequest?.target == Self.path)
            }
        }

        @Test(
            "answers legacy JSON with the legacy fixture's keys and batched outputs",
            .enabled(if: hasData, "needs the aloha fixtures in ../shared/wallaroo-data"))
        func legacy() async throws {
            let input = try fixture("data-1k.json")
            let expected = try fixture("response_data_1k.legacy-wallaroo-json.edge-2023-10.json")
            try await withStandIn { _, port in
                let token = try fetchToken(port)
                for type in ["application/json", "application/json; format=wallaroo"] {
                    let headers = [("Authorization", "Bearer \(token)"), ("Content-Type", type)]
                    let response = try exchange(port, "POST", Self.path, headers: headers, body: input)
                    #expect(response.status == 200)
                    #expect(keysInOrder(response.body, after: "[") == keysInOrder(expected, after: "["))
                    let list = try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]]
                    let outputs = try #require(list?.first?["outputs"] as? [[String: [String: Any]]])
                    #expect(outputs.count == 15)
                    #expect(outputs.first?["Float"]?["dim"] as? [Int] == [1_000, 1])
                    #expect((outputs.first?["Float"]?["data"] as? [Double])?.count == 1_000)
                }
            }
        }

        @Test("gives equal outputs for equal inputs")
        func deterministic() async throws {
            try await withStandIn { _, port in
                let token = try fetchToken(port)
                let auth = ("Authorization", "Bearer \(token)")
                let pandas = ("Content-Type", "application/json; format=pandas-records")
                let body = Array(#"[{"tensor":[1,2,3]}]"#.utf8)
                let first = try exchange(port, "POST", Self.path, headers: [auth, pandas], body: body)
                let second = try exchange(port, "POST", Self.path, headers: [auth, pandas], body: body)
                let outputs = { (text: String) in
                    text.components(separatedBy: "\"out\":")[1].components(separatedBy: "},")[0]
                }
                #expect(outputs(first.text) == outputs(second.text))
                #expect(outputs(first.text).hasPrefix(#"{"banjori":["#))
                #expect(first.text.contains(#""in":{"tensor":[1.0,2.0,3.0]}"#))
            }
        }

        @Test("echoes Arrow bodies with the Arrow content type")
        func arrowEcho() async throws {
            try await withStandIn { _, port in
                let token = try fetchToken(port)
                let body: [UInt8] = Array("ARROW1".utf8) + [0, 1, 2, 255]
                let headers = [
                    ("Authorization", "Bearer \(token)"),
                    ("Content-Type", "application/vnd.apache.arrow.file"),
                ]
                let response = try exchange(port, "POST", Self.path, headers: headers, body: body)
                #expect(response.status == 200)
                #expect(response.header("Content-Type") == "application/vnd.apache.arrow.file")
                #expect(response.body == body)
            }
        }

        @Test("answers malformed JSON with a 400 engine error")
        func malformed() async throws {
            try await withStandIn { _, port in
                let token = try fetchToken(port)
                let headers = [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")]
                let response = try exchange(port, "POST", Self.path, headers: headers, body: Array("{nope".utf8))
                #expect(response.status == 400)
                #expect(response.text.hasPrefix(#"{"code":400,"status":"error","error":"#))
                #expect(response.text.hasSuffix(#""source":"engine"}"#))
            }
        }

        @Test("answers the health check")
        func health() async throws {
            try await withStandIn { _, port in
                let response = try exchange(port, "GET", "/healthz")
                #expect(response.status == 200)
                #expect(response.text == #"{"status":"ok"}"#)
            }
        }
    }
}
