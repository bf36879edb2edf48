/// One kind of operation a workload records (SET, a COPY batch, one of the analytics queries): a
/// typed key, so that a workload can record only the kinds it declares.
public protocol OperationKind: Sendable {
    /// Where the kind's figures are kept in a recorder; distinct for the kinds of one workload.
    var slot: Int { get }
    /// The name results show ("SET", "batch", "top_models").
    var name: String { get }
    /// Timed before the measured interval (opening connections): reported with its latencies but
    /// left out of the totals and the throughput.
    var isBeforeMeasuredInterval: Bool { get }
}

extension OperationKind {
    public var isBeforeMeasuredInterval: Bool { false }
}

extension OperationKind where Self: RawRepresentable, RawValue == Int {
    public var slot: Int { rawValue }
}

/// A count that a workload keeps besides its operations (rows, cache hits), as a typed key.
public protocol CounterKind: Sendable {
    /// Where the count is kept in a recorder; distinct for the counters of one workload.
    var slot: Int { get }
    /// What results, thresholds and assessments know the count by.
    var key: CounterKey { get }
}

extension CounterKind where Self: RawRepresentable, RawValue == Int {
    public var slot: Int { rawValue }
}

/// The counter type of a workload that keeps none.
public enum NoCounter: CounterKind {
    public var slot: Int {
        switch self {}
    }

    public var key: CounterKey {
        switch self {}
    }
}

/// The name of a count in results, shared by the workloads that keep it, so that a threshold or a
/// report asks for `.rows` whichever workload counted them.
public struct CounterKey: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    /// Shown as a rate next to the operations (rows/s) in the table, the progress line, JSON and CSV.
    public let isRate: Bool

    public init(_ name: String, isRate: Bool = false) {
        self.name = name
        self.isRate = isRate
    }

    public var description: String { name }

    /// Rows written or returned.
    public static let rows = CounterKey("rows", isRate: true)
    /// Rows returned by queries, beside the rows inserted (timescale's MIXED).
    public static let rowsReturned = CounterKey("rows_returned")
    /// GET replies with a value, and without one.
    public static let hits = CounterKey("hits")
    public static let misses = CounterKey("misses")
}

/// What a workload records, without the types of its keys: the runner's and the results' view.
struct WorkloadShape: Sendable {
    struct Operation: Sendable {
        let slot: Int
        let name: String
        let isBeforeMeasuredInterval: Bool
    }

    let operations: [Operation]
    let counters: [(slot: Int, key: CounterKey)]

    init<W: Workload>(_ workload: W) {
        operations = workload.operations.map {
            Operation(slot: $0.slot, name: $0.name, isBeforeMeasuredInterval: $0.isBeforeMeasuredInterval)
        }
        counters = workload.counters.map { ($0.slot, $0.key) }
    }

    init(operations: [Operation], counters: [(slot: Int, key: CounterKey)] = []) {
        self.operations = operations
        self.counters = counters
    }

    var operationSlots: Int { (operations.map(\.slot).max() ?? -1) + 1 }
    var counterSlots: Int { (counters.map(\.slot).max() ?? -1) + 1 }
    /// The counter that progress shows as a rate (rows), if any.
    var rateCounter: (slot: Int, key: CounterKey)? { counters.first { $0.key.isRate } }
}
