import IOLoop
import Synchronization

/// The measurements of one workload on one I/O loop.
///
/// Thread confinement: every connection task of a loop records into that loop's recorder from the
/// loop's thread, so the mutable state needs no lock; the runner reads it only after those tasks
/// have finished. The one exception is `completed`, an atomic the progress display reads while the
/// run goes on.
public final class OperationRecorder: @unchecked Sendable {
    public let operationNames: [String]
    public let counterNames: [String]
    /// Latency per operation kind: in open loop from the scheduled start, otherwise from the send.
    public private(set) var histograms: [LatencyHistogram]
    /// Open loop only: from the actual send to the reply, per operation kind (empty in closed loop).
    public private(set) var serviceHistograms: [LatencyHistogram]
    /// Open loop only: operations that started more than `OpenLoopRate.lateAfterNanoseconds` after
    /// their scheduled start.
    public private(set) var late = 0
    public private(set) var succeeded: [Int]
    public private(set) var failed: [Int]
    /// Failures by kind: error replies by their code, I/O failures by reason, connect failures.
    public private(set) var errors: [String: Int] = [:]
    public private(set) var counters: [Int]
    /// Counters of work done during `--warmup` (not part of the results; INSERT still finds its rows).
    public private(set) var warmupCounters: [Int]
    /// During `--warmup`: until this monotonic time nothing is recorded.
    private var measureFrom: UInt64 = 0
    private var warmingUp = false
    /// Work finished so far (operations, or rows for batched writes), for progress.
    public let completed = Atomic<Int>(0)
    /// When the last connection task on this loop finished (monotonic nanoseconds).
    public private(set) var finishedAt: UInt64 = 0

    public init(operationNames: [String], counterNames: [String] = [], openLoop: Bool = false) {
        self.operationNames = operationNames
        self.counterNames = counterNames
        histograms = operationNames.map { _ in .latency() }
        serviceHistograms = openLoop ? histograms : []
        succeeded = Array(repeating: 0, count: operationNames.count)
        failed = Array(repeating: 0, count: operationNames.count)
        counters = Array(repeating: 0, count: counterNames.count)
        warmupCounters = counters
    }

    /// Starts a warm-up: work finishing before `time` is left out of the results.
    func beginMeasuring(at time: UInt64) {
        measureFrom = time
        warmingUp = true
    }

    /// True while the warm-up lasts (reads the clock only until it is over).
    @inline(__always)
    private var inWarmup: Bool {
        guard warmingUp else { return false }
        if monotonicNanoseconds() < measureFrom { return true }
        warmingUp = false
        return false
    }

    /// A successful operation `operation` (index into `operationNames`) whose reply came
    /// `nanoseconds` after it was sent and which was sent `queued` nanoseconds after its scheduled
    /// start (open loop; `ConnectionContext.queued(sentAt:)`). `work` is what it adds to progress
    /// (the rows of a batch; 1 for a single operation).
    @inline(__always)
    public func recordSuccess(_ operation: Int, nanoseconds: UInt64, queued: UInt64 = 0, work: Int = 1) {
        completed.wrappingAdd(work, ordering: .relaxed)
        if inWarmup { return }
        succeeded[operation] &+= 1
        guard !serviceHistograms.isEmpty else {
            histograms[operation].recordNanoseconds(nanoseconds)
            return
        }
        histograms[operation].recordNanoseconds(nanoseconds &+ queued)
        serviceHistograms[operation].recordNanoseconds(nanoseconds)
    }

    /// An operation that could not start on time (open loop).
    func recordLate() {
        if inWarmup { return }
        late &+= 1
    }

    /// A failed operation, counted under `kind`.
    public func recordFailure(_ operation: Int, kind: String, work: Int = 1) {
        completed.wrappingAdd(work, ordering: .relaxed)
        if inWarmup { return }
        failed[operation] &+= 1
        errors[kind, default: 0] += 1
    }

    /// A failure that is not one operation (a connection that could not be opened).
    public func recordError(kind: String) {
        errors[kind, default: 0] += 1
    }

    @inline(__always)
    public func add(counter: Int, _ amount: Int = 1) {
        if inWarmup {
            warmupCounters[counter] &+= amount
        } else {
            counters[counter] &+= amount
        }
    }

    /// Operations started by each connection of this loop that has finished, in finishing order.
    public private(set) var startedPerConnection: [Int] = []

    /// A connection task on this loop is done now, after starting `started` operations.
    func markFinished(connectionStarted started: Int) {
        finishedAt = Swift.max(finishedAt, monotonicNanoseconds())
        startedPerConnection.append(started)
    }
}
