import Testing

@testable import InfergateLimits

@Suite struct TokenBucketTests {
    private static let second: UInt64 = 1_000_000_000

    @Test func startsFullAndRefusesPastBurst() {
        var bucket = TokenBucket(requestsPerSecond: 10, burst: 5, now: 0)
        let admitted = (0..<8).filter { _ in bucket.tryConsume(now: 0) }.count
        #expect(admitted == 5)
        #expect(bucket.availableTokens == 0)
        #expect(bucket.nanosecondsUntilAvailable == Self.second / 10)
    }

    @Test func refillsExactlyOneTokenPerInterval() {
        var bucket = TokenBucket(requestsPerSecond: 10, burst: 1, now: 0)
        let took1 = bucket.tryConsume(now: 0)
        #expect(took1)
        let took2 = bucket.tryConsume(now: 99_999_999)
        #expect(!took2)
        #expect(bucket.nanosecondsUntilAvailable == 1)
        let took3 = bucket.tryConsume(now: 100_000_000)
        #expect(took3)
        let took4 = bucket.tryConsume(now: 100_000_000)
        #expect(!took4)
    }

    @Test func refillStopsAtBurst() {
        var bucket = TokenBucket(requestsPerSecond: 100, burst: 7, now: 0)
        for _ in 0..<7 {
            _ = bucket.tryConsume(now: 0)
        }
        bucket.refill(now: 3600 * Self.second)
        #expect(bucket.availableTokens == 7)
        #expect(bucket.levelUnits == bucket.capacityUnits)
        #expect(bucket.nanosecondsUntilFull == 0)
    }

    @Test func defaultBurstIsOneSecondOfRate() {
        #expect(TokenBucket(requestsPerSecond: 50, burst: nil, now: 0).burst == 50)
        #expect(TokenBucket(requestsPerSecond: 2.5, burst: nil, now: 0).burst == 3)
        #expect(TokenBucket(requestsPerSecond: 0.2, burst: nil, now: 0).burst == 1)
    }

    @Test func outOfRangeSettingsAreClamped() {
        let fast = TokenBucket(requestsPerSecond: .infinity, burst: Int.max, now: 0)
        #expect(fast.unitsPerNanosecond == 1_000_000_000)
        #expect(fast.burst == TokenBucket.maximumBurst)
        let broken = TokenBucket(requestsPerSecond: .nan, burst: 0, now: 0)
        #expect(broken.unitsPerNanosecond == 1)
        #expect(broken.burst == 1)
    }

    @Test func clockGoingBackwardsAddsNothing() {
        var bucket = TokenBucket(requestsPerSecond: 1, burst: 1, now: 10 * Self.second)
        let took5 = bucket.tryConsume(now: 10 * Self.second)
        #expect(took5)
        let took6 = bucket.tryConsume(now: 5 * Self.second)
        #expect(!took6)
        #expect(bucket.updatedNanoseconds == 10 * Self.second)
        let took7 = bucket.tryConsume(now: 11 * Self.second)
        #expect(took7)
    }

    @Test func retryAfterRoundsUpToWholeSecondsAtLeastOne() {
        #expect(TokenBucket.wholeSeconds(roundingUp: 0) == 1)
        #expect(TokenBucket.wholeSeconds(roundingUp: 1) == 1)
        #expect(TokenBucket.wholeSeconds(roundingUp: Self.second) == 1)
        #expect(TokenBucket.wholeSeconds(roundingUp: Self.second + 1) == 2)
        #expect(TokenBucket.wholeSeconds(roundingUp: 0, minimum: 0) == 0)

        var slow = TokenBucket(requestsPerSecond: 0.5, burst: 1, now: 0)
        let took8 = slow.tryConsume(now: 0)
        #expect(took8)
        slow.refill(now: 0)
        #expect(slow.nanosecondsUntilAvailable == 2 * Self.second)
        slow.refill(now: 1_500_000_000)
        #expect(TokenBucket.wholeSeconds(roundingUp: slow.nanosecondsUntilAvailable) == 1)
    }

    @Test func noDriftOverAMillionUnevenSteps() async {
        // 3 r/s is 333,333,333.3 ns per token: any per-step rounding would show after 1e6 steps.
        var bucket = TokenBucket(requestsPerSecond: 3, burst: 2, now: 0)
        var generator = SplitMix64(state: 42)
        var now: UInt64 = 0
        // Take one first so the bucket is below its cap and no refill is discarded.
        let first = bucket.tryConsume(now: now)
        #expect(first)
        var consumed: UInt64 = 1
        for step in 0..<1_000_000 {
            if step % 10_000 == 0 {
                // Long synchronous loops would starve the timing tests sharing the pool.
                await Task.yield()
            }
            now += UInt64.random(in: 1...600_000, using: &generator)
            if bucket.tryConsume(now: now) {
                consumed += 1
            }
        }
        // Steps are shorter than one token, so the cap never discarded anything: the level must
        // be exactly what the elapsed time paid in, minus what was taken.
        let paidIn = 2 * TokenBucket.unitsPerToken + now * 3000
        #expect(bucket.levelUnits == paidIn - consumed * TokenBucket.unitsPerToken)
        #expect(bucket.levelUnits < TokenBucket.unitsPerToken)
        #expect(consumed == paidIn / TokenBucket.unitsPerToken)
    }

    @Test func manySmallRefillsEqualOneLargeOne() async {
        var stepped = TokenBucket(requestsPerSecond: 7.001, burst: 1_000_000, now: 0)
        var generator = SplitMix64(state: 7)
        for _ in 0..<1_000_000 {
            _ = stepped.tryConsume(now: 0)
        }
        var once = stepped
        var now: UInt64 = 0
        for step in 0..<1_000_000 {
            if step % 10_000 == 0 {
                await Task.yield()
            }
            now += UInt64.random(in: 1...1_000_000, using: &generator)
            stepped.refill(now: now)
        }
        once.refill(now: now)
        #expect(stepped == once)
        #expect(once.levelUnits == now * 7001)
    }

    @Test func drainKeepsOnlyWhatTheBucketCouldHaveRefilled() {
        var bucket = TokenBucket(requestsPerSecond: 1, burst: 10, now: 0)
        bucket.drain(untilFullAt: 4 * Self.second)
        #expect(bucket.availableTokens == 6)
        bucket.drain(untilFullAt: 60 * Self.second)
        #expect(bucket.levelUnits == 0)
        var untouched = TokenBucket(requestsPerSecond: 1, burst: 10, now: 5 * Self.second)
        untouched.drain(untilFullAt: Self.second)
        #expect(untouched.availableTokens == 10)
    }
}
