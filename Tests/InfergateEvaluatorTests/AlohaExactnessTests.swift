import Foundation
import Synchronization
import Testing

@testable import InfergateEvaluator

/// The Aloha model against the pipeline's own answers, on both the fast path and the generic executor.
@Suite(.enabled(if: TestData.isAvailable, TestData.skipMessage))
struct AlohaExactnessTests {
    @Test func loadsWithTheFastPath() throws {
        let model = try #require(TestData.model)
        #expect(model.usesFastPath)
        #expect(model.inputNames == ["text_input"])
        #expect(model.outputNames.count == 15)
        #expect(model.outputNames.first == "banjori")
        #expect(model.name == "aloha-cnn-lstm.fused")
        #expect(model.sha256.count == 64)
    }

    @Test(arguments: [true, false])
    func reproducesDataOne(fastPath: Bool) throws {
        let model = try #require(TestData.model)
        let input = ["text_input": try TestData.legacyRows("data-1.json")]
        let outputs = fastPath ? try model.evaluate(input) : try model.evaluateGeneric(input)
        #expect(abs(try #require(outputs["main"]).data[0] - 0.997564) < 1e-6)
        #expect(abs(try #require(outputs["corebot"]).data[0] - 0.98291475) < 1e-6)
        #expect(abs(try #require(outputs["banjori"]).data[0] - 0.0015195814) < 1e-6)
        #expect(outputs["main"]?.shape == [1, 1])
    }

    @Test(arguments: [true, false])
    func reproducesAllThousandRows(fastPath: Bool) throws {
        let model = try #require(TestData.model)
        let input = ["text_input": try TestData.legacyRows("data-1k.json")]
        let outputs = fastPath ? try model.evaluate(input) : try model.evaluateGeneric(input)
        let expected = try TestData.expectedOutputs()
        #expect(expected.count == 15)
        var worst: Double = 0
        for (name, values) in expected {
            let actual = try #require(outputs[name])
            #expect(actual.data.count == 1000)
            for (row, value) in values.enumerated() {
                worst = max(worst, abs(Double(actual.data[row]) - value))
            }
        }
        print("aloha max abs difference (fast path \(fastPath)): \(worst)")
        #expect(worst < 1e-5)
    }

    @Test func oneModelServesSeveralThreadsAtOnce() throws {
        let model = try #require(TestData.model)
        let input = ["text_input": try TestData.legacyRows("data-1k.json")]
        let reference = try model.evaluate(input)
        let results = Mutex<[[String: Tensor]]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            if let outputs = try? model.evaluate(input) {
                results.withLock { $0.append(outputs) }
            }
        }
        let collected = results.withLock { $0 }
        #expect(collected.count == 4)
        #expect(collected.allSatisfy { $0 == reference })
    }

    @Test func fastPathMatchesGenericExecutor() throws {
        let model = try #require(TestData.model)
        var generator = SplitMix(seed: 7)
        var rows: [Float] = []
        for row in 0..<64 {
            let padding = row % 51
            for position in 0..<50 {
                rows.append(position < padding ? 0 : Float(generator.next() % 38))
            }
        }
        let input = ["text_input": Tensor(shape: [64, 50], data: rows)]
        let fast = try model.evaluate(input)
        let generic = try model.evaluateGeneric(input)
        for name in model.outputNames {
            let pairs = zip(try #require(fast[name]).data, try #require(generic[name]).data)
            #expect(pairs.allSatisfy { abs($0 - $1) <= 1e-5 }, "output \(name)")
        }
    }
}

/// A tiny deterministic generator so random-looking tests repeat exactly.
struct SplitMix {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
