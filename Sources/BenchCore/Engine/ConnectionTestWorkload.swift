import IOLoop

/// The connection test of every backend: open all connections at once, hold them until every one
/// has been tried, then send one probe (PING, SELECT 1) on each open connection.
///
/// "connect" is timed per connection before the measured interval (so it stays out of the totals);
/// the probe is timed while all connections are held. Failures are counted by kind, not hidden.
public protocol ConnectionTestWorkload: Workload {
    associatedtype Client
    /// "PING", "SELECT 1".
    var probeName: String { get }
    /// Opens one connection; thrown errors are counted under their `ErrorKindLabelled` kind.
    func open(on loop: IOLoop) async throws -> Client
    /// Sends the probe; returns `nil` on success or the kind of failure.
    func probe(_ client: Client) async -> String?
    func close(_ client: Client)
    /// Lines added after "N of M connections opened ..." (e.g. the server's limit).
    func extraNotes(opened: Int) async throws -> [String]
}

extension ConnectionTestWorkload {
    public var operationNames: [String] { ["connect", probeName] }
    public var totalOperations: Int { connections }
    public var preStartOperationNames: Set<String> { ["connect"] }
    public var followsRunLimits: Bool { false }

    public func extraNotes(opened: Int) async throws -> [String] { [] }

    public func runConnection(_ context: ConnectionContext) async throws {
        let recorder = context.recorder
        let started = monotonicNanoseconds()
        let client: Client
        do {
            client = try await open(on: context.loop)
        } catch {
            recorder.recordFailure(0, kind: BenchmarkRunner.kind(of: error))
            return
        }
        defer { close(client) }
        recorder.recordSuccess(0, nanoseconds: monotonicNanoseconds() &- started)
        await context.ready()

        let sent = monotonicNanoseconds()
        if let failure = await probe(client) {
            recorder.recordFailure(1, kind: failure)
        } else {
            recorder.recordSuccess(1, nanoseconds: monotonicNanoseconds() &- sent)
        }
    }

    public func notes(for result: WorkloadResult, on loop: IOLoop) async throws -> [String] {
        let opened = result.operations[0].succeeded
        let answered = result.operations[1].succeeded
        return [
            "\(Format.grouped(opened)) of \(Format.grouped(connections)) connections opened and held at once; "
                + "\(Format.grouped(answered)) answered \(probeName)"
        ] + (try await extraNotes(opened: opened))
    }
}
