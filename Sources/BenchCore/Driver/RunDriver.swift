import IOLoop

/// The one sequence of every benchmark run: raise the file limit, start the I/O loops, check
/// `--output`, let the backend prepare its server, run its workloads in order (until a stop
/// signal), clean up after success and after failure, rate and check the results, print and
/// write the report, and decide the exit code.
public struct RunDriver: Sendable {
    public let environment: [String: String]
    /// Set by SIGINT/SIGTERM (or a test): no new workload starts and the run ends with 130.
    public let stop: StopSignal

    public init(environment: [String: String], stop: StopSignal = .interrupt) {
        self.environment = environment
        self.stop = stop
    }

    /// Runs `backend` and returns the exit code: 130 after a stop signal, else 1 when a threshold
    /// failed, else 0. A failure of the server or the output is thrown (its code: `ExitCode.for`).
    public func run<B: Backend>(_ backend: B) async throws -> Int32 {
        let options = backend.run
        raiseOpenFileLimit()
        let loops = try IOLoopGroup(count: options.threads, pollsWhenIdle: backend.pollsWhenIdle)
        defer { loops.shutdown() }
        let control = loops.loops[0]
        let style = TerminalStyle.forStandardOutput(environment: environment)
        let runner = BenchmarkRunner(
            loops: loops,
            progress: .choose(options.progress, stderrIsTerminal: standardErrorIsTerminal),
            style: style,
            stop: stop,
            limits: options.limits
        )

        try options.output.checkWritable()
        let prepared = try await withTaskExecutorPreference(control) { try await backend.prepare(on: control) }
        for notice in backend.notices(prepared) {
            writeStandardError("dbbench \(backend.command): notice: \(notice)\n")
        }
        let header = backend.header(prepared)
        var report = BenchmarkReport(
            title: header.title,
            settings: header.settings,
            metadata: ReportMetadata(
                command: backend.command,
                target: header.target,
                serverVersion: header.serverVersion,
                configuration: backend.configuration
            )
        )

        var failure: (any Error)?
        do {
            for workload in backend.workloads(prepared) where !stop.isRequested {
                let result = try await runner.run(workload)
                report.results.append(result)
                report.assessments += workload.assess(result)
            }
        } catch {
            failure = error
        }
        // Cleanup runs after a failed workload too; the workload's error is the one reported.
        do {
            report.footer = try await withTaskExecutorPreference(control) {
                try await backend.cleanUp(prepared, on: control)
            }
        } catch {
            throw failure ?? error
        }
        if let failure { throw failure }

        report.thresholds = ThresholdOutcome.evaluate(options.thresholds, results: report.results)
        report.exitCode = ExitCode.forRun(thresholds: report.thresholds, interrupted: stop.isRequested)
        try options.output.emit(report, style: style)
        return report.exitCode
    }
}
