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
    public private(set) var histograms: [LatencyHistogram]
    public private(set) var succeeded: [Int]
    public private(set) var failed: [Int]
    /// Failures by kind: error replies by their code, I/O failures by reason, connect failures.
    public private(set) var errors: [String: Int] = [:]
    public private(set) var counters: [Int]
    /// Work finished so far (operations, or rows for batched writes), for progress.
    public let completed = Atomic<Int>(0)
    /// When the last connection task on this loop finished (monotonic nanoseconds).
    public private(set) var finishedAt: UInt64 = 0

    public init(operationNames: [String], counterNames: [String] = []) {
        self.operationNames = operationNames
        self.counterNames = counterNames
        histograms = operationNames.map { _ in .latency() }
        succeeded = Array(repeating: 0, count: operationNames.count)
        failed = Array(repeating: 0, count: operationNames.count)
        counters = Array(repeating: 0, count: counterNames.count)
    }

    /// A successful operation `operation` (index into `operationNames`) that took `nanoseconds`;
    /// `work` is what it adds to progress (the rows of a batch; 1 for a single operation).
    @inline(__always)
    public func recordSuccess(_ operation: Int, nanoseconds: UInt64, work: Int = 1) {
        histograms[operation].recordNanoseconds(nanoseconds)
        succeeded[operation] &+= 1
        completed.wrappingAdd(work, ordering: .relaxed)
    }

    /// A failed operation, counted under `kind`.
    public func recordFailure(_ operation: Int, kind: String, work: Int = 1) {
        failed[operation] &+= 1
        errors[kind, default: 0] += 1
        completed.wrappingAdd(work, ordering: .relaxed)
    }

    /// A failure that is not one operation (a connection that could not be opened).
    public func recordError(kind: String) {
        errors[kind, default: 0] += 1
    }

    @inline(__always)
    public func add(counter: Int, _ amount: Int = 1) {
        counters[counter] &+= amount
    }

    func markFinished(at time: UInt64) {
        finishedAt = Swift.max(finishedAt, time)
    }
}
