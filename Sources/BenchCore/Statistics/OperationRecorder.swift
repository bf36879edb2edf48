import IOLoop
import Synchronization

/// The measurements of one workload on one I/O loop, kept by slot (`OperationKind.slot`,
/// `CounterKind.slot`); workloads record through the typed `Recorder`.
///
/// Latencies go into the current interval only (one histogram record per operation); the measured
/// totals are the intervals added up as the sampler takes them, once a second, plus the current one.
///
/// Thread confinement: every connection task of a loop records into that loop's recorder from the
/// loop's thread, and the sampler takes intervals there too, so the mutable state needs no lock; the
/// runner reads it only after those tasks have finished. The exceptions are `completed` and
/// `counted`, atomics the progress display reads while the run goes on.
public final class OperationRecorder: @unchecked Sendable {
    /// Latency per operation slot of the intervals taken so far, warm-up left out: in open loop
    /// from the scheduled start, otherwise from the send.
    private var takenHistograms: [LatencyHistogram]
    /// Open loop only: from the actual send to the reply, per operation slot (empty in closed loop).
    private var takenServiceHistograms: [LatencyHistogram]
    /// Open loop only: operations that started more than `OpenLoopRate.lateAfterNanoseconds` after
    /// their scheduled start.
    private(set) var late = 0
    /// Open loop only: operations whose connection slept until they were due, and of those, how many
    /// the loop woke up for more than `OpenLoopRate.lateAfterNanoseconds` late (`recordTimedStart`).
    private(set) var timedStarts = 0
    private(set) var timedStartsBehind = 0
    private(set) var failed: [Int]
    /// Failures by kind: error replies by their code, I/O failures by reason, connect failures.
    private(set) var errors: [String: Int] = [:]
    private(set) var counters: [Int]
    /// Counters of work done during `--warmup` (not part of the results; INSERT still finds its rows).
    private(set) var warmupCounters: [Int]
    /// During `--warmup`: until this monotonic time nothing is recorded.
    private var measureFrom: UInt64 = 0
    private var warmingUp = false
    /// Operations finished so far (warm-up included), for progress.
    let completed = Atomic<Int>(0)
    /// Operations failed so far (warm-up included), for progress and the per-second series.
    let failedSoFar = Atomic<Int>(0)
    /// The rate counter (rows) so far, warm-up included, for progress.
    let counted = Atomic<Int>(0)
    private let rateCounterSlot: Int
    /// The current interval (about a second), warm-up included: latencies and failures per
    /// operation slot and the counters, handed to the per-second series by `takeInterval()`.
    private var interval: Interval
    /// What the current interval held when the warm-up ended: part of the series, not of the totals.
    private var warmupPart: Interval?
    /// When the last connection task on this loop finished (monotonic nanoseconds).
    private(set) var finishedAt: UInt64 = 0
    /// Operations started by each connection of this loop that has finished, in finishing order.
    private(set) var startedPerConnection: [Int] = []

    init(shape: WorkloadShape, openLoop: Bool = false) {
        takenHistograms = (0..<shape.operationSlots).map { _ in .latency() }
        takenServiceHistograms = openLoop ? (0..<shape.operationSlots).map { _ in .latency() } : []
        failed = Array(repeating: 0, count: shape.operationSlots)
        counters = Array(repeating: 0, count: shape.counterSlots)
        warmupCounters = counters
        rateCounterSlot = shape.rateCounter?.slot ?? -1
        interval = Interval(shape: shape, openLoop: openLoop)
    }

    /// What one loop recorded in one interval of the per-second series.
    struct Interval: Sendable {
        /// Latency per operation slot (in open loop from the scheduled start).
        var histograms: [LatencyHistogram]
        /// Open loop only: from the send, per operation slot.
        var serviceHistograms: [LatencyHistogram]
        var failed: [Int]
        var counters: [Int]

        init(shape: WorkloadShape, openLoop: Bool) {
            histograms = (0..<shape.operationSlots).map { _ in .latency() }
            serviceHistograms = openLoop ? (0..<shape.operationSlots).map { _ in .latency() } : []
            failed = Array(repeating: 0, count: shape.operationSlots)
            counters = Array(repeating: 0, count: shape.counterSlots)
        }

        /// Adds `other`'s figures to these.
        mutating func add(_ other: Interval) {
            for index in histograms.indices { histograms[index].add(other.histograms[index]) }
            for index in serviceHistograms.indices { serviceHistograms[index].add(other.serviceHistograms[index]) }
            for index in failed.indices { failed[index] += other.failed[index] }
            for index in counters.indices { counters[index] += other.counters[index] }
        }

        /// The same slots, empty.
        var emptied: Interval {
            var empty = self
            for index in empty.histograms.indices { empty.histograms[index] = .latency() }
            for index in empty.serviceHistograms.indices { empty.serviceHistograms[index] = .latency() }
            for index in empty.failed.indices { empty.failed[index] = 0 }
            for index in empty.counters.indices { empty.counters[index] = 0 }
            return empty
        }
    }

    /// Hands over what was recorded since the last call and starts a new interval. Runs on the
    /// loop's thread (the sampler hops there), or once the loop's connection tasks have finished.
    func takeInterval() async -> Interval {
        let measured = !inWarmup
        var taken = interval
        interval = taken.emptied
        if measured { fold(taken) }
        if let warmupPart {
            taken.add(warmupPart)
            self.warmupPart = nil
        }
        return taken
    }

    /// Adds a measured interval's latencies to the totals.
    private func fold(_ measured: Interval) {
        for index in takenHistograms.indices { takenHistograms[index].add(measured.histograms[index]) }
        for index in takenServiceHistograms.indices {
            takenServiceHistograms[index].add(measured.serviceHistograms[index])
        }
    }

    /// The measured latencies of `slot` (warm-up left out): the intervals taken, and the current one.
    func histogram(slot: Int) -> LatencyHistogram {
        var histogram = takenHistograms[slot]
        if !warmingUp { histogram.add(interval.histograms[slot]) }
        return histogram
    }

    /// Open loop: the measured service times of `slot`; nil in closed loop.
    func serviceHistogram(slot: Int) -> LatencyHistogram? {
        guard !takenServiceHistograms.isEmpty else { return nil }
        var histogram = takenServiceHistograms[slot]
        if !warmingUp { histogram.add(interval.serviceHistograms[slot]) }
        return histogram
    }

    var isOpenLoop: Bool { !takenServiceHistograms.isEmpty }

    /// Starts a warm-up: work finishing before `time` is left out of the results.
    func beginMeasuring(at time: UInt64) {
        measureFrom = time
        warmingUp = true
    }

    /// True while the warm-up lasts (reads the clock only until it is over). When it ends, what the
    /// current interval holds is set aside as warm-up.
    @inline(__always)
    var inWarmup: Bool {
        guard warmingUp else { return false }
        if monotonicNanoseconds() < measureFrom { return true }
        warmingUp = false
        warmupPart = interval
        interval = interval.emptied
        return false
    }

    @usableFromInline
    func recordSuccess(slot: Int, nanoseconds: UInt64, queued: UInt64) {
        completed.wrappingAdd(1, ordering: .relaxed)
        // Before recording: the end of the warm-up sets the interval so far aside. Warm-up or not,
        // the latency goes into the interval; the measured successes are the count of the measured
        // histogram (`histogram(slot:)`), which leaves the warm-up out.
        _ = inWarmup
        if _fastPath(interval.serviceHistograms.isEmpty) {
            interval.histograms[slot].recordNanoseconds(nanoseconds)
        } else {
            interval.histograms[slot].recordNanoseconds(nanoseconds &+ queued)
            interval.serviceHistograms[slot].recordNanoseconds(nanoseconds)
        }
    }

    /// Operations that were due but never started (open loop), when a connection finishes.
    private(set) var notStarted = 0

    func recordNotStarted(_ count: Int) { notStarted &+= count }

    /// An operation that could not start on time (open loop).
    func recordLate() {
        if inWarmup { return }
        late &+= 1
    }

    /// An operation whose connection waited for its scheduled start: `behind` when the loop came to
    /// it late because it was busy with other work. Neither the server (the connection was idle) nor
    /// the rest of the machine (the loop was not waiting) plays a part in that lateness: it is
    /// dbbench falling behind its schedule.
    func recordTimedStart(behind: Bool) {
        if inWarmup { return }
        timedStarts &+= 1
        if behind { timedStartsBehind &+= 1 }
    }

    /// The fraction of timed starts that were behind, 0 with too few of them to tell.
    var behindSchedule: Double {
        timedStarts < Self.timedStartsToTell ? 0 : Double(timedStartsBehind) / Double(timedStarts)
    }

    /// Fewer timed starts than this say nothing about a loop's schedule.
    static let timedStartsToTell = 100

    @usableFromInline
    func recordFailure(slot: Int, kind: String) {
        completed.wrappingAdd(1, ordering: .relaxed)
        failedSoFar.wrappingAdd(1, ordering: .relaxed)
        let warmingUp = inWarmup
        interval.failed[slot] &+= 1
        if warmingUp { return }
        failed[slot] &+= 1
        errors[kind, default: 0] += 1
    }

    @usableFromInline
    func add(counterSlot slot: Int, _ amount: Int) {
        if slot == rateCounterSlot { counted.wrappingAdd(amount, ordering: .relaxed) }
        let warmingUp = inWarmup
        interval.counters[slot] &+= amount
        if warmingUp {
            warmupCounters[slot] &+= amount
        } else {
            counters[slot] &+= amount
        }
    }

    /// A connection task on this loop is done now, after starting `started` operations.
    func markFinished(connectionStarted started: Int) {
        finishedAt = Swift.max(finishedAt, monotonicNanoseconds())
        startedPerConnection.append(started)
    }
}

/// What a workload's connections record through: only the operation kinds and counters that
/// workload `W` declares, so a wrong key does not compile. A view of the loop's `OperationRecorder`
/// that costs nothing once inlined.
@frozen
public struct Recorder<W: Workload> {
    @usableFromInline
    let base: OperationRecorder
    /// The workload's availability, which a success after an outage ends.
    @usableFromInline
    let availability: AvailabilityTracker

    init(_ base: OperationRecorder, availability: AvailabilityTracker) {
        self.base = base
        self.availability = availability
    }

    /// A successful `operation` whose reply came `nanoseconds` after it was sent and which was sent
    /// `queued` nanoseconds after its scheduled start (open loop; `ConnectionContext.queued(sentAt:)`).
    @inlinable @inline(__always)
    public func recordSuccess(_ operation: W.Operation, nanoseconds: UInt64, queued: UInt64 = 0) {
        base.recordSuccess(slot: operation.slot, nanoseconds: nanoseconds, queued: queued)
        if _slowPath(availability.openSince.load(ordering: .relaxed) != 0) {
            availability.succeeded(tookNanoseconds: nanoseconds)
        }
    }

    /// A failed `operation`, counted under `kind`.
    @inlinable
    public func recordFailure(_ operation: W.Operation, kind: String) {
        base.recordFailure(slot: operation.slot, kind: kind)
    }

    /// A failed `operation` whose reply says the server cannot serve now (Redis `LOADING`,
    /// PostgreSQL's "the database system is shutting down"): counted under `kind`, and the start
    /// of an outage unless one is open.
    public func recordUnavailable(_ operation: W.Operation, kind: String) {
        base.recordFailure(slot: operation.slot, kind: kind)
        availability.serverUnavailable(at: monotonicNanoseconds(), lostConnection: false)
    }

    @inlinable @inline(__always)
    public func add(_ counter: W.Counter, _ amount: Int = 1) {
        base.add(counterSlot: counter.slot, amount)
    }
}
