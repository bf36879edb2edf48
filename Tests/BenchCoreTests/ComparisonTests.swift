import Testing

@testable import BenchCore

/// A result of `operations` successes in one second, each taking `latency` microseconds.
private func result(operations: Int, latency: UInt64, failed: Int = 0) -> WorkloadResult {
    var histogram = LatencyHistogram.latency()
    histogram.record(latency, count: UInt64(operations))
    let total = OperationResult(name: "SET", succeeded: operations, failed: failed, histogram: histogram)
    return WorkloadResult(
        name: "SET",
        connections: 1,
        operations: [total],
        total: total,
        errors: [],
        counters: [],
        wallNanoseconds: 1_000_000_000,
        serviceTime: nil,
        late: 0,
        notStarted: 0
    )
}

@Suite("Comparison statistics")
struct ComparisonTests {
    /// p-values computed independently (SciPy's `mannwhitneyu(method="exact")`; the tied case by
    /// enumerating all 1,716 arrangements of its midranks).
    @Test(arguments: [
        ([1.0, 2, 3, 4], [5.0, 6, 7, 8], 0.0, 0.028_571_428_571_428_57),
        ([1.0, 2, 3], [4.0, 5, 6], 0.0, 0.1),
        ([1.1, 2.5, 3.3, 4.8, 5.0], [2.0, 6.1, 7.4, 8.2, 9.9], 4.0, 0.095_238_095_238_095_24),
        ([10.0, 12, 14, 11, 13, 15], [13.0, 16, 18, 17, 19, 20, 14], 4.0, 0.012_820_512_820_512_82),
        ([5.0, 5, 5, 5], [5.0, 5, 5, 5], 8.0, 1.0),
    ])
    func mannWhitneyGivesTheKnownValues(a: [Double], b: [Double], u: Double, p: Double) throws {
        let result = try #require(MannWhitney.test(a, b))
        #expect(result.u == u)
        #expect(abs(result.p - p) < 1e-12, "\(result.p)")
        // The test is symmetric in its samples.
        #expect(abs((MannWhitney.test(b, a)?.p ?? -1) - p) < 1e-12)
    }

    @Test func uHasTheKnownDistribution() {
        let counts = MannWhitney.uDistribution(m: 4, n: 4)
        #expect(counts.count == 17 && counts.reduce(0, +) == 70)
        #expect(counts[0] == 1 && counts[1] == 1 && counts[2] == 2 && counts[8] == 8)
        #expect(MannWhitney.midranks([3, 1, 3, 2]) == [3.5, 1, 3.5, 2])
    }

    @Test func theShiftIntervalOfFourAgainstFourIsTheRangeOfDifferences() throws {
        let shift = try #require(MannWhitney.shift(from: [1, 2, 3, 4], to: [11, 12, 13, 15], alpha: 0.05))
        #expect(shift.estimate == 10 && shift.low == 7 && shift.high == 14)
        // Three a side cannot reach 95%: no interval rather than a wrong one.
        #expect(MannWhitney.shift(from: [1, 2, 3], to: [4, 5, 6], alpha: 0.05) == nil)
    }

    @Test func aSlowerCandidateIsARegressionAndTheSameIsNoChange() throws {
        let baseline = [100_000, 101_000, 99_000, 100_500].map { result(operations: $0, latency: 200) }
        let slower = [60_000, 61_000, 59_000, 60_500].map { result(operations: $0, latency: 400) }
        let same = [100_200, 99_800, 100_900, 99_100].map { result(operations: $0, latency: 200) }
        let regression = Comparison(
            baseline: [("SET", baseline)],
            candidate: [("SET", slower)],
            alpha: 0.05,
            noise: 0.05
        )
        let ops = try #require(regression.rows.first { $0.metric == .ops })
        #expect(ops.verdict == .regression && abs((ops.change ?? 0) + 0.3997) < 0.001)
        #expect(abs((ops.p ?? 1) - 0.028_571_428_571_428_57) < 1e-12)
        let p99 = try #require(regression.rows.first { $0.metric == .p99 })
        #expect(p99.verdict == .regression && p99.baseline == 200 && p99.candidate == 400)
        let gate = try ComparisonGate(parsing: "ops<-10%")
        #expect(gate.judge(ops, noise: 0.05).outcome == .failed)
        #expect(try ComparisonGate(parsing: "ops<-50%").judge(ops, noise: 0.05).outcome == .passed)

        let unchanged = Comparison(baseline: [("SET", baseline)], candidate: [("SET", same)], alpha: 0.05, noise: 0.05)
        #expect(unchanged.rows.allSatisfy { $0.verdict == .noChange }, "\(unchanged.rows.map(\.verdict))")

        // One run a side: a change within the noise floor cannot be decided, one beyond it can.
        let single = Comparison(
            baseline: [("SET", [baseline[0]])],
            candidate: [("SET", [result(operations: 98_000, latency: 200)])],
            alpha: 0.05,
            noise: 0.05
        )
        let singleOps = try #require(single.rows.first { $0.metric == .ops })
        #expect(singleOps.verdict == .inconclusive && singleOps.p != nil && singleOps.interval == nil)
        #expect(try ComparisonGate(parsing: "ops<-1%").judge(singleOps, noise: 0.05).outcome == .undecided)
        let far = Comparison(
            baseline: [("SET", [baseline[0]])],
            candidate: [("SET", [slower[0]])],
            alpha: 0.05,
            noise: 0.05
        )
        #expect(far.rows.first { $0.metric == .ops }?.verdict == .regression)
    }

    /// A workload of several kinds is compared as a whole and kind by kind.
    @Test func theKindsOfAWorkloadAreComparedToo() throws {
        let shape = WorkloadShape(
            operations: [
                .init(slot: 0, name: "SET", isBeforeMeasuredInterval: false),
                .init(slot: 1, name: "GET", isBeforeMeasuredInterval: false),
            ]
        )
        func mixed(getLatency: UInt64) -> WorkloadResult {
            let recorder = OperationRecorder(shape: shape)
            for _ in 0..<100 { recorder.recordSuccess(slot: 0, nanoseconds: 100_000, queued: 0) }
            for _ in 0..<100 { recorder.recordSuccess(slot: 1, nanoseconds: getLatency * 1_000, queued: 0) }
            return WorkloadResult(
                name: "MIXED",
                shape: shape,
                connections: 1,
                recorders: [recorder],
                wallNanoseconds: 1_000_000_000
            )
        }
        let comparison = Comparison(
            baseline: [("MIXED", (0..<4).map { _ in mixed(getLatency: 100) })],
            candidate: [("MIXED", (0..<4).map { _ in mixed(getLatency: 300) })],
            alpha: 0.05,
            noise: 0.05
        )
        #expect(Set(comparison.rows.map(\.workload)) == ["MIXED", "MIXED.SET", "MIXED.GET"])
        let get = try #require(comparison.rows.first { $0.workload == "MIXED.GET" && $0.metric == .p50 })
        #expect(get.baseline == 100 && get.candidate == 300 && get.verdict == .regression)
        let set = try #require(comparison.rows.first { $0.workload == "MIXED.SET" && $0.metric == .p50 })
        #expect(set.verdict == .noChange && set.change == 0)
    }

    @Test(arguments: [
        ("p99>+10%", "", ComparedMetric.p99, true, 0.1),
        ("set.ops<-5%", "set", .ops, false, -0.05),
        ("error_rate>+0%", "", .errorRate, true, 0.0),
        ("mixed.get.p99.9>+15%", "mixed.get", .p999, true, 0.15),
    ])
    func gatesAreParsed(text: String, workload: String, metric: ComparedMetric, rising: Bool, limit: Double) throws {
        let gate = try ComparisonGate(parsing: text)
        #expect(gate.workload == (workload.isEmpty ? nil : workload))
        #expect(gate.metric == metric && gate.rising == rising && abs(gate.limit - limit) < 1e-12)
    }

    @Test(arguments: [
        ("p99+10%", "needs > or <"),
        ("p99>10", "must be a change in percent"),
        ("p98>+10%", "unknown metric 'p98'"),
        ("ops>+10%", "ops gets worse as it falls; write 'ops<-N%'"),
    ])
    func badGatesNameTheProblem(text: String, message: String) {
        do {
            _ = try ComparisonGate(parsing: text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
        }
    }
}
