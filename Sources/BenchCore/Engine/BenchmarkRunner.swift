import IOLoop

/// Drives any `Workload`: setup on the first loop, one child task per connection on the I/O loops
/// (each task's executor is its loop), a shared start gate, progress, then teardown and merge.
public struct BenchmarkRunner: Sendable {
    public let loops: IOLoopGroup
    /// How progress is shown on stderr.
    public let progress: ProgressMode
    public let style: TerminalStyle
    /// The columns of stderr for the progress bar, when it is a terminal (or `COLUMNS` is set).
    public var progressWidth: Int?
    /// Once requested, connections stop starting operations and the result is marked interrupted.
    public let stop: StopSignal
    /// How long and how fast each workload runs; the capacity search sets a rate per step.
    public var limits: RunLimits

    public init(
        loops: IOLoopGroup,
        progress: ProgressMode,
        style: TerminalStyle,
        stop: StopSignal = .interrupt,
        limits: RunLimits = RunLimits()
    ) {
        self.loops = loops
        self.limits = limits
        self.progress = progress
        self.style = style
        self.stop = stop
    }

    /// Runs `workload` end to end. Failures of single connections or operations are counted in the
    /// result; a failed setup (after which teardown still runs), notes or teardown is returned as
    /// the run's `failure`, with the result whenever the workload got as far as measuring.
    public func run<W: Workload>(_ workload: W) async -> WorkloadRun {
        let controlLoop = loops.loops[0]
        do {
            try await withTaskExecutorPreference(controlLoop) {
                try await workload.setup(on: controlLoop)
            }
        } catch {
            try? await tearDown(workload)
            return WorkloadRun(result: nil, failure: StepFailure(workload: workload.name, step: .setup, error: error))
        }

        let limits = workload.followsRunLimits ? self.limits : RunLimits()
        let shape = WorkloadShape(workload)
        let recorders = loops.loops.map { _ in OperationRecorder(shape: shape, openLoop: limits.rate != nil) }
        let connections = workload.connections
        // A connection that could not even start (connect, prepare) counts as one failed operation.
        let firstMeasured = shape.operations.first { !$0.isBeforeMeasuredInterval }?.slot ?? 0
        // With --duration the clock ends the run; the count no longer limits it.
        let shares =
            limits.duration != nil
            ? Array(repeating: Int.max, count: connections)
            : workload.operationShares ?? Self.split(workload.totalOperations, over: connections)
        // --start-at as a time of the monotonic clock, which the loops' timers keep.
        let startAt = limits.startAt.map(WallClock.monotonic(atUnixTime:))
        let gate = StartGate(count: connections, startAt: startAt)
        let availability = AvailabilityTracker()
        let origin = monotonicNanoseconds()
        let display = ProgressDisplay.start(
            mode: progress,
            name: workload.name,
            total: limits.duration == nil ? workload.totalOperations : 0,
            duration: limits.duration.map { $0 + limits.warmup },
            rateUnit: shape.rateCounter?.key.name,
            sampler: SecondSampler(loops: loops.loops, recorders: recorders, shape: shape),
            style: style,
            width: progressWidth,
            origin: origin
        )

        let busyBefore = loops.loops.map(\.busyNanoseconds)
        let wallBefore = monotonicNanoseconds()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<connections {
                let loop = loops.loop(for: index)
                let recorder = recorders[loop.index]
                let operations = shares[index]
                group.addTask(executorPreference: loop) {
                    let context = ConnectionContext(
                        index: index,
                        of: connections,
                        loop: loop,
                        operations: operations,
                        recorder: recorder,
                        availability: availability,
                        gate: gate,
                        stop: stop,
                        limits: limits
                    )
                    do {
                        try await workload.runConnection(
                            context,
                            recorder: Recorder(recorder, availability: availability)
                        )
                    } catch {
                        recorder.recordFailure(slot: firstMeasured, kind: Self.kind(of: error))
                    }
                    await context.ready()
                    recorder.recordNotStarted(context.notStarted)
                    recorder.markFinished(connectionStarted: context.startedOperations)
                }
            }
        }
        let wall = Double(max(1, monotonicNanoseconds() &- wallBefore))
        let loopBusy = zip(loops.loops, busyBefore).map { loop, before in
            min(1, Double(loop.busyNanoseconds &- before) / wall)
        }
        let series = await display.stop()
        if gate.missed, let startAt, let scheduled = limits.startAt {
            let late = NotReadyError(
                scheduled: scheduled,
                late: Double(gate.lastArrival &- startAt) / 1e9,
                connectionsOpen: true
            )
            var failure = StepFailure(workload: workload.name, step: .start, error: late)
            do {
                try await tearDown(workload)
            } catch {
                // What setup created may remain: that is the failure to report.
                failure = StepFailure(workload: workload.name, step: .teardown, error: error)
            }
            return WorkloadRun(result: nil, failure: failure, missedStart: true)
        }

        let started = (gate.openedAt ?? monotonicNanoseconds()) &+ limits.warmup.nanoseconds
        let finished = recorders.map(\.finishedAt).max() ?? started
        var result = WorkloadResult(
            name: workload.name,
            shape: shape,
            connections: connections,
            recorders: recorders,
            wallNanoseconds: finished > started ? finished - started : 0
        )
        result.interrupted = stop.isRequested
        result.availability = availability.availability(origin: started, end: finished)
        result.nodes = workload.nodeResults()
        result.loopBusy = loopBusy
        result.series = series
        // The last entry lasted until the last connection finished.
        let lastStart = origin &+ UInt64(max(0, series.count - 1)) * 1_000_000_000
        if finished > lastStart {
            result.series.lastEntrySeconds = min(1, max(0.001, Double(finished - lastStart) / 1e9))
        }
        result.startUnixTime = WallClock.unixTime(atMonotonic: started)
        result.rate = limits.rate
        if workload.followsRunLimits {
            result.operationsPerConnection = ConnectionSpread(recorders.flatMap(\.startedPerConnection))
        }
        let endedEarly = Self.endedEarlyNote(result, limits: limits, followsRunLimits: workload.followsRunLimits)
        let measured = result
        var failure: StepFailure?
        do {
            result.notes = try await withTaskExecutorPreference(controlLoop) {
                try await workload.notes(for: measured, on: controlLoop)
            }
        } catch {
            failure = StepFailure(workload: workload.name, step: .notes, error: error)
        }
        do {
            try await tearDown(workload)
        } catch {
            failure = failure ?? StepFailure(workload: workload.name, step: .teardown, error: error)
        }
        if let endedEarly { result.notes.insert(endedEarly, at: 0) }
        return WorkloadRun(
            result: result,
            failure: failure,
            startSkew: startAt.map { Double(gate.lastLoopStart &- $0) / 1e9 }
        )
    }

    /// The workload's teardown, on the first loop (after a failed setup, a missed start, or the run).
    private func tearDown<W: Workload>(_ workload: W) async throws {
        let controlLoop = loops.loops[0]
        try await withTaskExecutorPreference(controlLoop) { try await workload.teardown(on: controlLoop) }
    }

    /// For a `--duration` run that ended well before its duration without a stop signal (every
    /// connection died): a line saying so, since its throughput covers only the time it ran.
    static func endedEarlyNote(_ result: WorkloadResult, limits: RunLimits, followsRunLimits: Bool) -> String? {
        guard let duration = limits.duration, followsRunLimits, !result.interrupted,
            result.wallNanoseconds &+ 100_000_000 < duration.nanoseconds
        else { return nil }
        return "ended after \(Format.fixed(result.wallSeconds, 3)) s of the \(DurationParser.format(duration)) "
            + "--duration: every connection had stopped (see the errors)"
    }

    /// `total` split over `parts` as evenly as possible, the remainder going to the first parts.
    public static func split(_ total: Int, over parts: Int) -> [Int] {
        guard parts > 0 else { return [] }
        let base = total / parts
        let remainder = total % parts
        return (0..<parts).map { base + ($0 < remainder ? 1 : 0) }
    }

    /// The label an error is counted under.
    static func kind(of error: any Error) -> String {
        if let labelled = error as? any ErrorKindLabelled { return labelled.kind }
        return String(describing: error)
    }
}

/// What running one workload gave: its result once it got as far as measuring, and the step that
/// failed, if one did.
public struct WorkloadRun: Sendable {
    public var result: WorkloadResult?
    public var failure: StepFailure?
    /// With `--start-at`: how long after it the last of the I/O loops began (seconds).
    public var startSkew: Double?
    /// Not ready by `--start-at`: nothing ran, and nothing more may.
    public var missedStart = false
}

/// A step of a run that failed as a whole (not one operation): which, of which workload, why, and
/// the exit code that failure means.
public struct StepFailure: Sendable, Equatable {
    public enum Step: String, Sendable {
        case setup, start, notes, teardown, cleanup
    }

    /// The workload's name, or "-" for the run's cleanup.
    public let workload: String
    public let step: Step
    /// The error, as one line (never a password).
    public let message: String
    public let exitCode: Int32

    public init(workload: String, step: Step, error: any Error) {
        self.workload = workload
        self.step = step
        message = String(describing: error)
        exitCode = ExitCode.for(error)
    }

    /// A failure as a result file recorded it.
    public init(workload: String, step: Step, message: String, exitCode: Int32) {
        self.workload = workload
        self.step = step
        self.message = message
        self.exitCode = exitCode
    }

    /// "SET teardown: read: timed out".
    public var description: String {
        (workload == "-" ? "" : "\(workload) ") + "\(step.rawValue): \(message)"
    }
}

/// An error that has a short, stable label for counting failures by kind.
public protocol ErrorKindLabelled: Error {
    var kind: String { get }
}
