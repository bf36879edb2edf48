import Testing

@testable import BenchCore

@Suite("Statistics")
struct StatisticsTests {
    @Test func percentilesOfKnownLatencies() {
        var histogram = LatencyHistogram.latency()
        for micros in 1...1000 { histogram.recordNanoseconds(UInt64(micros) * 1000) }
        let summary = LatencySummary(histogram)
        #expect(summary.count == 1000)
        #expect(summary.p50 == 500)
        #expect(summary.p90 == 900)
        #expect(summary.p99 == 990)
        #expect(summary.p999 == 999)
        #expect(summary.max == 1000)
        #expect(abs(summary.mean - 500.5) < 1)
    }

    @Test func nanosecondsRoundToMicrosecondsAndClamp() {
        var histogram = LatencyHistogram.latency()
        histogram.recordNanoseconds(0)  // below 1 µs → 1 µs
        histogram.recordNanoseconds(1_499)  // → 1 µs
        histogram.recordNanoseconds(1_500)  // → 2 µs
        histogram.recordNanoseconds(120_000_000_000)  // 120 s → clamped to 60 s
        #expect(histogram.totalCount == 4)
        #expect(histogram.countForValue(1) == 2)
        #expect(histogram.countForValue(2) == 1)
        #expect(histogram.valuesAreEquivalent(histogram.max, 60_000_000))
    }

    @Test func emptySummaryIsZero() {
        let summary = LatencySummary(.latency())
        #expect(summary.count == 0 && summary.p99 == 0 && summary.mean == 0)
    }

    @Test func resultMergesRecordersOfAllLoops() {
        let shape = testShape(["SET", "GET"], counters: [.hits])
        let first = OperationRecorder(shape: shape)
        let second = OperationRecorder(shape: shape)
        for _ in 0..<300 { first.recordSuccess(slot: 0, nanoseconds: 100_000, queued: 0) }
        for _ in 0..<100 { second.recordSuccess(slot: 1, nanoseconds: 300_000, queued: 0) }
        first.recordFailure(slot: 0, kind: "WRONGTYPE")
        second.recordFailure(slot: 1, kind: "WRONGTYPE")
        second.recordFailure(slot: 1, kind: "timed out")
        // A connection that could not be opened counts as a failed operation of the first kind, as
        // the runner records it.
        second.recordFailure(slot: 0, kind: "connect: Connection refused")
        first.add(counterSlot: 0, 7)
        second.add(counterSlot: 0, 3)

        let result = WorkloadResult(
            name: "MIXED",
            shape: shape,
            connections: 4,
            recorders: [first, second],
            wallNanoseconds: 2_000_000_000
        )
        #expect(result.operations.map(\.succeeded) == [300, 100])
        #expect(result.operations.map(\.failed) == [2, 2])
        #expect(result.total.succeeded == 400)
        #expect(result.total.attempted == 404)
        #expect(result.total.histogram.totalCount == 400)
        #expect(result.throughput == 200)  // 400 successes over 2 s of wall time
        #expect(result.counter(.hits) == 10)
        #expect(result.errors.first?.kind == "WRONGTYPE")
        #expect(result.errors.first?.count == 2)
        #expect(result.errors.map(\.kind).sorted() == ["WRONGTYPE", "connect: Connection refused", "timed out"])
        #expect(first.completed.load(ordering: .relaxed) == 301)
    }

    @Test func preStartOperationsStayOutOfTheTotals() {
        let shape = testShape(["connect", "PING"], preStart: ["connect"])
        let recorder = OperationRecorder(shape: shape)
        for _ in 0..<5 { recorder.recordSuccess(slot: 0, nanoseconds: 50_000, queued: 0) }
        for _ in 0..<5 { recorder.recordSuccess(slot: 1, nanoseconds: 10_000, queued: 0) }
        let result = WorkloadResult(
            name: "CONNECTIONS",
            shape: shape,
            connections: 5,
            recorders: [recorder],
            wallNanoseconds: 1_000_000_000
        )
        #expect(result.total.succeeded == 5)
        #expect(result.total.latency.max == 10)
        #expect(result.operations[0].isPreStart && !result.operations[1].isPreStart)
        #expect(result.throughput == 5)
    }

    @Test func connectionSpreadTakesTheFewestMedianAndMost() {
        #expect(ConnectionSpread([]) == nil)
        let spread = ConnectionSpread([7, 3, 9, 5])
        #expect(spread?.minimum == 3 && spread?.median == 7 && spread?.maximum == 9)
        #expect(spread?.isUneven == true)
        #expect(ConnectionSpread([4])?.isUneven == false)
    }

    @Test func throughputIsZeroWithoutWallTime() {
        let shape = testShape(["X"])
        let recorder = OperationRecorder(shape: shape)
        recorder.recordSuccess(slot: 0, nanoseconds: 1, queued: 0)
        let result = WorkloadResult(name: "X", shape: shape, connections: 1, recorders: [recorder], wallNanoseconds: 0)
        #expect(result.throughput == 0)
    }

    @Test(arguments: [
        (150_000.0, Rating.excellent), (100_000, .excellent), (99_999, .good), (50_000, .good),
        (49_999, .needsImprovement),
    ])
    func throughputRatings(value: Double, expected: Rating) {
        #expect(RatingThresholds(excellent: 100_000, good: 50_000, higherIsBetter: true).rate(value) == expected)
    }

    @Test(arguments: [(99.0, Rating.excellent), (100, .good), (199, .good), (200, .needsImprovement)])
    func latencyRatings(value: Double, expected: Rating) {
        #expect(RatingThresholds(excellent: 100, good: 200, higherIsBetter: false).rate(value) == expected)
    }
}

@Suite("Formatting")
struct FormatTests {
    @Test func progressModes() {
        #expect(ProgressMode.choose(.auto, stderrIsTerminal: true) == .bar)
        #expect(ProgressMode.choose(.auto, stderrIsTerminal: false) == .lines)
        #expect(ProgressMode.choose(.on, stderrIsTerminal: false) == .bar)
        #expect(ProgressMode.choose(.off, stderrIsTerminal: true) == .off)
        let lastSecond = SecondStatistics(
            succeeded: 104_000,
            failed: 0,
            latency: IntervalLatency(p50: 250, p90: 400, p99: 1_234, max: 5_000)
        )
        #expect(
            ProgressDisplay.timelineLine(
                name: "SET",
                second: 3,
                done: 312_000,
                total: 1_000_000,
                lastSecond: lastSecond,
                rateUnit: nil
            )
                == "progress SET 3s: 312,000 of 1,000,000 (31.2%), 104,000 in the last second, p99 1.234 ms"
        )
        // INSERT counts batches and shows its rows beside them, as the table does.
        let batches = SecondStatistics(
            succeeded: 104,
            failed: 0,
            latency: IntervalLatency(p50: 9_000, p90: 11_000, p99: 12_345, max: 20_000)
        )
        #expect(
            ProgressDisplay.timelineLine(
                name: "INSERT",
                second: 3,
                done: 312,
                total: 1000,
                lastSecond: batches,
                counted: 10_400,
                rateUnit: "rows"
            )
                == "progress INSERT 3s: 312 of 1,000 (31.2%), 104 in the last second, p99 12.345 ms (10,400 rows)"
        )
        let bar = ProgressDisplay.bar(
            name: "INSERT",
            done: ProgressDisplay.Count(operations: 500, counted: 50_000),
            total: 1000,
            elapsed: 2,
            rateUnit: "rows",
            style: TerminalStyle(enabled: false)
        )
        #expect(bar.hasSuffix("] 50.0% 250 ops/s · 25,000 rows/s"))
        // A timed run fills the bar with time; a narrow terminal gets a shorter bar, then no rates.
        let timed = ProgressDisplay.bar(
            name: "SET",
            done: ProgressDisplay.Count(operations: 1_200_000, counted: 0),
            total: 0,
            elapsed: 12,
            duration: 30,
            rateUnit: nil,
            style: TerminalStyle(enabled: false)
        )
        #expect(timed == "  SET [############..................] 12s of 30s 100,000 ops/s")
        for width in [40, 50, 60, 80] {
            let narrow = ProgressDisplay.bar(
                name: "INSERT",
                done: ProgressDisplay.Count(operations: 500, counted: 50_000),
                total: 1000,
                elapsed: 2,
                rateUnit: "rows",
                style: TerminalStyle(enabled: false),
                width: width
            )
            #expect(narrow.count < width, "\(narrow)")
            #expect(narrow.contains("50.0%"))
        }
    }

    @Test func linesWrapAtSpacesWithinTheWidth() {
        let text = "  800 rows of this run found in dbbench.llm_usage_metrics (matches; the server committed them)"
        let lines = Format.wrap(text, width: 40)
        #expect(lines.allSatisfy { $0.count <= 40 })
        #expect(lines.joined(separator: " ").split(separator: " ") == text.split(separator: " "))
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("    ") })
        #expect(Format.wrap(text, width: nil) == [text])
    }

    @Test func grouping() {
        #expect(Format.grouped(0) == "0")
        #expect(Format.grouped(999) == "999")
        #expect(Format.grouped(1000) == "1,000")
        #expect(Format.grouped(1_234_567) == "1,234,567")
        #expect(Format.grouped(-45_000) == "-45,000")
    }

    @Test func fixedDecimals() {
        #expect(Format.fixed(1.23456, 2) == "1.23")
        #expect(Format.fixed(0.0005, 3) == "0.001")
        #expect(Format.fixed(2, 3) == "2.000")
        #expect(Format.fixed(-1.5, 1) == "-1.5")
        #expect(Format.milliseconds(UInt64(1234)) == "1.234")
        #expect(Format.percent(0.5) == "50.0%")
    }
}
