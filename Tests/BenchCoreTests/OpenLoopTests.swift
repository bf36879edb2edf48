import IOLoop
import Testing

@testable import BenchCore

/// A workload without a server for open-loop runs: each operation "takes" `serviceTime` on the loop's
/// timer, except the `stallAt`-th operation of connection 0, which takes `stall`.
private struct ScheduledWorkload: Workload {
    let connections: Int
    let totalOperations: Int
    var serviceTime: UInt64 = 100_000
    var stallAt: Int?
    var stall: UInt64 = 0
    var name: String { "SCHEDULED" }
    var operations: [TestOperation] { [.op] }

    func runConnection(_ context: ConnectionContext, recorder: Recorder<Self>) async throws {
        await context.ready()
        var done = 0
        while await context.startOperation() {
            let sent = monotonicNanoseconds()
            let takes = context.index == 0 && done == stallAt ? stall : serviceTime
            await context.loop.sleep(until: sent &+ takes)
            recorder.recordSuccess(
                .op,
                nanoseconds: monotonicNanoseconds() &- sent,
                queued: context.queued(sentAt: sent)
            )
            done += 1
        }
    }
}

/// A workload whose connection 0 keeps the loop's thread busy for `spin` per operation, as a
/// client with too much work per loop does; the others' operations take no time.
private struct SpinningWorkload: Workload {
    let connections: Int
    let totalOperations: Int
    let spin: UInt64
    var name: String { "SPINNING" }
    var operations: [TestOperation] { [.op] }

    func runConnection(_ context: ConnectionContext, recorder: Recorder<Self>) async throws {
        await context.ready()
        while await context.startOperation() {
            let sent = monotonicNanoseconds()
            if context.index == 0 { while monotonicNanoseconds() &- sent < spin {} }
            recorder.recordSuccess(
                .op,
                nanoseconds: monotonicNanoseconds() &- sent,
                queued: context.queued(sentAt: sent)
            )
        }
    }
}

@Suite("Open loop (--rate)")
struct OpenLoopTests {
    func limits(_ arguments: [String]) throws(UsageError) -> RunLimits { try parseRunLimits(arguments) }

    @Test func rateAndArrivalAreParsed() throws {
        #expect(try limits([]).rate == nil)
        #expect(try limits([]).loopSummary == "closed loop")
        #expect(try limits(["--rate", "5_000"]).rate == OpenLoopRate(perSecond: 5000, arrival: .uniform))
        #expect(
            try limits(["--rate=200", "--arrival", "poisson"]).rate == OpenLoopRate(perSecond: 200, arrival: .poisson)
        )
        #expect(try limits(["--rate", "200"]).loopSummary == "open loop at 200/s (uniform)")
    }

    @Test(arguments: [
        (["--arrival", "poisson"], "--arrival needs --rate"),
        (["--rate", "0"], "--rate must be a whole number from 1"),
        (["--rate", "fast"], "--rate must be a whole number"),
        (["--rate", "10", "--arrival", "bursty"], "--arrival must be one of uniform, poisson"),
    ])
    func badRateSettingsNameTheFlag(arguments: [String], message: String) {
        #expect {
            try limits(arguments)
        } throws: { error in
            (error as? UsageError)?.description.contains(message) == true
        }
    }

    @Test func uniformSchedulesInterleaveToTheTotalRate() {
        let rate = OpenLoopRate(perSecond: 1000)
        var starts: [UInt64] = []
        for connection in 0..<4 {
            var schedule = ArrivalSchedule(
                rate: rate,
                connection: connection,
                of: 4,
                origin: 5_000_000,
                random: FastRandom(seed: 1)
            )
            for _ in 0..<100 { starts.append(schedule.advance()) }
        }
        starts.sort()
        #expect(starts.first == 5_000_000)
        // 1000/s in total: one start every millisecond, over all connections together.
        let gaps = zip(starts.dropFirst(), starts).map { $0 - $1 }
        #expect(gaps.allSatisfy { $0 == 1_000_000 })
    }

    @Test func poissonGapsHaveTheMeanAndSpreadOfAnExponential() {
        var schedule = ArrivalSchedule(
            rate: OpenLoopRate(perSecond: 2000, arrival: .poisson),
            connection: 0,
            of: 2,
            origin: 0,
            random: FastRandom(seed: 99)
        )
        var previous = schedule.advance()
        var gaps: [Double] = []
        for _ in 0..<50_000 {
            let next = schedule.advance()
            gaps.append(Double(next - previous))
            previous = next
        }
        let mean = gaps.reduce(0, +) / Double(gaps.count)
        let deviation = (gaps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(gaps.count)).squareRoot()
        #expect(abs(mean - 1_000_000) < 20_000)  // 2 connections at 2000/s in total: 1 ms each
        #expect(abs(deviation / mean - 1) < 0.05)  // an exponential's deviation equals its mean
    }

    /// A pacer at 1000/s for one connection, starting at 0: operation n is due at n ms.
    func pacer(deadline: UInt64 = .max) -> OpenLoopPacer {
        let schedule = ArrivalSchedule(
            rate: OpenLoopRate(perSecond: 1000),
            connection: 0,
            of: 1,
            origin: 0,
            random: FastRandom(seed: 1)
        )
        return OpenLoopPacer(schedule: schedule, deadline: deadline)
    }

    @Test func pacerWaitsForTheScheduleInShortNaps() {
        var pacer = pacer()
        #expect(pacer.step(now: 0) == .start(due: 0, late: false))
        #expect(pacer.step(now: 400_000) == .wait(until: 1_000_000))
        // Asked again before the start: the same operation, still waited for.
        #expect(pacer.step(now: 900_000) == .wait(until: 1_000_000))
        #expect(pacer.step(now: 1_000_000) == .start(due: 1_000_000, late: false))
        // A start 1 ms after its schedule is on time; later than that it is late.
        #expect(pacer.step(now: 3_000_000) == .start(due: 2_000_000, late: false))
        #expect(pacer.step(now: 4_000_001) == .start(due: 3_000_000, late: true))

        var slow = OpenLoopPacer(
            schedule: ArrivalSchedule(
                rate: OpenLoopRate(perSecond: 1),
                connection: 0,
                of: 1,
                origin: 0,
                random: FastRandom(seed: 1)
            ),
            deadline: .max
        )
        #expect(slow.step(now: 0) == .start(due: 0, late: false))
        #expect(slow.step(now: 0) == .wait(until: OpenLoopPacer.longestNap))
    }

    @Test func aStallMakesEveryOperationDueMeanwhileLate() {
        // The 10th operation (due at 9 ms) takes 200 ms: the operations due until 209 ms are started
        // behind it, each as soon as the previous one ends (1 µs of service time each).
        var pacer = pacer()
        var now: UInt64 = 0
        var late = 0
        var started = 0
        while started < 400 {
            switch pacer.step(now: now) {
            case .stop: Issue.record("no deadline was set")
            case .wait(let until): now = until
            case .start(let due, let isLate):
                #expect(due == UInt64(started) * 1_000_000)
                if isLate { late += 1 }
                started += 1
                now += started == 10 ? 200_000_000 : 1000
            }
        }
        // Due at 10..209 ms and started late by more than 1 ms: those due before 208 ms.
        #expect(late == 199)
    }

    @Test func pacerCountsWhatWasDueButNotStarted() {
        var pacer = pacer()
        #expect(pacer.step(now: 0) == .start(due: 0, late: false))
        // Due at 1, 2, ... 9 ms, before 9.5 ms: nine; a count limit caps them.
        #expect(pacer.dueBefore(9_500_000, atMost: 100) == 9)
        #expect(pacer.dueBefore(9_500_000, atMost: 4) == 4)
        #expect(pacer.dueBefore(500_000, atMost: 100) == 0)
    }

    @Test func operationsDueWhenTheRunEndsAreReportedNotHidden() async throws {
        // One connection at 1000/s for 0.5 s; its 10th operation takes 1 s, past the end of the run:
        // the operations due meanwhile never start.
        let workload = ScheduledWorkload(connections: 1, totalOperations: 0, stallAt: 10, stall: 1_000_000_000)
        let result = try await runOnNewLoops(
            workload,
            loops: 1,
            limits: RunLimits(duration: .milliseconds(500), rate: OpenLoopRate(perSecond: 1000))
        )
        #expect(result.total.succeeded <= 20)
        #expect(result.notStarted > 400 && result.notStarted <= 500, "\(result.notStarted)")
        let note = TextRenderer.openLoopNote(result, rate: OpenLoopRate(perSecond: 1000))
        #expect(note.contains("more were due but never started (the run ended first)"))
    }

    @Test func pacerStopsAtTheDeadline() {
        var pacer = pacer(deadline: 2_500_000)
        #expect(pacer.step(now: 0) == .start(due: 0, late: false))
        #expect(pacer.step(now: 1_000_000) == .start(due: 1_000_000, late: false))
        #expect(pacer.step(now: 2_000_000) == .start(due: 2_000_000, late: false))
        #expect(pacer.step(now: 2_000_000) == .stop)
    }

    // The runs below sleep on the loops' real timers; on a loaded machine operations only start
    // later, so they assert what lateness cannot break (the schedule's own arithmetic is tested above).

    @Test func runKeepsTheRateAndReportsServiceTimeApart() async throws {
        let result = try await runOnNewLoops(
            ScheduledWorkload(connections: 4, totalOperations: 600),
            limits: RunLimits(rate: OpenLoopRate(perSecond: 2000))
        )
        #expect(result.total.succeeded == 600)
        #expect(result.rate == OpenLoopRate(perSecond: 2000))
        // 600 operations at 2000/s take 0.3 s at least; a closed loop of 100 µs operations would take 15 ms.
        #expect(result.wallSeconds > 0.29)
        let service = try #require(result.serviceTime)
        #expect(service.totalCount == 600)
        #expect(service.valueAtPercentile(50) >= 100)
        #expect(result.total.latency.p50 >= service.valueAtPercentile(50))
    }

    @Test func aStallIsChargedToEveryOperationScheduledBehindIt() async throws {
        // One connection at 1000/s; its 10th operation takes 200 ms, so the operations that were due
        // meanwhile start late and their latency counts from their schedule.
        let workload = ScheduledWorkload(connections: 1, totalOperations: 400, stallAt: 10, stall: 200_000_000)
        let result = try await runOnNewLoops(workload, loops: 1, limits: RunLimits(rate: OpenLoopRate(perSecond: 1000)))
        let service = try #require(result.serviceTime)
        #expect(result.total.succeeded == 400)
        #expect(result.late >= 190)
        #expect(service.max >= 200_000)
        #expect(result.total.latency.p90 > 50_000)
        #expect(result.total.latency.max >= 200_000)
        // --assert can hold a run to its schedule.
        let thresholds = try ["late==0", "scheduled.late<=400"].map {
            try Threshold(parsing: $0, workloads: ["scheduled"], command: "dbbench test")
        }
        #expect(ThresholdOutcome.evaluate(thresholds, results: [result]).map(\.passed) == [false, true])
        let note = TextRenderer.openLoopNote(result, rate: OpenLoopRate(perSecond: 1000))
        #expect(note.contains("\(result.late) of 400 started more than 1 ms late"))
        #expect(note.contains("did not keep up with this rate"))
    }

    @Test func aLoopThatCannotKeepItsScheduleIsFlagged() async throws {
        // Two connections on one loop at 200/s, each due every 10 ms, 5 ms apart; connection 0 holds
        // the loop's thread for 7 ms per operation (client work, not the server's), so connection 1
        // wakes up about 2 ms after each of its operations was due. The loop is busy ~70%: only the
        // schedule shows it could not keep up.
        let workload = SpinningWorkload(connections: 2, totalOperations: 300, spin: 7_000_000)
        let result = try await runOnNewLoops(workload, loops: 1, limits: RunLimits(rate: OpenLoopRate(perSecond: 200)))
        #expect(result.total.succeeded == 300)
        let behind = try #require(result.loopBehindSchedule.first)
        #expect(behind > 0.3, "\(result.loopBehindSchedule)")
        #expect(result.saturatedLoops == [0])
        let note = try #require(TextRenderer.saturationNote(result))
        #expect(note.contains("loop 0 behind schedule for"), "\(note)")
        let threshold = try Threshold(parsing: "client_saturated==0", workloads: [], command: "dbbench test")
        #expect(ThresholdOutcome.evaluate([threshold], results: [result]).map(\.passed) == [false])
    }

    @Test func lateStartsBehindASlowReplyAreNotTheClients() async throws {
        // A stall of the "server" makes operations late, but the connection was waiting for a reply,
        // not for its schedule: the client kept up.
        let workload = ScheduledWorkload(connections: 1, totalOperations: 400, stallAt: 10, stall: 300_000_000)
        let result = try await runOnNewLoops(workload, loops: 1, limits: RunLimits(rate: OpenLoopRate(perSecond: 1000)))
        #expect(result.late >= 290)
        // The operations made late by the stall did not wait for their schedule, so none of them is
        // the client's; on a machine busy with other work some timed starts may still wake late.
        let lateFraction = Double(result.late) / Double(result.total.succeeded)
        #expect(
            result.loopBehindSchedule.count == 1 && result.loopBehindSchedule[0] < lateFraction,
            "\(result.loopBehindSchedule) vs \(lateFraction)"
        )
    }

    @Test func closedLoopHasNoServiceTimeOrLateCount() async throws {
        let result = try await runOnNewLoops(ScheduledWorkload(connections: 2, totalOperations: 20), loops: 1)
        #expect(result.total.succeeded == 20)
        #expect(result.serviceTime == nil && result.late == 0 && result.rate == nil)
        // With no late start the open-loop note gives no warning.
        let note = TextRenderer.openLoopNote(result, rate: OpenLoopRate(perSecond: 100))
        #expect(note.contains("0 of 20 started more than 1 ms late (0.0%)") && !note.contains("did not keep up"))
    }
}

/// `--shard I/N` with `--rate`: the shards' schedules together are one generator's.
@Suite("Shards (--shard I/N)")
struct ShardTests {
    private func parse(_ arguments: [String], environment: [String: String] = [:]) throws(UsageError) -> RunOptions {
        try parseRunOptions(arguments, environment: environment)
    }

    @Test func stripedSchedulesAddUpToOneGeneratorsSchedule() {
        let rate = 1000
        let origin: UInt64 = 1_000_000_000
        let connections = 10
        let shares = BenchmarkRunner.split(connections, over: 4)
        var union: [UInt64] = []
        for (index, share) in shares.enumerated() {
            let striped = OpenLoopRate(perSecond: rate, stripe: Shard(index: index, count: 4))
            for connection in 0..<share {
                var schedule = ArrivalSchedule(
                    rate: striped,
                    connection: connection,
                    of: share,
                    origin: origin,
                    random: FastRandom(seed: 1)
                )
                while schedule.next < origin + 300_000_000 { union.append(schedule.advance()) }
            }
        }
        union.sort()
        // One generator at 1,000/s starts operation k at k ms; the shards' starts in the first 300 ms
        // together are exactly those, with no two at once (no bunching).
        let expected = (0..<300).map { origin + UInt64($0) * 1_000_000 }
        #expect(union.count == 300)
        let close = zip(union, expected).allSatisfy { $0 >= $1 &- 2 && $0 <= $1 &+ 2 }
        #expect(close, "\(Array(union.prefix(12)))")
        #expect(Set(union).count == union.count)
    }

    @Test func theShardIsParsedFromTheFlagOrTheIndexedJob() throws {
        let flag = try parse(["--shard", "1/4", "--run-id", "abc123"])
        #expect(flag.shard == Shard(index: 1, count: 4) && flag.runID == "abc123" && flag.dataID == "abc123-1")
        let job = try parse(["--shards", "4"], environment: ["JOB_COMPLETION_INDEX": "3"])
        #expect(job.shard == Shard(index: 3, count: 4))
        #expect(try parse(["--rate", "100", "--shard", "2/3"]).limits.rate?.stripe == Shard(index: 2, count: 3))
        #expect(try parse([]).shard == nil)
        #expect(Shard(index: 1, count: 4).share(of: 10) == 3 && Shard(index: 3, count: 4).share(of: 10) == 2)
        #expect(throws: UsageError.self) { try Shard(index: 0, count: 4).connections(of: 3, command: "dbbench redis") }
        // A shard's data is named <run id>-<index>, which --cleanup takes too.
        #expect(RunOptions.isRunID("abc123-1", shard: true) && !RunOptions.isRunID("abc123-1"))
        #expect(!RunOptions.isRunID("abc123-x", shard: true) && !RunOptions.isRunID("xyz", shard: true))
        let refusals: [([String], [String: String], String)] = [
            (["--shard", "4/4"], [:], "0 <= I < N"),
            (["--shard", "x"], [:], "I/N"),
            (["--shards", "4"], [:], "needs JOB_COMPLETION_INDEX"),
            (["--shards", "4"], ["JOB_COMPLETION_INDEX": "4"], "from 0 to 3"),
            (["--shards", "2", "--shard", "0/2"], [:], "not both"),
            (["--run-id", "XYZ"], [:], "--run-id takes"),
        ]
        for (arguments, environment, message) in refusals {
            do {
                _ = try parse(arguments, environment: environment)
                Issue.record("\(arguments) was accepted")
            } catch {
                #expect(error.message.contains(message), "\(arguments): \(error.message)")
            }
        }
    }
}
