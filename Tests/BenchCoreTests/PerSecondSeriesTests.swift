import IOLoop
import Testing

@testable import BenchCore

/// The two operation kinds of `TimedWorkload`.
private enum TimedOperation: Int, OperationKind {
    case read, write

    var name: String { self == .read ? "read" : "write" }
}

/// A workload without a server for the per-second series: each connection alternates reads (500 µs
/// plus its index) and writes (2 ms), every tenth write failing, each operation taking 1 ms on the
/// loop's timer, until the run's duration ends.
private struct TimedWorkload: Workload {
    let connections: Int
    var totalOperations: Int { 0 }
    var name: String { "TIMED" }
    var operations: [TimedOperation] { [.read, .write] }

    func runConnection(_ context: ConnectionContext, recorder: Recorder<Self>) async throws {
        await context.ready()
        var done = 0
        while await context.startOperation() {
            await context.loop.sleep(until: monotonicNanoseconds() &+ 1_000_000)
            if done % 2 == 0 {
                recorder.recordSuccess(.read, nanoseconds: UInt64(500 + context.index) * 1_000)
            } else if done % 20 == 19 {
                recorder.recordFailure(.write, kind: "refused")
            } else {
                recorder.recordSuccess(.write, nanoseconds: 2_000_000, queued: 0)
            }
            done += 1
        }
    }
}

@Suite("Per-second series")
struct PerSecondSeriesTests {
    @Test func entriesAddUpToTheTotalsOfEveryKind() async throws {
        let result = try await runOnNewLoops(
            TimedWorkload(connections: 4),
            loops: 2,
            limits: RunLimits(duration: .milliseconds(2_500))
        )
        let series = result.series
        // The series starts when the connections are started, before the 2.5 s measured interval.
        // It covers the measured interval (however late a loaded machine opened the gate).
        #expect(series.count >= 3, "\(series.count) entries")
        #expect(Double(series.count - 1) + series.lastEntrySeconds >= result.wallSeconds - 0.01)
        #expect(series.total.reduce(0) { $0 + $1.succeeded } == result.total.succeeded)
        #expect(series.total.reduce(0) { $0 + $1.failed } == result.total.failed)
        #expect(result.total.failed > 0)
        #expect(series.operations.count == 2)
        for (index, operation) in result.operations.enumerated() {
            #expect(series.operations[index].count == series.count)
            #expect(
                series.operations[index].reduce(0) { $0 + $1.succeeded } == operation.succeeded,
                "\(operation.name)"
            )
            #expect(series.operations[index].reduce(0) { $0 + $1.failed } == operation.failed, "\(operation.name)")
        }
        for (second, entry) in series.total.enumerated() {
            let reads = series.operations[0][second]
            let writes = series.operations[1][second]
            #expect(entry.succeeded == reads.succeeded + writes.succeeded)
            guard reads.succeeded > 0 else { continue }
            // Reads took 500-503 µs and writes 2 ms: a second's figures are its own operations'.
            #expect(reads.latency.p50 >= 500 && reads.latency.max <= 503, "\(reads.latency)")
            #expect(writes.latency.p50 == 2_000 && writes.latency.max == 2_001 || writes.latency.max == 2_000)
            #expect(entry.latency.max == writes.latency.max)
            #expect(entry.serviceTime == nil)
        }
        #expect(series.lastEntrySeconds > 0 && series.lastEntrySeconds <= 1)
        #expect(series.unixTime(ofEntry: 2) - series.unixTime(ofEntry: 0) == 2)
        // The series began at most a second before the measured interval, on today's clock.
        #expect(result.startUnixTime >= series.startUnixTime && result.startUnixTime < series.startUnixTime + 1)
        #expect(abs(series.startUnixTime - WallClock.unixTime()) < 60)
    }

    /// The merge of the loops' intervals gives the percentiles of one histogram holding all of them.
    @Test func aSecondsPercentilesAreThoseOfItsMergedHistogram() {
        let shape = WorkloadShape(
            operations: [
                .init(slot: 0, name: "connect", isBeforeMeasuredInterval: true),
                .init(slot: 1, name: "op", isBeforeMeasuredInterval: false),
            ]
        )
        var first = OperationRecorder.Interval(shape: shape, openLoop: true)
        var second = first
        var expected = LatencyHistogram.latency()
        var expectedService = LatencyHistogram.latency()
        for value in 1...1_000 {
            let latency = UInt64(value * value)
            if value.isMultiple(of: 3) {
                first.histograms[1].recordNanoseconds(latency * 1_000)
                first.serviceHistograms[1].recordNanoseconds(latency * 500)
            } else {
                second.histograms[1].recordNanoseconds(latency * 1_000)
                second.serviceHistograms[1].recordNanoseconds(latency * 500)
            }
            expected.recordNanoseconds(latency * 1_000)
            expectedService.recordNanoseconds(latency * 500)
        }
        // Connecting is timed before the measured interval: its own entry, not in the total.
        first.histograms[0].recordNanoseconds(50_000_000_000)
        first.failed[1] = 7
        second.failed[1] = 5
        let sampler = SecondSampler(loops: [], recorders: [], shape: shape)
        let merged = sampler.merge([first, second])
        #expect(merged.total.succeeded == 1_000 && merged.total.failed == 12)
        #expect(merged.total.latency == IntervalLatency(expected))
        #expect(merged.total.latency.p99 == expected.valueAtPercentile(99))
        #expect(merged.total.latency.max == expected.max)
        #expect(merged.total.serviceTime == IntervalLatency(expectedService))
        #expect(merged.operations[0].succeeded == 1 && merged.operations[0].latency.max >= 50_000_000)
        #expect(merged.operations[1].latency == merged.total.latency)
    }

    /// Warm-up operations are in the series but not in the totals, whichever interval they fall in.
    @Test func theWarmupIsInTheSeriesButNotTheTotals() async {
        let shape = WorkloadShape(operations: [.init(slot: 0, name: "op", isBeforeMeasuredInterval: false)])
        let recorder = OperationRecorder(shape: shape)
        recorder.beginMeasuring(at: monotonicNanoseconds() + 3_600_000_000_000)
        for _ in 0..<10 { recorder.recordSuccess(slot: 0, nanoseconds: 9_000_000, queued: 0) }
        let duringWarmup = await recorder.takeInterval()
        #expect(duringWarmup.histograms[0].totalCount == 10)
        #expect(recorder.histogram(slot: 0).totalCount == 0)
        for _ in 0..<4 { recorder.recordSuccess(slot: 0, nanoseconds: 8_000_000, queued: 0) }
        // The warm-up ends in the middle of the next interval.
        recorder.beginMeasuring(at: 0)
        for _ in 0..<5 { recorder.recordSuccess(slot: 0, nanoseconds: 1_000_000, queued: 0) }
        #expect(recorder.histogram(slot: 0).totalCount == 5)
        let mixed = await recorder.takeInterval()
        #expect(mixed.histograms[0].totalCount == 9)
        for _ in 0..<3 { recorder.recordSuccess(slot: 0, nanoseconds: 2_000_000, queued: 0) }
        let measured = recorder.histogram(slot: 0)
        #expect(measured.totalCount == 8 && measured.max < 2_100)
        #expect(
            WorkloadResult(name: "W", shape: shape, connections: 1, recorders: [recorder], wallNanoseconds: 1)
                .total.succeeded == 8
        )
    }
}
