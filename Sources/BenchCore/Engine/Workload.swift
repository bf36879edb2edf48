import IOLoop

/// One benchmark workload, driven by `BenchmarkRunner`.
///
/// `setup` and `teardown` are not measured. `runConnection` is called once per connection, as a
/// child task whose executor is the connection's I/O loop; it opens its connection, calls
/// `context.ready()`, and then performs its share of operations, recording each one through
/// `recorder`, which takes only this workload's own `Operation` and `Counter` keys.
public protocol Workload: Sendable {
    /// The kinds of operation it records.
    associatedtype Operation: OperationKind
    /// The counts it keeps besides its operations.
    associatedtype Counter: CounterKind = NoCounter

    /// The name shown in results ("SET").
    var name: String { get }
    /// Every kind it records, in the order results list them (one for SET, five for MIXED).
    var operations: [Operation] { get }
    /// Every counter it keeps (hits and misses, rows).
    var counters: [Counter] { get }
    /// False for workloads whose size is fixed by their nature (the connection test), which ignore
    /// `--duration` and `--warmup`.
    var followsRunLimits: Bool { get }
    var connections: Int { get }
    /// Operations over all connections; the runner splits them as evenly as possible.
    var totalOperations: Int { get }
    /// Each connection's share of `totalOperations` when its connections do different things (MIXED
    /// of timescale: batches on some, queries on others); nil (the default) for an even split.
    var operationShares: [Int]? { get }

    /// Prepares the server (unmeasured). Runs on `loop`.
    func setup(on loop: IOLoop) async throws
    /// One connection's share of the work.
    func runConnection(_ context: ConnectionContext, recorder: Recorder<Self>) async throws
    /// Removes what this workload created (unmeasured). Runs on `loop`, also after a failed run.
    func teardown(on loop: IOLoop) async throws
    /// Lines the report prints under the workload's results. Runs on `loop` after the measured
    /// run and before teardown, so it may check the server's state (rows actually inserted).
    func notes(for result: WorkloadResult, on loop: IOLoop) async throws -> [String]
    /// The verdicts of the old scripts on this workload's result, for the report's assessment.
    func assess(_ result: WorkloadResult) -> [Assessment]
    /// Per server, when the connections were spread over several (a cluster's primaries); read
    /// once the connections have finished.
    func nodeResults() -> [NodeResult]
}

extension Workload {
    public var followsRunLimits: Bool { true }
    public var operationShares: [Int]? { nil }
    public func setup(on loop: IOLoop) async throws {}
    public func teardown(on loop: IOLoop) async throws {}
    public func notes(for result: WorkloadResult, on loop: IOLoop) async throws -> [String] { [] }
    public func assess(_ result: WorkloadResult) -> [Assessment] { [] }
    public func nodeResults() -> [NodeResult] { [] }
}

extension Workload where Counter == NoCounter {
    public var counters: [NoCounter] { [] }
}
