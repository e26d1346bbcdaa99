import Testing

@testable import InfergateGateway

@Suite struct CircuitBreakerTests {
    private func settings() -> CircuitBreakerSettings {
        var settings = CircuitBreakerSettings()
        settings.consecutiveFailures = 3
        settings.minimumRequests = 10
        settings.failureRatio = 0.5
        settings.openMilliseconds = 1_000
        settings.halfOpenProbes = 2
        return settings
    }

    private let ms: UInt64 = 1_000_000

    @Test func opensAfterConsecutiveFailuresAndRejectsWhileOpen() {
        var breaker = CircuitBreaker(settings: settings())
        #expect(breaker.admit(now: 0) == .allow)
        breaker.record(success: false, wasProbe: false, now: 1 * ms)
        breaker.record(success: false, wasProbe: false, now: 2 * ms)
        #expect(breaker.state == .closed)
        #expect(breaker.record(success: false, wasProbe: false, now: 3 * ms) == .open)
        #expect(breaker.admit(now: 500 * ms) == .reject)
    }

    @Test func successResetsTheConsecutiveCount() {
        var breaker = CircuitBreaker(settings: settings())
        breaker.record(success: false, wasProbe: false, now: 1)
        breaker.record(success: false, wasProbe: false, now: 2)
        breaker.record(success: true, wasProbe: false, now: 3)
        breaker.record(success: false, wasProbe: false, now: 4)
        #expect(breaker.state == .closed)
    }

    @Test func opensOnFailureRatioOverTheWindow() {
        var breaker = CircuitBreaker(settings: settings())
        for index in 0..<10 {
            breaker.record(success: index % 2 == 0, wasProbe: false, now: UInt64(index) * ms)
        }
        #expect(breaker.state == .open)
    }

    @Test func halfOpenProbesCloseOrReopen() {
        var breaker = CircuitBreaker(settings: settings())
        for index in 0..<3 {
            breaker.record(success: false, wasProbe: false, now: UInt64(index) * ms)
        }
        #expect(breaker.admit(now: 1_003 * ms) == .probe)
        #expect(breaker.state == .halfOpen)
        #expect(breaker.admit(now: 1_003 * ms) == .probe)
        #expect(breaker.admit(now: 1_003 * ms) == .reject)
        breaker.record(success: true, wasProbe: true, now: 1_010 * ms)
        #expect(breaker.record(success: true, wasProbe: true, now: 1_011 * ms) == .closed)

        for index in 0..<3 {
            breaker.record(success: false, wasProbe: false, now: (2_000 + UInt64(index)) * ms)
        }
        #expect(breaker.admit(now: 3_100 * ms) == .probe)
        #expect(breaker.record(success: false, wasProbe: true, now: 3_101 * ms) == .open)
        #expect(breaker.admit(now: 3_200 * ms) == .reject)
    }
}
