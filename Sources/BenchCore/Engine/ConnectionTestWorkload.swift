import IOLoop

/// The two operations of a connection test: opening a connection (timed before the measured
/// interval) and the probe sent on it once every connection is open.
public struct ConnectionTestOperation: OperationKind, Equatable {
    public let slot: Int
    public let name: String
    public let isBeforeMeasuredInterval: Bool

    public static let connect = ConnectionTestOperation(slot: 0, name: "connect", isBeforeMeasuredInterval: true)

    /// The probe, named as sent ("PING", "SELECT 1").
    public static func probe(_ name: String) -> ConnectionTestOperation {
        ConnectionTestOperation(slot: 1, name: name, isBeforeMeasuredInterval: false)
    }
}

/// The connection test of every backend: open all connections at once, hold them until every one
/// has been tried, then send one probe (PING, SELECT 1) on each open connection.
///
/// "connect" is timed per connection before the measured interval (so it stays out of the totals);
/// the probe is timed while all connections are held. Failures are counted by kind, not hidden.
public protocol ConnectionTestWorkload: Workload where Operation == ConnectionTestOperation {
    associatedtype Client
    /// "PING", "SELECT 1".
    var probeName: String { get }
    /// Opens connection number `index`; thrown errors are counted under their `ErrorKindLabelled` kind.
    func open(on loop: IOLoop, index: Int) async throws -> Client
    /// Sends the probe; returns `nil` on success or the kind of failure.
    func probe(_ client: Client) async -> String?
    func close(_ client: Client)
    /// Lines added after "N of M connections opened ..." (e.g. the server's limit).
    func extraNotes(opened: Int) async throws -> [String]
    /// True for a probe failure that says the server refused the connection it had accepted
    /// (Redis' "ERR max number of clients reached", sent instead of a reply, before it closes).
    func isRefusal(_ failure: String) -> Bool
}

extension ConnectionTestWorkload {
    public var operations: [ConnectionTestOperation] { [.connect, .probe(probeName)] }
    public var totalOperations: Int { connections }
    public var followsRunLimits: Bool { false }

    public func extraNotes(opened: Int) async throws -> [String] { [] }
    public func isRefusal(_ failure: String) -> Bool { false }

    public func runConnection(_ context: ConnectionContext, recorder: Recorder<Self>) async throws {
        let started = monotonicNanoseconds()
        let client: Client
        do {
            client = try await open(on: context.loop, index: context.index)
        } catch {
            recorder.recordFailure(.connect, kind: BenchmarkRunner.kind(of: error))
            return
        }
        defer { close(client) }
        recorder.recordSuccess(.connect, nanoseconds: monotonicNanoseconds() &- started)
        await context.ready()

        let sent = monotonicNanoseconds()
        let probed = ConnectionTestOperation.probe(probeName)
        if let failure = await probe(client) {
            recorder.recordFailure(probed, kind: failure)
        } else {
            recorder.recordSuccess(probed, nanoseconds: monotonicNanoseconds() &- sent)
        }
    }

    /// Connections opened and held at once.
    public static func opened(in result: WorkloadResult) -> Int {
        result.result(of: ConnectionTestOperation.connect)?.succeeded ?? 0
    }

    public func notes(for result: WorkloadResult, on loop: IOLoop) async throws -> [String] {
        let opened = Self.opened(in: result)
        let answered = result.result(of: ConnectionTestOperation.probe(probeName))?.succeeded ?? 0
        let refusals = result.errors.filter { isRefusal($0.kind) }
        let refused = refusals.reduce(0) { $0 + $1.count }
        let summary =
            refused == 0
            ? "\(Format.grouped(opened)) of \(Format.grouped(connections)) connections opened and held at once; "
                + "\(Format.grouped(answered)) answered \(probeName)"
            : "\(Format.grouped(opened)) of \(Format.grouped(connections)) connections opened, of which the server "
                + "refused \(Format.grouped(refused)) (\(refusals.map(\.kind).joined(separator: "; "))): "
                + "\(Format.grouped(opened - refused)) held at once; \(Format.grouped(answered)) answered \(probeName)"
        return [summary] + (try await extraNotes(opened: opened - refused))
    }
}
