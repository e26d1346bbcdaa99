import Foundation
import InfergateCore
import Testing

@testable import InfergateUpstream

/// Many transfers at once and Wallaroo-sized bodies, with generous time bounds for debug builds.
@Suite("TransferEngine load")
struct TransferEngineLoadTests {
    @Test(.timeLimit(.minutes(1)))
    func thousandConcurrentTransfersAgainstASlowServerComplete() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try TransferEngineTests.makeEngine(.init(maxConnectionsPerHost: 64))
        defer { engine.shutdown() }
        let started = ContinuousClock.now

        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<1_000 {
                group.addTask {
                    try await engine.perform(UpstreamRequest(method: "GET", url: server.url("/delay/50"))).status
                }
            }
            var statuses: [Int] = []
            for try await status in group {
                statuses.append(status)
            }
            return statuses
        }

        #expect(statuses.count == 1_000)
        #expect(statuses.allSatisfy { $0 == 200 })
        #expect(server.acceptedConnections <= 64)
        #expect(engine.activeTransferCount == 0)
        #expect(ContinuousClock.now - started < .seconds(20))
    }

    @Test(.timeLimit(.minutes(1)))
    func wallarooSizedBodiesPassQuickly() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try TransferEngineTests.makeEngine()
        defer { engine.shutdown() }
        let upload = LoopbackServer.pattern(count: 3_000_000)
        let expected = LoopbackServer.pattern(count: 10_000_000)
        let request = UpstreamRequest(
            method: "POST",
            url: server.url("/large/10000000"),
            headers: HTTPHeaders([("Content-Type", "application/json; format=pandas-records")]),
            body: upload
        )
        let started = ContinuousClock.now

        let response = try await engine.perform(request)

        let elapsed = ContinuousClock.now - started
        #expect(response.status == 200)
        #expect(response.body.count == expected.count)
        #expect(response.body == expected)
        #expect(elapsed < .seconds(3))
    }

    @Test func headRequestsFinishWithoutWaitingForABody() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try TransferEngineTests.makeEngine()
        defer { engine.shutdown() }

        let response = try await engine.perform(
            UpstreamRequest(method: "HEAD", url: server.url("/large/5000"), totalTimeoutMilliseconds: 2_000)
        )

        #expect(response.status == 200)
        #expect(response.headers["Content-Length"] == "5000")
        #expect(response.body.isEmpty)
    }
}

extension TransferEngineLoadTests {
    /// `localhost` goes through libcurl's threaded resolver, whose wake-up socket the
    /// driver also watches; fresh connections after it must still complete.
    @Test(.timeLimit(.minutes(1)))
    func hostNamesResolveAndFreshConnectionsFollow() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try TransferEngineTests.makeEngine()
        defer { engine.shutdown() }

        var statuses: [Int] = []
        for index in 0..<20 {
            let request = UpstreamRequest(
                method: "GET",
                url: "http://localhost:\(server.port)/echo/\(index)",
                headers: HTTPHeaders([("Connection", "close")]),
                totalTimeoutMilliseconds: 3_000
            )
            statuses.append(try await engine.perform(request).status)
        }

        #expect(statuses == Array(repeating: 200, count: 20))
        #expect(server.acceptedConnections == 20)
    }
}
