import Testing

@testable import BenchCore

@Suite("Thresholds (--assert)")
struct ThresholdTests {
    static let workloads = ["set", "get", "mixed", "connections"]

    func parse(_ text: String) throws(UsageError) -> Threshold {
        try Threshold(parsing: text, workloads: Self.workloads, command: "dbbench redis")
    }

    /// A result with 1000 operations of 1..1000 µs over 2 s, 3 failures and 500 rows.
    func result(_ name: String) -> WorkloadResult {
        let shape = testShape([name], counters: [.rows])
        let recorder = OperationRecorder(shape: shape)
        for micros in 1...1000 { recorder.recordSuccess(slot: 0, nanoseconds: UInt64(micros) * 1000, queued: 0) }
        for _ in 0..<3 { recorder.recordFailure(slot: 0, kind: "ERR") }
        recorder.add(counterSlot: 0, 500)
        return WorkloadResult(
            name: name,
            shape: shape,
            connections: 1,
            recorders: [recorder],
            wallNanoseconds: 2_000_000_000
        )
    }

    @Test func parsesMetricComparisonValueAndUnits() throws {
        let p99 = try parse("p99<5ms")
        #expect(p99.workload == nil && p99.metric == .p99 && p99.comparison == .less && p99.limit == 5000)
        #expect(try parse("set.p99.9 <= 250us").workload == "set")
        #expect(try parse("set.p99.9 <= 250us").metric == .p999)
        #expect(try parse("set.p99.9 <= 250us").limit == 250)
        #expect(try parse("max<2s").limit == 2_000_000)
        #expect(try parse("mean<1.5").limit == 1500)  // milliseconds by default
        #expect(try parse("ops>=50000").comparison == .greaterOrEqual)
        #expect(try parse("ops>=50000").limit == 50000)
        #expect(try parse("GET.errors==0").workload == "get")
    }

    @Test(arguments: [
        ("p99 5ms", "needs a comparison"), ("p98<5", "unknown metric 'p98'"), ("sets.p99<5", "unknown workload 'sets'"),
        ("p99<fast", "'fast' is not a number"), ("ops>=5ms", "'5ms' is not a number"),
    ])
    func rejectsBadExpressions(text: String, expected: String) {
        #expect {
            _ = try parse(text)
        } throws: { error in
            (error as? UsageError)?.message.contains(expected) == true
        }
    }

    @Test func evaluatesEveryWorkloadOrTheNamedOne() throws {
        let results = [result("SET"), result("GET")]
        let outcomes = ThresholdOutcome.evaluate(
            [
                try parse("p50<=500us"), try parse("ops>=500"), try parse("errors==0"), try parse("get.p99<0.5ms"),
                try parse("rows>=250"), try parse("mixed.ops>1"),
            ],
            results: results
        )
        let verdicts = outcomes.map { "\($0.threshold.text) \($0.workload) \($0.passed)" }
        #expect(
            verdicts == [
                "p50<=500us SET true", "p50<=500us GET true",  // p50 is 500 µs
                "ops>=500 SET true", "ops>=500 GET true",  // 1000 successes over 2 s
                "errors==0 SET false", "errors==0 GET false",  // 3 failures each
                "get.p99<0.5ms GET false",  // p99 is 990 µs
                "rows>=250 SET true", "rows>=250 GET true",  // 500 rows over 2 s
                "mixed.ops>1 mixed false",  // MIXED did not run
            ]
        )
        #expect(outcomes[4].detail == "SET errors = 3")
    }

    @Test func exitCodeFollowsTheOutcomes() throws {
        let results = [result("SET")]
        func code(_ expressions: [String], interrupted: Bool = false) throws -> Int32 {
            let outcomes = ThresholdOutcome.evaluate(try expressions.map(parse), results: results)
            return ExitCode.forRun(thresholds: outcomes, interrupted: interrupted)
        }
        #expect(try code([]) == ExitCode.success)
        #expect(try code(["ops>0"]) == ExitCode.success)
        #expect(try code(["ops>0", "p99<1us"]) == ExitCode.thresholdFailed)
        #expect(try code(["ops>0", "p99<1us"], interrupted: true) == ExitCode.interrupted)
        var report = BenchmarkReport(
            title: "t",
            settings: [],
            metadata: ReportMetadata(command: "redis", target: "127.0.0.1:1", serverVersion: "7", configuration: []),
            results: results
        )
        report.thresholds = ThresholdOutcome.evaluate([try parse("ops>0"), try parse("p99<1us")], results: results)
        let text = TextRenderer(style: TerminalStyle(enabled: false)).render(report)
        #expect(text.contains("FAIL  p99<1us  SET p99 = 0.990 ms"))
        #expect(text.contains("1 of 2 failed: exit code 1"))
    }

    @Test func runLimitsNeedADurationForAWarmup() throws {
        func limits(_ arguments: [String]) throws(UsageError) -> RunLimits { try parseRunLimits(arguments) }
        #expect(try limits(["--seed", "1"]) == RunLimits(seed: 1))
        #expect(
            try limits(["--duration", "30s", "--warmup", "5s", "--seed", "9"])
                == RunLimits(duration: .seconds(30), warmup: .seconds(5), seed: 9)
        )
        // Without --seed, each run draws its own.
        #expect(try limits([]).seed != limits([]).seed)
        #expect(try limits(["--duration", "30s", "--warmup", "5s"]).summary == "30s per workload after a 5s warm-up")
        #expect(
            throws: UsageError(
                "dbbench redis: --warmup needs --duration (a warm-up would otherwise use up part of the operation count)"
            )
        ) {
            try limits(["--warmup", "5s"])
        }
    }

    @Test func repeatableOptionKeepsEveryValue() throws {
        let parsed = try ParsedArguments(
            parsing: ["--assert", "p99<5", "--assert=ops>1"],
            specs: [RunOptions.assert.spec],
            command: "dbbench redis",
            environment: [:]
        )
        #expect(parsed.all("assert") == ["p99<5", "ops>1"])
    }

    @Test func rowsOnWorkloadsThatCountNoneAreRefused() throws {
        func parse(_ text: String, countingRows: [String]) throws(UsageError) -> Threshold {
            try Threshold(
                parsing: text,
                workloads: Self.workloads,
                countingRows: countingRows,
                command: "dbbench redis"
            )
        }
        #expect(throws: UsageError.self) { try parse("rows>1000000", countingRows: []) }
        #expect(throws: UsageError.self) { try parse("set.rows>1", countingRows: ["get"]) }
        #expect(try parse("get.rows>1", countingRows: ["get"]).metric == .rows)
        #expect(try parse("rows>1", countingRows: ["get"]).workload == nil)
    }

    @Test func errorRateIsAPercentageOfTheAttempts() throws {
        let rate = try parse("error_rate<1%")
        #expect(rate.metric == .errorRate && rate.limit == 1)
        #expect(try parse("set.error_rate <= 0.5").limit == 0.5)
        // 3 of 1003 failed: 0.30%.
        let outcomes = ThresholdOutcome.evaluate(
            [try parse("error_rate<1%"), try parse("error_rate<0.1")],
            results: [result("SET")]
        )
        #expect(outcomes.map(\.passed) == [true, false])
        #expect(outcomes[0].detail == "SET error_rate = 0.30%")
    }

    @Test func latencyOverNoSuccessfulOperationFails() throws {
        let shape = testShape(["SQL"])
        let recorder = OperationRecorder(shape: shape)
        for _ in 0..<5 { recorder.recordFailure(slot: 0, kind: "42601 syntax error") }
        let failed = WorkloadResult(
            name: "SQL",
            shape: shape,
            connections: 1,
            recorders: [recorder],
            wallNanoseconds: 1_000_000_000
        )
        let outcomes = ThresholdOutcome.evaluate(
            [try parse("p99<5ms"), try parse("errors==5"), try parse("error_rate==100")],
            results: [failed]
        )
        #expect(outcomes.map(\.passed) == [false, true, true])
        #expect(outcomes[0].detail == "SQL has no successful operation to take p99 from")
    }
}
