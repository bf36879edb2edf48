import Glibc
import IOLoop

/// The one sequence of every benchmark run: raise the file limit, start the I/O loops, check
/// `--output`, let the backend prepare its server, run its workloads in order (until a stop
/// signal, or a failure after which the server no longer answers), clean up after success and
/// after failure, rate and check the results, print and write the report, and decide the exit code.
///
/// Once the server is prepared nothing is lost: whatever fails, the results so far are printed and
/// written with the failed step, its error and what the run left behind.
public struct RunDriver: Sendable {
    public let environment: [String: String]
    /// Set by SIGINT/SIGTERM (or a test): no new workload starts and the run ends with 130.
    public let stop: StopSignal

    public init(environment: [String: String], stop: StopSignal = .interrupt) {
        self.environment = environment
        self.stop = stop
    }

    /// Runs `backend` and returns the exit code (`ExitCode.forRun`). A failure before the server is
    /// prepared, or of the output itself, is thrown (its code: `ExitCode.for`).
    public func run<B: Backend>(_ backend: B) async throws -> Int32 {
        switch backend.run.phase {
        case .prepare, .cleanup:
            let lines = try await phase(backend)
            try ReportOutput.writeStandardOutput(lines.joined(separator: "\n") + "\n")
            return ExitCode.success
        case .all, .run:
            break
        }
        let report = try await measure(backend)
        try backend.run.output.emit(
            report,
            style: TerminalStyle.forStandardOutput(environment: environment),
            width: TerminalWidth.of(STDOUT_FILENO, environment: environment)
        )
        return report.exitCode
    }

    /// `--phase prepare` or `--phase cleanup`: the once-per-run step alone, on a loop of its own.
    func phase<B: Backend>(_ backend: B) async throws -> [String] {
        let loops = try IOLoopGroup(count: 1)
        defer { loops.shutdown() }
        let loop = loops.loops[0]
        return try await withTaskExecutorPreference(loop) {
            if backend.run.phase == .cleanup { return try await backend.cleanUpDistributedRun(on: loop) }
            let prepared = try await backend.prepare(on: loop)
            let runID = backend.run.runID
            return backend.preparationSummary(prepared) + [
                "next: the shards with --phase run --run-id \(runID), then --phase cleanup --run-id \(runID)"
            ]
        }
    }

    /// "step 3: 4,000/s, achieved 3,998/s, p99 0.812 ms: met", for stderr while a search runs.
    static func stepLine(_ step: CapacitySearch.Step, of search: CapacitySearch) -> String {
        "capacity step \(search.steps.count) of at most \(search.settings.maxSteps): \(Format.grouped(step.rate))/s, "
            + "achieved \(Format.grouped(Int(step.achieved.rounded())))/s, p99 \(Format.milliseconds(step.latency.p99)) ms: "
            + step.verdict
    }

    /// Every step of `run` but the output: the report, its exit code decided. A failure before the
    /// server is prepared is thrown.
    public func measure<B: Backend>(_ backend: B) async throws -> BenchmarkReport {
        let options = backend.run
        let startUnixTime = WallClock.unixTime()
        raiseOpenFileLimit()
        let loops = try IOLoopGroup(count: options.threads, pollsWhenIdle: backend.pollsWhenIdle)
        defer { loops.shutdown() }
        let control = loops.loops[0]
        let style = TerminalStyle.forStandardOutput(environment: environment)
        let stderrWidth = TerminalWidth.of(STDERR_FILENO, environment: environment)
        var runner = BenchmarkRunner(
            loops: loops,
            progress: .choose(options.progress, stderrIsTerminal: standardErrorIsTerminal),
            style: style,
            stop: stop,
            limits: options.limits
        )
        runner.progressWidth = stderrWidth

        try options.output.checkWritable()
        if let scheduled = options.limits.startAt {
            let late = WallClock.unixTime() - scheduled
            if late >= 0 { throw NotReadyError(scheduled: scheduled, late: late, connectionsOpen: false) }
        }
        let prepared = try await withTaskExecutorPreference(control) { try await backend.prepare(on: control) }
        func printNotice(_ notice: String) {
            let lines = Format.wrap("dbbench \(backend.command): notice: \(notice)", width: stderrWidth)
            writeStandardError(lines.joined(separator: "\n") + "\n")
        }
        backend.notices(prepared).forEach(printNotice)
        let header = backend.header(prepared)
        var report = BenchmarkReport(
            title: header.title,
            settings: header.settings + (options.repetitions > 1 ? ["each workload \(options.repetitions) times"] : [])
                + (options.capacity.map { [$0.label] } ?? [])
                + ["run \(options.runID)" + (options.shard.map { ", \($0.label)" } ?? "")],
            metadata: ReportMetadata(
                command: backend.command,
                target: header.target,
                serverVersion: header.serverVersion,
                configuration: backend.configuration,
                runID: options.runID,
                shard: options.shard
            )
        )

        if options.limits.startAt != nil || options.shard != nil {
            let offset = try? await withTaskExecutorPreference(control) {
                try await backend.clockOffset(prepared, on: control)
            }
            report.start = StartTiming(scheduled: options.limits.startAt, clockOffset: offset ?? nil)
        }

        var missedStart = false
        for workload in backend.workloads(prepared) where !stop.isRequested && !missedStart {
            // `--repeat`: the repetitions until one fails; `--find-capacity`: the steps until the search
            // ends or one fails. The next workload runs if the server answers.
            var replicates: [WorkloadResult] = []
            var search = workload.followsRunLimits ? options.capacity.map(CapacitySearch.init) : nil
            var serverAnswers = true
            var runs = 0
            while !stop.isRequested {
                var stepRunner = runner
                if var current = search {
                    guard let rate = current.nextRate else { break }
                    stepRunner.limits.rate?.perSecond = rate
                    stepRunner.limits.duration = current.settings.stepDuration
                    let run = await stepRunner.run(workload)
                    if let result = run.result {
                        let step = CapacitySearch.Step(rate: rate, result: result, slo: current.settings.slo)
                        current.record(step)
                        if runner.progress != .off {
                            writeStandardError(
                                "dbbench \(backend.command): \(workload.name) \(Self.stepLine(step, of: current))\n"
                            )
                        }
                        // The workload's result is the step at its capacity (the first one until a step met it).
                        if replicates.isEmpty || (step.met && rate == current.capacity) { replicates = [result] }
                    }
                    search = current
                    guard let failure = run.failure else { continue }
                    report.failures.append(failure)
                } else {
                    guard runs < options.repetitions else { break }
                    runs += 1
                    let run = await runner.run(workload)
                    if runner.limits.startAt != nil {
                        // Only the first workload starts at --start-at; the rest follow it.
                        runner.limits.startAt = nil
                        report.start?.skew = run.startSkew
                    }
                    missedStart = run.missedStart
                    if let result = run.result { replicates.append(result) }
                    guard let failure = run.failure else { continue }
                    report.failures.append(failure)
                }
                serverAnswers = await withTaskExecutorPreference(control) {
                    await backend.stillAnswers(prepared, on: control)
                }
                break
            }
            if var merged = WorkloadResult(repetitions: replicates) {
                merged.capacity = search?.outcome
                report.results.append(merged)
                report.assessments += workload.assess(merged)
            }
            if !serverAnswers { break }
        }
        if let start = report.start { report.settings.append(start.summary) }
        // Cleanup runs after failures too.
        do {
            report.footer = try await withTaskExecutorPreference(control) {
                try await backend.cleanUp(prepared, on: control)
            }
        } catch {
            report.failures.append(StepFailure(workload: "-", step: .cleanup, error: error))
        }
        // A failed note (reading the server's state) and a missed start (after which the workload's
        // teardown ran) leave nothing behind; every other failed step may leave data.
        if report.failures.contains(where: { $0.step != .notes && $0.step != .start }) {
            report.footer += backend.leftBehind(prepared)
        }

        for notice in backend.serverNotices() { printNotice("the server said \(notice)") }
        report.startUnixTime = startUnixTime
        report.endUnixTime = WallClock.unixTime()
        report.thresholds = ThresholdOutcome.evaluate(options.thresholds, results: report.results)
        report.exitCode = ExitCode.forRun(
            thresholds: report.thresholds,
            interrupted: stop.isRequested,
            failures: report.failures
        )
        return report
    }
}
