import IOLoop

/// What one connection task gets from the runner.
///
/// A workload's loop over its operations looks like this:
///
///     await context.ready()
///     while await context.startOperation() {
///         let sent = monotonicNanoseconds()
///         ... perform one operation ...
///         recorder.recordSuccess(.set, nanoseconds: monotonicNanoseconds() &- sent,
///                                queued: context.queued(sentAt: sent))
///     }
///
/// Thread confinement: created on and used from the connection's loop thread only.
public final class ConnectionContext {
    /// 0-based connection number.
    public let index: Int
    public let loop: IOLoop
    /// This connection's share of the workload's operations.
    public let operations: Int
    /// This loop's recorder, shared by the connections on the loop.
    let recorder: OperationRecorder
    private let connections: Int
    private let gate: StartGate
    private let stop: StopSignal
    let limits: RunLimits
    /// The workload's availability, shared by its connections.
    let availability: AvailabilityTracker
    private var arrived = false
    /// Monotonic time after which no operation may start (`--duration`), or `.max`.
    private(set) var deadline: UInt64 = .max
    /// Operations this connection may still start.
    private var remaining: Int
    /// Open loop only: this connection's schedule.
    private var pacer: OpenLoopPacer?
    /// Open loop only: when the operation that `startOperation` let start was due.
    public private(set) var scheduledStart: UInt64 = 0

    init(
        index: Int,
        of connections: Int,
        loop: IOLoop,
        operations: Int,
        recorder: OperationRecorder,
        availability: AvailabilityTracker,
        gate: StartGate,
        stop: StopSignal,
        limits: RunLimits
    ) {
        self.limits = limits
        self.availability = availability
        self.index = index
        self.connections = connections
        self.loop = loop
        self.operations = operations
        self.remaining = operations
        self.recorder = recorder
        self.gate = gate
        self.stop = stop
    }

    /// True while `--warmup` lasts: what a workload counts on its own should leave it out, as the
    /// recorder does.
    public var isWarmingUp: Bool { recorder.inWarmup }

    /// True once the run should stop starting operations (Ctrl-C, or `--duration` is over).
    @inline(__always)
    public var shouldStop: Bool {
        stop.isRequested || (deadline != .max && monotonicNanoseconds() >= deadline)
    }

    /// Operations this connection has started so far (its share of the load, warm-up included):
    /// those `startOperation` let start plus those reported with `countStarted`.
    public var startedOperations: Int { operations - remaining + selfPaced }
    private var selfPaced = 0

    /// For a workload that paces its closed-loop operations itself instead of asking
    /// `startOperation` (Redis pipelines): reports `count` more started operations.
    public func countStarted(_ count: Int) { selfPaced += count }

    /// True when the clock ends the run (`--duration`): `operations` is then unbounded.
    public var runsUntilDeadline: Bool { limits.duration != nil }

    /// Open loop: operations that were due before the run ended (its deadline, or now) but were
    /// never started, because this connection was still waiting for earlier replies.
    var notStarted: Int {
        pacer?.dueBefore(min(deadline, monotonicNanoseconds()), atMost: remaining) ?? 0
    }

    /// True when operations start on a schedule (`--rate`).
    public var isOpenLoop: Bool { pacer != nil }

    /// Marks this connection as ready and waits until every connection is: the measured interval
    /// starts when the last one arrives (or at `--start-at`), so connection set-up is never counted
    /// as load.
    public func ready() async {
        guard !arrived else { return }
        arrived = true
        await gate.arrive()
        if gate.missed {
            // Not ready by --start-at: nothing may run late.
            remaining = 0
            deadline = 0
            return
        }
        if let startAt = gate.startAt {
            if monotonicNanoseconds() < startAt { await loop.sleep(until: startAt) }
            gate.released(at: monotonicNanoseconds(), loop: loop.index)
        }
        let opened = gate.openedAt ?? monotonicNanoseconds()
        let measureFrom = opened &+ limits.warmup.nanoseconds
        if limits.warmup > .zero { recorder.beginMeasuring(at: measureFrom) }
        if let duration = limits.duration { deadline = measureFrom &+ duration.nanoseconds }
        if let rate = limits.rate {
            let schedule = ArrivalSchedule(
                rate: rate,
                connection: index,
                of: connections,
                origin: opened,
                random: makeRandom(salt: 0xA771_7A1)
            )
            pacer = OpenLoopPacer(schedule: schedule, deadline: deadline)
        }
    }

    /// Call before each operation: false when no more may start (the share is done, Ctrl-C, or
    /// `--duration` is over). In open loop it first waits for the operation's scheduled start
    /// (`scheduledStart`) and counts the operation as late when that has long passed.
    @inline(__always)
    nonisolated(nonsending)
        public func startOperation() async -> Bool
    {
        guard remaining > 0, !shouldStop else { return false }
        if pacer != nil, await !waitForSchedule() { return false }
        remaining -= 1
        return true
    }

    nonisolated(nonsending)
        private func waitForSchedule() async -> Bool
    {
        var waited = false
        while true {
            switch pacer?.step(now: monotonicNanoseconds()) ?? .stop {
            case .stop:
                return false
            case .wait(let until):
                await loop.sleep(until: until)
                waited = true
                if stop.isRequested { return false }
            case .start(let due, let late):
                scheduledStart = due
                if late { recorder.recordLate() }
                // The loop's own lateness only: it was still running other jobs past the due time.
                if waited {
                    recorder.recordTimedStart(
                        behind: late && loop.waitStartedAt > due &+ OpenLoopRate.lateAfterNanoseconds
                    )
                }
                return true
            }
        }
    }

    /// How long the operation sent at `sentAt` waited after its scheduled start (0 in closed loop):
    /// what `OperationRecorder.recordSuccess(_:nanoseconds:queued:)` adds to the service time.
    @inline(__always)
    public func queued(sentAt: UInt64) -> UInt64 {
        scheduledStart == 0 || sentAt < scheduledStart ? 0 : sentAt &- scheduledStart
    }

    /// A generator seeded per connection from the run's seed (`--seed`), so runs with the same
    /// flags and seed draw the same keys.
    public func makeRandom(salt: UInt64 = 0) -> FastRandom {
        FastRandom(seed: limits.seed &* 0x9E37_79B9 &+ UInt64(index) &* 0x1_0000_0001 &+ salt)
    }
}
