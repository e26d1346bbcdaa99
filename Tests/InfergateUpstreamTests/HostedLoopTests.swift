import Foundation
import InfergateCore
import Synchronization
import Testing

@testable import InfergateUpstream

/// A minimal event loop for hosting an engine's multi handle, as an HTTP worker does: one
/// thread that polls the attachment's descriptor, runs it after each round, and runs Swift
/// task jobs handed to it through its executor.
final class TestHostLoop: TaskExecutor, @unchecked Sendable {  // `jobs` behind its Mutex; the rest on the thread
    let attachment: any EventLoopAttachment
    /// Jobs for the loop, and whether it has exited (later jobs then run on Dispatch).
    private let jobs = Mutex<(pending: [UnownedJob], isClosed: Bool)>(([], false))
    private let isStopping = Atomic<Bool>(false)
    private let threadID = Atomic<UInt>(0)
    private let finished = DispatchSemaphore(value: 0)

    init(attachment: any EventLoopAttachment) {
        self.attachment = attachment
        let thread = Thread { [self] in run() }
        thread.start()
    }

    /// True when the caller runs on the loop's thread.
    var isCurrent: Bool {
        pthread_equal(pthread_self(), pthread_t(threadID.load(ordering: .acquiring))) != 0
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let isAccepted = jobs.withLock { jobs in
            guard !jobs.isClosed else {
                return false
            }
            jobs.pending.append(job)
            return true
        }
        if !isAccepted {
            let executor = asUnownedTaskExecutor()
            DispatchQueue.global().async { job.runSynchronously(on: executor) }
        }
    }

    /// Ends the loop after its current round and waits for the attachment to detach.
    func stop() {
        isStopping.store(true, ordering: .releasing)
        finished.wait()
    }

    private func run() {
        threadID.store(UInt(pthread_self()), ordering: .releasing)
        attachment.attach()
        var delay: Int?
        while !isStopping.load(ordering: .acquiring) {
            // Short polls stand in for a wake-up descriptor: the test only needs correctness.
            var poller = pollfd(fd: attachment.descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(delay ?? 2, 2))) > 0
            runJobs()
            delay = attachment.run(isReadable: ready)
        }
        jobs.withLock { $0.isClosed = true }
        runJobs()
        // Resumes what was in flight with `shutDown`; those jobs go to Dispatch now.
        attachment.detach()
        finished.signal()
    }

    private func runJobs() {
        let batch = jobs.withLock { jobs in
            defer { jobs.pending.removeAll() }
            return jobs.pending
        }
        for job in batch {
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Multi handles hosted by another component's event loop, as the HTTP workers host them.
@Suite("TransferEngine on hosted loops")
struct HostedLoopTests {
    /// A transfer to a server that never answers, started on `loop`; its value is the error it ended with.
    static func hangingTransfer(
        on loop: TestHostLoop,
        engine: TransferEngine,
        server: LoopbackServer
    ) -> Task<UpstreamError?, Never> {
        Task(executorPreference: loop) { () -> UpstreamError? in
            do throws(UpstreamError) {
                _ = try await engine.perform(UpstreamRequest(method: "GET", url: server.url("/hang")))
                return nil
            } catch {
                return error
            }
        }
    }

    @Test func transfersStartedOnAHostThreadRunThereAndNotOnTheEngineThread() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try TransferEngineTests.makeEngine()
        defer { engine.shutdown() }
        let attachments = try engine.makeLoopAttachments(count: 2)
        let loops = attachments.map { TestHostLoop(attachment: $0) }
        defer { loops.forEach { $0.stop() } }

        for loop in loops {
            let resumedOnHost = try await Task(executorPreference: loop) {
                let response = try await engine.perform(
                    UpstreamRequest(method: "POST", url: server.url("/echo"), body: Array("ping".utf8)))
                #expect(response.status == 200)
                #expect(TransferEngineTests.parseEcho(response.body)?.body == Array("ping".utf8))
                return loop.isCurrent
            }.value
            #expect(resumedOnHost)
        }
        let hosted = engine.loopDrivers.map { $0.startedTransfers.load(ordering: .relaxed) }
        #expect(hosted == [1, 1])
        #expect(engine.driver.startedTransfers.load(ordering: .relaxed) == 0)

        // Callers on no host thread still go through the engine's own loop.
        let plain = try await engine.perform(UpstreamRequest(method: "GET", url: server.url("/echo")))
        #expect(plain.status == 200)
        #expect(engine.driver.startedTransfers.load(ordering: .relaxed) == 1)
    }

    @Test func manyConcurrentTransfersOnOneHostAllComplete() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try TransferEngineTests.makeEngine()
        defer { engine.shutdown() }
        let loop = TestHostLoop(attachment: try engine.makeLoopAttachments(count: 1)[0])
        defer { loop.stop() }

        let statuses = await withTaskGroup(of: Int.self) { group in
            for index in 0..<200 {
                group.addTask(executorPreference: loop) {
                    let request = UpstreamRequest(method: "GET", url: server.url("/delay/\(index % 20)"))
                    return (try? await engine.perform(request).status) ?? -1
                }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.count == 200)
        #expect(statuses.allSatisfy { $0 == 200 })
        #expect(engine.loopDrivers[0].startedTransfers.load(ordering: .relaxed) == 200)
    }

    @Test func detachingTheHostFailsInFlightTransfersWithShutDown() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try TransferEngineTests.makeEngine()
        defer { engine.shutdown() }
        let loop = TestHostLoop(attachment: try engine.makeLoopAttachments(count: 1)[0])

        let pending = Self.hangingTransfer(on: loop, engine: engine, server: server)
        try await Task.sleep(for: .milliseconds(200))
        loop.stop()
        let error = await pending.value
        #expect(error?.message == UpstreamError.shutDown.message)
    }

    @Test func cancellingFromAnotherThreadEndsAHostedTransferPromptly() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try TransferEngineTests.makeEngine()
        defer { engine.shutdown() }
        let loop = TestHostLoop(attachment: try engine.makeLoopAttachments(count: 1)[0])
        defer { loop.stop() }

        let pending = Self.hangingTransfer(on: loop, engine: engine, server: server)
        try await Task.sleep(for: .milliseconds(100))
        let started = Date()
        pending.cancel()  // from the test's thread: the command reaches the loop through its eventfd
        let error = await pending.value
        #expect(error?.kind == .cancelled)
        #expect(Date().timeIntervalSince(started) < 1)
        #expect(engine.activeTransferCount == 0)
    }

    /// What `HTTPServer.start` does when a worker cannot be made after the attachments were.
    @Test func anAttachmentNeverAttachedCanBeDetachedByItsMaker() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try TransferEngineTests.makeEngine()
        defer { engine.shutdown() }
        let attachments = try engine.makeLoopAttachments(count: 2)
        for attachment in attachments {
            attachment.detach()
        }
        #expect(engine.loopDrivers.allSatisfy { $0.hasClosed })
        // The engine's own loop still serves callers.
        let response = try await engine.perform(UpstreamRequest(method: "GET", url: server.url("/echo")))
        #expect(response.status == 200)
    }

    @Test func connectionLimitsAreSharedOutAmongLoops() {
        let configuration = TransferEngineConfiguration(maxTotalConnections: 1_024, maxConnectionsPerHost: 5)
        let share = configuration.sharedOut(among: 2)
        #expect(share.maxTotalConnections == 512)
        #expect(share.maxConnectionsPerHost == 3)
        #expect(configuration.sharedOut(among: 8).maxConnectionsPerHost == 1)
    }
}
