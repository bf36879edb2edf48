import IOLoop
import Testing

@testable import BenchCore

/// Outages as the connections see them, reconnection waits, and how both are reported.
@Suite("Availability")
struct AvailabilityTests {
    @Test func anOutageEndsOnlyWithAnOperationSentAfterItBegan() {
        let tracker = AvailabilityTracker()
        let began = monotonicNanoseconds()
        tracker.serverUnavailable(at: began, lostConnection: true)
        tracker.serverUnavailable(at: began &+ 5, lostConnection: true)
        // A reply that was on its way before the failure says nothing about the server now.
        tracker.succeeded(tookNanoseconds: monotonicNanoseconds() &- began &+ 1_000_000)
        #expect(tracker.openSince.load(ordering: .relaxed) == began)
        tracker.succeeded(tookNanoseconds: 0)
        #expect(tracker.openSince.load(ordering: .relaxed) == 0)
        let availability = tracker.availability(origin: began &- 1_000_000_000, end: monotonicNanoseconds())
        #expect(availability.outages.count == 1)
        let outage = availability.outages[0]
        #expect(outage.recovered && outage.lostConnections == 2)
        #expect(abs(outage.start - 1) < 1e-6)
    }

    @Test func anOutageOpenAtTheEndIsUnrecoveredAndOneBeforeTheMeasuredIntervalIsLeftOut() {
        let tracker = AvailabilityTracker()
        tracker.serverUnavailable(at: monotonicNanoseconds(), lostConnection: false)
        tracker.succeeded(tookNanoseconds: 0)
        let origin = monotonicNanoseconds() &+ 1
        tracker.serverUnavailable(at: origin &+ 2_000_000_000, lostConnection: true)
        tracker.reconnectFailed(kind: "connect: Connection refused")
        tracker.reconnectFailed(kind: "connect: Connection refused")
        tracker.reconnectFailed(kind: "connect: timed out")
        let availability = tracker.availability(origin: origin, end: origin &+ 3_000_000_000)
        #expect(availability.outages == [Outage(start: 2, seconds: 1, lostConnections: 1, recovered: false)])
        #expect(availability.failedReconnectCount == 3)
        #expect(availability.failedReconnects.first?.kind == "connect: Connection refused")
        #expect(availability.reconnections == 0)
    }

    @Test func reconnectWaitsGrowFromTwentyMillisecondsToHalfASecondWithJitter() {
        var backoff = ReconnectBackoff(random: FastRandom(seed: 7))
        var step = ReconnectBackoff.first
        var waits: [UInt64] = []
        for _ in 0..<12 {
            let wait = backoff.next()
            #expect(wait >= step / 2 && wait <= step, "wait \(wait) for step \(step)")
            waits.append(wait)
            step = min(step * 2, ReconnectBackoff.longest)
        }
        #expect(waits.last! >= ReconnectBackoff.longest / 2)
        #expect(Set(waits.suffix(6)).count > 1, "jittered, not in lockstep")
    }

    @Test func theReportNamesOutagesAndReconnections() {
        let availability = Availability(
            outages: [Outage(start: 2.004, seconds: 0.512, lostConnections: 8, recovered: true)],
            reconnections: 8,
            failedReconnects: [(kind: "connect: Connection refused", count: 40)]
        )
        #expect(
            TextRenderer.availabilityNotes(availability) == [
                "unavailable 0.512 s in 1 outage; 8 reconnections, 40 failed attempts (40 × connect: Connection refused)",
                "  outage at 2.004 s: 0.512 s, 8 connections lost",
            ]
        )
        #expect(TextRenderer.availabilityNotes(Availability()).isEmpty)
        let json = JSONRenderer.availability(availability).text
        #expect(json.contains(#""unavailable_seconds":0.512"#))
        #expect(json.contains(#""lost_connections":8"#))
        #expect(json.contains(#""failed_reconnects":{"connect: Connection refused":40}"#))
    }

    @Test func failedOperationsShowInTheTimeline() {
        let second = SecondStatistics(
            succeeded: 100,
            failed: 20,
            latency: IntervalLatency(p50: 1, p90: 2, p99: 3, max: 4)
        )
        #expect(
            ProgressDisplay.timelineLine(
                name: "SET",
                second: 3,
                done: 5_000,
                total: 0,
                lastSecond: second,
                rateUnit: nil
            ) == "progress SET 3s: 5,000 done, 120 in the last second, p99 0.003 ms (20 failed)"
        )
    }
}
