import BenchCore
import IOLoop
import Postgres

/// Opens every connection at once, holds them all, then runs `SELECT 1` on each. When the server
/// refuses some (too many clients), the others still count and the report names the server's limit.
struct ConnectionsWorkload: Workload {
    static let connect = 0, select = 1

    let table: MetricsTable
    let connections: Int
    /// The server's `max_connections` and `superuser_reserved_connections`, for the report.
    let maxConnections: Int
    let reservedConnections: Int
    var name: String { "CONNECTIONS" }
    var operationNames: [String] { ["connect", "SELECT 1"] }
    var totalOperations: Int { connections }
    var preStartOperationNames: Set<String> { ["connect"] }

    func runConnection(_ context: ConnectionContext) async throws {
        let recorder = context.recorder
        let started = monotonicNanoseconds()
        let connection: PostgresConnection
        do {
            connection = try await table.connect(on: context.loop)
        } catch {
            recorder.recordFailure(Self.connect, kind: error.kind)
            return
        }
        defer { connection.close() }
        recorder.recordSuccess(Self.connect, nanoseconds: monotonicNanoseconds() &- started)
        await context.ready()

        let sent = monotonicNanoseconds()
        do {
            switch try await connection.query("SELECT 1").count {
            case 1: recorder.recordSuccess(Self.select, nanoseconds: monotonicNanoseconds() &- sent)
            default: recorder.recordFailure(Self.select, kind: "SELECT 1 returned no row")
            }
        } catch {
            recorder.recordFailure(Self.select, kind: error.kind)
        }
    }

    func notes(for result: WorkloadResult, on loop: IOLoop) async throws -> [String] {
        let opened = result.operations[Self.connect].succeeded
        let answered = result.operations[Self.select].succeeded
        var notes = ["\(Format.grouped(opened)) of \(Format.grouped(connections)) connections opened and held at once; "
                     + "\(Format.grouped(answered)) answered SELECT 1"]
        if opened < connections {
            notes.append("server limit: max_connections = \(maxConnections), of which \(reservedConnections) reserved for superusers "
                         + "(other sessions count too)")
        }
        return notes
    }
}
