import Foundation
import Testing

@testable import InfergateEvaluator

/// Request decoding, response encoding against the recorded pipeline responses, and float text.
@Suite(.enabled(if: TestData.isAvailable, TestData.skipMessage))
struct WallarooCodecTests {
    private func decode(_ text: String, _ format: WallarooFormat? = nil) throws -> [String: Tensor] {
        try WallarooCodec.decodeInput(Array(text.utf8), format: format, model: try #require(TestData.model))
    }

    private func decodeError(_ text: String, _ format: WallarooFormat? = nil) -> EvaluatorError? {
        #expect(throws: EvaluatorError.self) { try decode(text, format) }
    }

    private static let row = "[" + ([String](repeating: "0", count: 49) + ["5"]).joined(separator: ",") + "]"

    @Test func bothFormatsOfTheThousandRowsDecodeAlike() throws {
        let model = try #require(TestData.model)
        let legacy = try WallarooCodec.decodeInput(try TestData.bytes("data-1k.json"), format: .legacy, model: model)
        let records = try WallarooCodec.decodeInput(try TestData.bytes("data_1k.df.json"), format: nil, model: model)
        #expect(legacy["text_input"]?.shape == [1000, 50])
        #expect(legacy == records)
        #expect(legacy["text_input"] == (try TestData.legacyRows("data-1k.json")))
    }

    @Test func decodesTwentyFiveThousandRowsQuickly() throws {
        let model = try #require(TestData.model)
        let body = try TestData.bytes("data-25k.json")
        let start = ContinuousClock.now
        let inputs = try WallarooCodec.decodeInput(body, format: .legacy, model: model)
        let elapsed = ContinuousClock.now - start
        #expect(inputs["text_input"]?.shape == [24954, 50])
        // About 0.2 s on the shared 2-core machine; a quadratic slip takes most of a minute.
        #expect(elapsed < .seconds(5))
    }

    @Test func detectsTheFormatFromTheBody() {
        #expect(WallarooFormat.detect(Array("  {\"a\":1}".utf8)) == .legacy)
        #expect(WallarooFormat.detect(Array("\n[{}]".utf8)) == .pandasRecords)
        #expect(WallarooFormat.detect(Array("42".utf8)) == nil)
    }

    @Test func badRowsAreNamed() throws {
        let wrongKey = decodeError("{\"tensor\":[\(Self.row)]}")
        #expect(wrongKey?.code == "invalid_input" && wrongKey?.message.contains("tensor") == true)
        let short = decodeError("{\"text_input\":[\(Self.row),[1,2]]}")
        #expect(short?.row == 1 && short?.message.contains("2 values, expected 50") == true)
        let text = decodeError("[{\"text_input\":\(Self.row)},{\"text_input\":[\"a\"]}]")
        #expect(text?.row == 1 && text?.message.contains("not a number") == true)
        let range = decodeError("{\"text_input\":[\(Self.row.replacingOccurrences(of: "5]", with: "38]"))]}")
        #expect(range?.row == 0 && range?.message.contains("0...37") == true)
        let fraction = decodeError("[{\"text_input\":\(Self.row.replacingOccurrences(of: "5]", with: "2.5]"))}]")
        #expect(fraction?.row == 0)
        #expect(decodeError("{\"text_input\":[\(Self.row)]") != nil)
        #expect(decodeError("{\"text_input\":[\(Self.row)]}", .pandasRecords) != nil)
    }

    @Test func pandasResponseMatchesTheRecordedShapeAndValues() throws {
        let model = try #require(TestData.model)
        let inputs = try WallarooCodec.decodeInput(try TestData.bytes("data_1k.df.json"), format: nil, model: model)
        let body = WallarooCodec.encodeOutput(
            try model.evaluate(inputs), inputs: inputs, format: .pandasRecords, model: model,
            pipelineName: "p", elapsedNanoseconds: 5, timeMillis: 1_752_682_622_795)
        let recorded = try TestData.bytes("response_data_1k.pandas-records.current.json")
        #expect(JSONSkeleton.of(body) == JSONSkeleton.of(recorded))
        let ours = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]])
        let theirs = try #require(try JSONSerialization.jsonObject(with: Data(recorded)) as? [[String: Any]])
        var worst = 0.0
        for (mine, reference) in zip(ours, theirs) {
            let a = try #require(mine["out"] as? [String: [Double]])
            let b = try #require(reference["out"] as? [String: [Double]])
            for (name, values) in b {
                worst = max(worst, abs((a[name]?[0] ?? .infinity) - values[0]))
            }
        }
        #expect(worst < 1e-5)
        let text = String(decoding: body.prefix(700), as: UTF8.self)
        #expect(text.hasPrefix("[{\"time\":1752682622795,\"in\":{\"text_input\":[0.0,0.0,"))
        let whole = String(decoding: body.prefix(1200), as: UTF8.self)
        #expect(whole.contains("\"model_sha\\\":\\\"\(model.sha256)\\\""))
        #expect(String(decoding: body, as: UTF8.self).contains("\"partition\":\"infergate-local\""))
    }

    @Test func legacyResponseMatchesTheRecordedShape() throws {
        let model = try #require(TestData.model)
        let inputs = try WallarooCodec.decodeInput(try TestData.bytes("data-1k.json"), format: .legacy, model: model)
        let body = WallarooCodec.encodeOutput(
            try model.evaluate(inputs), inputs: inputs, format: .legacy, model: model,
            pipelineName: "edge", elapsedNanoseconds: 553_643_292, timeMillis: 1_696_958_983_731,
            decodeNanoseconds: 2_302_083)
        let recorded = try TestData.bytes("response_data_1k.legacy-wallaroo-json.edge-2023-10.json")
        #expect(JSONSkeleton.of(body) == JSONSkeleton.of(recorded))
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.hasPrefix("[{\"check_failures\":[],\"elapsed\":[2302083,553643292],\"model_name\":"))
        #expect(text.hasSuffix("\"pipeline_name\":\"edge\",\"shadow_data\":{},\"time\":1696958983731}]"))
    }

    @Test func floatTextIsShortestRoundTripInTheEngineLayout() {
        func text(_ value: Float) -> String {
            var bytes: [UInt8] = []
            FloatText.append(value, to: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
        func wide(_ value: Float) -> String {
            var bytes: [UInt8] = []
            FloatText.append(Double(value), to: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
        #expect(text(0.0015195814) == "0.0015195814")
        #expect(text(0.997564) == "0.997564")
        #expect(text(28) == "28.0" && text(0) == "0.0" && text(-3) == "-3.0")
        #expect(text(0.000047591115) == "0.000047591115")
        #expect(text(5.4870607e-6) == "5.4870607e-6")
        #expect(text(1.7933434e-26) == "1.7933434e-26")
        #expect(text(1e20) == "1e20" && text(123456.5) == "123456.5")
        #expect(text(.nan) == "null")
        #expect(wide(0.98291475) == "0.9829147458076477")
        #expect(wide(0.000047591115) == "0.00004759111470775679")
    }
}

/// The structure of a JSON document with keys kept in order and values blanked, for shape comparisons.
enum JSONSkeleton {
    static func of(_ bytes: [UInt8]) -> String {
        var out = ""
        var containers: [UInt8] = []
        var expectingKey = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                var text = ""
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    text.append(Character(UnicodeScalar(bytes[index])))
                    index += 1
                }
                index += 1
                out += expectingKey ? "\"" + text + "\"" : "s"
                expectingKey = false
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                containers.append(byte)
                expectingKey = byte == UInt8(ascii: "{")
                out.append(Character(UnicodeScalar(byte)))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                containers.removeLast()
                out.append(Character(UnicodeScalar(byte)))
            case UInt8(ascii: ","):
                expectingKey = containers.last == UInt8(ascii: "{")
                out.append(",")
            case UInt8(ascii: ":"):
                out.append(":")
            case 0x20, 0x0A, 0x0D, 0x09:
                continue
            default:
                if out.last != "#" { out += "#" }
            }
        }
        return out
    }
}
