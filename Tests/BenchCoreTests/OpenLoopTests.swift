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
    var operationNames: [String] { ["op"] }

    func runConnection(_ context: ConnectionContext) async throws {
        await context.ready()
        var done = 0
        while await context.startOperation() {
            let sent = monotonicNanoseconds()
            let takes = context.index == 0 && done == stallAt ? stall : serviceTime
            await context.loop.sleep(until: sent &+ takes)
            context.recorder.recordSuccess(
                0,
                nanoseconds: monotonicNanoseconds() &- sent,
                queued: context.queued(sentAt: sent)
            )
            done += 1
        }
    }
}

@Suite("Open loop (--rate)")
struct OpenLoopTests {
    func limits(_ arguments: [String]) throws(UsageError) -> RunLimits {
        try RunLimits(
            ParsedArguments(
                parsing: arguments,
                specs: OptionSpec.runLimits,
                command: "dbbench redis",
                environment: [:]
            )
        )
    }

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

    @Test func runKeepsTheRateAndReportsServiceTimeApart() async throws {
        let result = try await runOnNewLoops(
            ScheduledWorkload(connections: 4, totalOperations: 600),
            limits: RunLimits(rate: OpenLoopRate(perSecond: 2000))
        )
        #expect(result.total.succeeded == 600)
        #expect(result.rate == OpenLoopRate(perSecond: 2000))
        // 600 operations at 2000/s take 0.3 s; a closed loop of 100 µs operations would take 15 ms.
        #expect(result.wallSeconds > 0.29 && result.wallSeconds < 0.6)
        let service = try #require(result.serviceTime)
        #expect(service.totalCount == 600)
        #expect(service.valueAtPercentile(50) >= 100)
        #expect(result.total.latency.p50 >= service.valueAtPercentile(50))
        #expect(result.late < 60)  // the 1 ms allowance absorbs timer jitter; a busy CI machine may add some
    }

    @Test func aStallIsChargedToEveryOperationScheduledBehindIt() async throws {
        // One connection at 1000/s; its 10th operation takes 200 ms, so the 200 operations that were due
        // meanwhile start late, and so do those of the catch-up (each gains only 0.9 ms on the schedule).
        let workload = ScheduledWorkload(connections: 1, totalOperations: 400, stallAt: 10, stall: 200_000_000)
        let result = try await runOnNewLoops(workload, loops: 1, limits: RunLimits(rate: OpenLoopRate(perSecond: 1000)))
        let service = try #require(result.serviceTime)
        #expect(result.total.succeeded == 400)
        #expect(result.late >= 190 && result.late <= 260)
        // Service time: one slow operation among 400. Latency from the schedule: a quarter of them slow.
        #expect(service.valueAtPercentile(90) < 5_000)
        #expect(service.max >= 200_000)
        #expect(result.total.latency.p90 > 50_000)
        #expect(result.total.latency.max >= 200_000)
        // --assert can hold a run to its schedule.
        let thresholds = try ["late==0", "scheduled.late<300"].map {
            try Threshold(parsing: $0, workloads: ["scheduled"], command: "dbbench test")
        }
        #expect(ThresholdOutcome.evaluate(thresholds, results: [result]).map(\.passed) == [false, true])
        let note = TextReporter.openLoopNote(result, rate: OpenLoopRate(perSecond: 1000))
        #expect(note.contains("\(result.late) of 400 started more than 1 ms late"))
        #expect(note.contains("did not keep up with this rate"))
    }

    @Test func closedLoopHasNoServiceTimeOrLateCount() async throws {
        let result = try await runOnNewLoops(ScheduledWorkload(connections: 2, totalOperations: 20), loops: 1)
        #expect(result.total.succeeded == 20)
        #expect(result.serviceTime == nil && result.late == 0 && result.rate == nil)
        // With no late start the open-loop note gives no warning.
        let note = TextReporter.openLoopNote(result, rate: OpenLoopRate(perSecond: 100))
        #expect(note.contains("0 of 20 started more than 1 ms late (0.0%)") && !note.contains("did not keep up"))
    }
}
