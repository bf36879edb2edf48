import IOLoop

/// One benchmark workload, driven by `BenchmarkRunner`.
///
/// `setup` and `teardown` are not measured. `runConnection` is called once per connection, as a
/// child task whose executor is the connection's I/O loop; it opens its connection, calls
/// `context.ready()`, and then performs `context.operations` operations, recording each one.
public protocol Workload: Sendable {
    /// The name shown in results ("SET").
    var name: String { get }
    /// The kinds of operation recorded separately (["SET"], or the five commands of MIXED).
    var operationNames: [String] { get }
    /// Extra counters the workload keeps (["hits", "misses"]).
    var counterNames: [String] { get }
    /// Operations timed before the measured interval starts (opening connections): reported with
    /// their latencies but left out of the totals and the throughput.
    var preStartOperationNames: Set<String> { get }
    /// False for workloads whose size is fixed by their nature (the connection test), which ignore
    /// `--duration` and `--warmup`.
    var followsRunLimits: Bool { get }
    var connections: Int { get }
    /// Operations over all connections; the runner splits them as evenly as possible.
    var totalOperations: Int { get }

    /// Prepares the server (unmeasured). Runs on `loop`.
    func setup(on loop: IOLoop) async throws
    /// One connection's share of the work.
    func runConnection(_ context: ConnectionContext) async throws
    /// Removes what this workload created (unmeasured). Runs on `loop`, also after a failed run.
    func teardown(on loop: IOLoop) async throws
    /// Lines the report prints under the workload's results. Runs on `loop` after the measured
    /// run and before teardown, so it may check the server's state (rows actually inserted).
    func notes(for result: WorkloadResult, on loop: IOLoop) async throws -> [String]
}

extension Workload {
    public var counterNames: [String] { [] }
    public var preStartOperationNames: Set<String> { [] }
    public var followsRunLimits: Bool { true }
    public func setup(on loop: IOLoop) async throws {}
    public func teardown(on loop: IOLoop) async throws {}
    public func notes(for result: WorkloadResult, on loop: IOLoop) async throws -> [String] { [] }
}

/// What one connection task gets from the runner.
///
/// Created on and used from the connection's loop thread only.
public final class ConnectionContext {
    /// 0-based connection number.
    public let index: Int
    public let loop: IOLoop
    /// This connection's share of the workload's operations.
    public let operations: Int
    /// This loop's recorder, shared by the connections on the loop.
    public let recorder: OperationRecorder
    private let gate: StartGate
    private let stop: StopSignal
    private let limits: RunLimits
    private var arrived = false
    /// Monotonic time after which no operation may start (`--duration`), or `.max`.
    private var deadline: UInt64 = .max

    init(index: Int, loop: IOLoop, operations: Int, recorder: OperationRecorder, gate: StartGate, stop: StopSignal,
         limits: RunLimits) {
        self.limits = limits
        self.index = index
        self.loop = loop
        self.operations = operations
        self.recorder = recorder
        self.gate = gate
        self.stop = stop
    }

    /// True once the run should stop starting operations (Ctrl-C, or `--duration` is over); check it
    /// before each one.
    @inline(__always)
    public var shouldStop: Bool {
        stop.isRequested || (deadline != .max && monotonicNanoseconds() >= deadline)
    }

    /// Marks this connection as ready and waits until every connection is: the measured interval
    /// starts when the last one arrives, so connection set-up is never counted as load.
    public func ready() async {
        guard !arrived else { return }
        arrived = true
        await gate.arrive()
        let measureFrom = (gate.openedAt ?? monotonicNanoseconds()) &+ limits.warmup.nanoseconds
        if limits.warmup > .zero { recorder.beginMeasuring(at: measureFrom) }
        if let duration = limits.duration { deadline = measureFrom &+ duration.nanoseconds }
    }

    /// A generator seeded per connection, so runs with the same flags draw the same keys.
    public func makeRandom(salt: UInt64 = 0) -> FastRandom {
        FastRandom(seed: 0x5EED_0000 &+ UInt64(index) &* 0x1_0000_0001 &+ salt)
    }
}
