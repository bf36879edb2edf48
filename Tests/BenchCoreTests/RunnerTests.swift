import IOLoop
import Synchronization
import Testing

@testable import BenchCore

/// A workload with no server: each connection records `operations` fake 1 ms operations and logs
/// where and when it ran, so the runner's scheduling can be checked.
private struct SyntheticWorkload: Workload {
    final class Log: Sendable {
        struct Entry {
            var index: Int
            var loop: Int
            var onLoopThread: Bool
            var share: Int
            var readyAt: UInt64
            var firstOperationAt: UInt64
            /// Operations `startOperation` let start (with `unevenStop`).
            var started = 0
        }
        let entries = Mutex<[Entry]>([])
        let events = Mutex<[String]>([])
    }

    let connections: Int
    let totalOperations: Int
    var failSetup = false
    var failTeardown = false
    var failingConnection: Int?
    /// Asks `startOperation` before each operation and gives up after (index + 1) × 10 of them.
    var unevenStop = false
    let log = Log()
    var name: String { "SYNTHETIC" }
    var operations: [TestOperation] { [.op] }

    func setup(on loop: IOLoop) async throws {
        log.events.withLock { $0.append("setup on loop \(loop.index): \(loop.inLoopThread)") }
        if failSetup { throw UsageError("setup failed") }
    }

    func runConnection(_ context: ConnectionContext, recorder: Recorder<Self>) async throws {
        await Task.yield()
        if context.index == failingConnection { throw UsageError("refused") }
        let readyAt = monotonicNanoseconds()
        await context.ready()
        let first = monotonicNanoseconds()
        var done = 0
        if unevenStop {
            while done < (context.index + 1) * 10, await context.startOperation() {
                recorder.recordSuccess(.op, nanoseconds: 1_000_000)
                done += 1
            }
        } else {
            for _ in 0..<context.operations { recorder.recordSuccess(.op, nanoseconds: 1_000_000) }
        }
        let entry = Log.Entry(
            index: context.index,
            loop: context.loop.index,
            onLoopThread: context.loop.inLoopThread,
            share: context.operations,
            readyAt: readyAt,
            firstOperationAt: first,
            started: done
        )
        log.entries.withLock { $0.append(entry) }
    }

    func teardown(on loop: IOLoop) async throws {
        log.events.withLock { $0.append("teardown") }
        if failTeardown { throw UsageError("teardown failed") }
    }
}

/// The one operation kind of the synthetic test workloads.
enum TestOperation: Int, OperationKind {
    case op

    var name: String { "op" }
}

/// Runs `workload` on `loopCount` new I/O loops, progress off, and shuts the loops down afterwards.
func runWorkloadOnNewLoops<W: Workload>(
    _ workload: W,
    loops loopCount: Int = 2,
    limits: RunLimits = RunLimits()
)
    async throws -> WorkloadRun
{
    let loops = try IOLoopGroup(count: loopCount)
    defer { loops.shutdown() }
    let runner = BenchmarkRunner(loops: loops, progress: .off, style: TerminalStyle(enabled: false), limits: limits)
    return await runner.run(workload)
}

/// The result of `runWorkloadOnNewLoops`; a failed step is thrown.
func runOnNewLoops<W: Workload>(
    _ workload: W,
    loops loopCount: Int = 2,
    limits: RunLimits = RunLimits()
)
    async throws -> WorkloadResult
{
    let run = try await runWorkloadOnNewLoops(workload, loops: loopCount, limits: limits)
    if let failure = run.failure { throw UsageError(failure.description) }
    guard let result = run.result else { throw UsageError("no result") }
    return result
}

@Suite("Runner and scheduling")
struct RunnerTests {
    @Test(arguments: [(10, 3), (7, 7), (1, 5), (100, 1)])
    func splitIsEvenAndComplete(total: Int, parts: Int) {
        let shares = BenchmarkRunner.split(total, over: parts)
        #expect(shares.count == parts)
        #expect(shares.reduce(0, +) == total)
        #expect(shares.max()! - shares.min()! <= 1)
    }

    @Test func everyConnectionRunsOnItsLoopAndStartsTogether() async throws {
        let workload = SyntheticWorkload(connections: 6, totalOperations: 1003)
        let result = try await runOnNewLoops(workload)

        #expect(result.total.succeeded == 1003)
        #expect(result.total.histogram.totalCount == 1003)
        #expect(result.connections == 6)
        let entries = workload.log.entries.withLock { $0 }.sorted { $0.index < $1.index }
        #expect(entries.count == 6)
        #expect(entries.allSatisfy { $0.onLoopThread })
        #expect(entries.map(\.loop) == [0, 1, 0, 1, 0, 1])
        #expect(entries.map(\.share) == [168, 167, 167, 167, 167, 167])
        // No connection starts its measured work before the last one is ready.
        let lastReady = entries.map(\.readyAt).max()!
        #expect(entries.allSatisfy { $0.firstOperationAt >= lastReady })
        #expect(workload.log.events.withLock { $0 } == ["setup on loop 0: true", "teardown"])
    }

    @Test func failedConnectionsAreCountedNotHidden() async throws {
        var workload = SyntheticWorkload(connections: 4, totalOperations: 40)
        workload.failingConnection = 2
        let result = try await runOnNewLoops(workload)
        #expect(result.total.succeeded == 30)
        #expect(result.errors.count == 1)
        #expect(result.errors.first?.count == 1)
        #expect(result.errors.first?.kind.contains("refused") == true)
    }

    @Test func spreadOverConnectionsCountsWhatEachStarted() async throws {
        var workload = SyntheticWorkload(connections: 5, totalOperations: 1000)
        workload.unevenStop = true
        let result = try await runOnNewLoops(workload)
        // Connections stop after 10, 20, 30, 40 and 50 of their 200 operations.
        #expect(result.total.succeeded == 150)
        #expect(result.operationsPerConnection == ConnectionSpread([10, 20, 30, 40, 50]))
        #expect(result.operationsPerConnection?.minimum == 10)
        #expect(result.operationsPerConnection?.median == 30)
        #expect(result.operationsPerConnection?.maximum == 50)
        #expect(
            TextRenderer.spreadNote(try #require(result.operationsPerConnection))
                == "operations per connection: 10 min · 30 median · 50 max"
        )
    }

    @Test func aDurationRunWhoseConnectionsAllStopSaysItEndedEarly() async throws {
        var workload = SyntheticWorkload(connections: 3, totalOperations: 0)
        workload.unevenStop = true  // each connection gives up after a few operations
        let result = try await runOnNewLoops(workload, limits: RunLimits(duration: .seconds(30)))
        #expect(result.total.succeeded == 60)
        #expect(result.notes.first?.hasPrefix("ended after ") == true, "\(result.notes)")
        #expect(
            result.notes.first?.hasSuffix("s of the 30s --duration: every connection had stopped (see the errors)")
                == true
        )
        // A run that lasts its duration, or was interrupted, has no such line.
        let full = try await runOnNewLoops(SyntheticWorkload(connections: 2, totalOperations: 10))
        #expect(full.notes.isEmpty)
    }

    @Test func aConnectionThatCannotStartCountsAsAFailedOperation() async throws {
        var workload = SyntheticWorkload(connections: 4, totalOperations: 40)
        workload.failingConnection = 1
        let result = try await runOnNewLoops(workload)
        #expect(result.total.succeeded == 30 && result.total.failed == 1 && result.total.attempted == 31)
    }

    @Test func evenSharesLeaveNoSpreadNote() async throws {
        var workload = SyntheticWorkload(connections: 4, totalOperations: 40)
        workload.unevenStop = true  // (index + 1) × 10 is never below the share of 10
        let result = try await runOnNewLoops(workload)
        #expect(result.operationsPerConnection == ConnectionSpread([10, 10, 10, 10]))
        #expect(result.operationsPerConnection?.isUneven == false)
        let report = BenchmarkReport(title: "t", settings: [], metadata: .test, results: [result])
        #expect(!TextRenderer(style: TerminalStyle(enabled: false)).render(report).contains("per connection"))
    }

    @Test func failedSetupStillTearsDownAndIsReturned() async throws {
        var workload = SyntheticWorkload(connections: 2, totalOperations: 2)
        workload.failSetup = true
        let run = try await runWorkloadOnNewLoops(workload, loops: 1)
        #expect(run.result == nil)
        #expect(run.failure?.step == .setup && run.failure?.workload == "SYNTHETIC")
        #expect(run.failure?.message == "setup failed" && run.failure?.exitCode == ExitCode.usage)
        #expect(workload.log.events.withLock { $0 } == ["setup on loop 0: true", "teardown"])
        #expect(workload.log.entries.withLock { $0 }.isEmpty)
    }

    @Test func aFailedTeardownKeepsTheResult() async throws {
        var workload = SyntheticWorkload(connections: 2, totalOperations: 10)
        workload.failTeardown = true
        let run = try await runWorkloadOnNewLoops(workload, loops: 1)
        #expect(run.result?.total.succeeded == 10)
        #expect(run.failure?.step == .teardown && run.failure?.description == "SYNTHETIC teardown: teardown failed")
    }

    @Test func gateOpensWhenTheLastArrives() async {
        let gate = StartGate(count: 3)
        #expect(gate.openedAt == nil)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { await gate.arrive() } }
        }
        #expect(gate.openedAt != nil)
    }

    @Test func randomIsDeterministicAndInRange() {
        var a = FastRandom(seed: 42)
        var b = FastRandom(seed: 42)
        let drawsA = (0..<1000).map { _ in a.below(10) }
        let drawsB = (0..<1000).map { _ in b.below(10) }
        #expect(drawsA == drawsB)
        #expect(drawsA.allSatisfy { (0..<10).contains($0) })
        #expect(Set(drawsA).count == 10)
        // The widest ranges draw without overflowing (an `--sql-args 0-9223372036854775807` crashed).
        var wide = FastRandom(seed: 3)
        let halves = (0..<1000).map { _ in wide.within(0...Int.max) }
        #expect(halves.allSatisfy { $0 >= 0 } && halves.contains { $0 > Int.max / 2 })
        let all = (0..<1000).map { _ in wide.within(Int.min...Int.max) }
        #expect(all.contains { $0 < 0 } && all.contains { $0 > 0 })
        #expect((0..<100).allSatisfy { _ in wide.within(Int.max...Int.max) == Int.max })
        var c = FastRandom(seed: 7)
        #expect((0..<1000).allSatisfy { _ in (10...20).contains(c.within(10...20)) })
    }
}

@Suite("--start-at")
struct StartAtTests {
    @Test func connectionsWaitForTheStartTimeAndBeginTogether() async throws {
        var workload = SyntheticWorkload(connections: 4, totalOperations: 400)
        workload.unevenStop = true
        // On a loop of the test's own, not the shared pool, which the tests that wait for processes
        // can hold for minutes: the runner must get to its gate well within the 0.3 s.
        let own = try IOLoopGroup(count: 1)
        defer { own.shutdown() }
        let (scheduled, run) = try await withTaskExecutorPreference(own.loops[0]) {
            let scheduled = WallClock.unixTime() + 0.3
            return (scheduled, try await runWorkloadOnNewLoops(workload, limits: RunLimits(startAt: scheduled)))
        }
        #expect(run.failure == nil && !run.missedStart)
        let result = try #require(run.result)
        #expect(result.total.succeeded == 10 + 20 + 30 + 40)
        // The measured interval begins at the time named, not when the connections were ready.
        #expect(abs(result.startUnixTime - scheduled) < 0.005)
        let entries = workload.log.entries.withLock { $0 }
        #expect(entries.count == 4)
        let skew = try #require(run.startSkew)
        #expect(skew >= 0 && skew < 1)
        #expect(entries.allSatisfy { $0.firstOperationAt > $0.readyAt })
    }

    @Test func aRunNotReadyByTheStartTimeRunsNothingAndSaysSo() async throws {
        var workload = SyntheticWorkload(connections: 3, totalOperations: 300)
        workload.unevenStop = true
        let run = try await runWorkloadOnNewLoops(workload, limits: RunLimits(startAt: WallClock.unixTime() - 0.5))
        #expect(run.missedStart && run.result == nil)
        let failure = try #require(run.failure)
        #expect(failure.step == .start && failure.exitCode == ExitCode.notReady)
        #expect(failure.message.contains("not ready by --start-at"), "\(failure.message)")
        #expect(failure.message.contains("nothing was run"))
        // Its connections opened but started nothing; its setup was undone.
        let entries = workload.log.entries.withLock { $0 }
        #expect(entries.count == 3 && entries.allSatisfy { $0.started == 0 })
        #expect(workload.log.events.withLock { $0 }.last == "teardown")
    }

    @Test func aMissedGateReleasesEveryoneAndAKeptOneOpensAtItsTime() async {
        let missed = StartGate(count: 2, startAt: monotonicNanoseconds() - 1_000_000)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<2 { group.addTask { await missed.arrive() } }
        }
        #expect(missed.missed)
        let later = monotonicNanoseconds() + 10_000_000_000
        let kept = StartGate(count: 1, startAt: later)
        await kept.arrive()
        #expect(!kept.missed && kept.openedAt == later)
    }

    @Test(arguments: [
        ("2026-12-03T10:00:00Z", 1_796_292_000.0),
        ("2026-12-03t10:00:00z", 1_796_292_000.0),
        ("2026-12-03 11:00:00.250+01:00", 1_796_292_000.25),
        ("2026-12-03T04:30:00-05:30", 1_796_292_000.0),
        ("1796292000", 1_796_292_000.0),
        ("1796292000.5", 1_796_292_000.5),
    ])
    func timesParseAsRFC3339OrUnixSeconds(text: String, expected: Double) {
        #expect(StartTiming.parseTime(text) == expected)
    }

    @Test(arguments: [
        "2026-02-30T00:00:00Z", "2026-12-03T10:00:00", "2026-12-03T10:00Z", "soon", "-5", "2026-12-03T25:00:00Z",
        "2026-12-03T10:00:00.Z", "2026-12-03T10:00:00+1:00", "",
    ])
    func otherTextIsNotATime(_ text: String) {
        #expect(StartTiming.parseTime(text) == nil)
    }

    @Test(arguments: [
        (["--start-at", "tomorrow"], "--start-at takes RFC 3339"),
        (["--start-at", "\(Int(WallClock.unixTime()) + 90_000)"], "more than a day ahead"),
        (
            ["--start-at", "\(Int(WallClock.unixTime()) + 60)", "--find-capacity", "--slo", "p99<1ms"],
            "do not go together"
        ),
        (["--phase", "run"], "--phase run needs --run-id"),
        (["--phase", "prepare", "--run-id", "ab", "--shard", "0/2"], "once per run, not per shard"),
        (["--phase", "later", "--run-id", "ab"], "--phase"),
    ])
    func startAndPhaseMistakesAreRefused(arguments: [String], message: String) {
        #expect {
            _ = try parseRunOptions(arguments)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func theStartAndTheClockSurviveAResultFile() throws {
        var report = BenchmarkReport(
            title: "t",
            settings: [],
            metadata: ReportMetadata(command: "redis", target: "127.0.0.1:6379", serverVersion: "7", configuration: [])
        )
        report.start = StartTiming(
            scheduled: 1_796_292_000.25,
            skew: 0.000_412,
            clockOffset: ClockOffset(seconds: -0.0015, uncertainty: 0.000_02)
        )
        let read = try ResultFile(path: "r.json", text: JSONRenderer().render(report)).report
        #expect(read.start == report.start)
        #expect(
            report.start?.summary
                == "started at 2026-12-03 10:00:00.250 UTC (--start-at), 0.41 ms after it; clock 1.50 ms ahead of the "
                + "server's (± 0.02 ms)"
        )
        #expect(abs((report.start?.serverStart ?? 0) - (1_796_292_000.25 + 0.000_412 - 0.0015)) < 1e-6)
    }
}
