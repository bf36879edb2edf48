import BenchCore
import IOLoop
import Postgres

/// CONNECTIONS: every connection opened at once, held, then `SELECT 1` on each. When the server
/// refuses some (too many clients), the others still count and the report names the server's limit.
struct ConnectionsWorkload: ConnectionTestWorkload {
    let table: MetricsTable
    let connections: Int
    /// The server's `max_connections` and `superuser_reserved_connections`, for the report.
    let maxConnections: Int
    let reservedConnections: Int
    var name: String { "CONNECTIONS" }
    var probeName: String { "SELECT 1" }

    func open(on loop: IOLoop, index: Int) async throws -> PostgresConnection {
        try await table.connect(on: loop)
    }

    func probe(_ connection: PostgresConnection) async -> String? {
        do {
            return try await connection.query("SELECT 1").count == 1 ? nil : "SELECT 1 returned no row"
        } catch {
            return error.kind
        }
    }

    func close(_ connection: PostgresConnection) { connection.close() }

    /// The old script's verdict on connections held at once: ≥1000 EXCELLENT, ≥500 GOOD.
    static let rating = RatingThresholds(excellent: 1000, good: 500, higherIsBetter: true)

    func assess(_ result: WorkloadResult) -> [Assessment] {
        let held = Self.opened(in: result)
        return [
            Assessment(
                metric: "concurrent connections",
                value: Format.grouped(held),
                rating: Self.rating.rate(Double(held))
            )
        ]
    }

    func extraNotes(opened: Int) async throws -> [String] {
        guard opened < connections else { return [] }
        return [
            "server limit: max_connections = \(maxConnections), of which \(reservedConnections) reserved for superusers "
                + "(other sessions count too)"
        ]
    }
}
