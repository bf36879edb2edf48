import BenchCore
import IOLoop
import Postgres

/// Where the benchmark connects and what it may touch: the endpoint, the schema and table, this
/// run's id, and which of those objects this run created (teardown drops exactly those).
struct MetricsTable: Sendable {
    /// What `prepare` found and did.
    struct Preparation: Sendable {
        var serverVersion = ""
        /// `extversion` of timescaledb when it is installed in the database.
        var timescaleVersion: String?
        /// True when timescaledb can be installed but is not (a notice says how).
        var timescaleAvailable = false
        /// False when only `--tests sql`/`connections` ran: the table was neither created nor used.
        var usesTable = false
        var createdSchema = false
        var createdTable = false
        var maxConnections = 0
        var reservedConnections = 0
    }

    let endpoint: PostgresEndpoint
    let schema: String
    /// Random hex id stored in every row's metadata.
    let runID: String
    var name: String { "\(schema).llm_usage_metrics" }
    /// Binary COPY of every column, as `MetricRow` encodes rows.
    var copyStatement: String { "COPY \(name) (\(MetricRow.columns)) FROM STDIN (FORMAT binary)" }

    func connect(on loop: IOLoop) async throws(PostgresError) -> PostgresConnection {
        try await PostgresConnection.connect(to: endpoint, on: loop)
    }

    /// Reads the server's settings and, with `createTable`, creates what is missing (schema, table,
    /// hypertable, five indexes); reports what it found and did.
    func prepare(createTable: Bool, on loop: IOLoop) async throws(PostgresError) -> Preparation {
        let connection = try await connect(on: loop)
        defer { connection.close() }
        var preparation = Preparation()
        preparation.serverVersion = try await connection.setting("server_version")
        preparation.maxConnections = Int(try await connection.setting("max_connections")) ?? 0
        preparation.reservedConnections = Int(try await connection.setting("superuser_reserved_connections")) ?? 0
        preparation.timescaleVersion =
            try await connection.query(
                "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"
            ).first?.first ?? nil
        if preparation.timescaleVersion == nil {
            preparation.timescaleAvailable =
                !(try await connection.query(
                    "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'"
                ).isEmpty)
        }
        guard createTable else { return preparation }
        preparation.usesTable = true
        let schemaExists =
            !(try await connection.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]).isEmpty)
        if !schemaExists {
            try await connection.query("CREATE SCHEMA \(schema)")
            preparation.createdSchema = true
        }
        let tableExists = try await connection.query("SELECT to_regclass($1)::text", [name]).first?.first ?? nil
        if tableExists == nil {
            try await connection.query(
                """
                CREATE TABLE \(name) (
                    time TIMESTAMPTZ NOT NULL, model_id VARCHAR(255) NOT NULL, provider VARCHAR(100) NOT NULL,
                    request_count INT, token_input INT, token_output INT, token_total INT, cost_usd NUMERIC(10,6),
                    avg_latency_ms NUMERIC(10,2), error_count INT, success_count INT, user_id VARCHAR(255),
                    application_id VARCHAR(255), environment VARCHAR(50), metadata JSONB)
                """
            )
            preparation.createdTable = true
            if preparation.timescaleVersion != nil {
                try await connection.query("SELECT create_hypertable($1, 'time', if_not_exists => TRUE)", [name])
            }
            for column in ["model_id", "provider", "user_id", "application_id", "environment"] {
                try await connection.query(
                    "CREATE INDEX IF NOT EXISTS llm_usage_metrics_\(column)_time_idx ON \(name) (\(column), time DESC)"
                )
            }
        }
        return preparation
    }

    /// Rows this run inserted (found by the run id in `metadata`).
    func countRunRows(on loop: IOLoop) async throws(PostgresError) -> Int {
        let connection = try await connect(on: loop)
        defer { connection.close() }
        let count =
            try await connection.query(
                "SELECT count(*) FROM \(name) WHERE metadata->>'run_id' = $1",
                [runID]
            ).first?.first ?? nil
        return count.flatMap { Int($0) } ?? 0
    }

    /// Removes what this run created: the table and schema when it created them, otherwise only
    /// the rows carrying its run id. Returns a line for the report.
    func cleanUp(_ preparation: Preparation, keepData: Bool, on loop: IOLoop) async throws(PostgresError) -> String {
        guard preparation.usesTable else { return "nothing to clean up: no benchmark table was used" }
        if keepData {
            return "kept \(name) (--keep-data); rows of this run have metadata->>'run_id' = '\(runID)'"
        }
        let connection = try await connect(on: loop)
        defer { connection.close() }
        if preparation.createdTable {
            try await connection.query("DROP TABLE IF EXISTS \(name)")
        } else {
            try await connection.query("DELETE FROM \(name) WHERE metadata->>'run_id' = $1", [runID])
        }
        if preparation.createdSchema {
            do {
                try await connection.query("DROP SCHEMA \(schema)")
            } catch {
                return
                    "dropped \(name); left schema \(schema) in place because something else was created in it during the run"
            }
            return "dropped schema \(schema) and \(name), which this run created"
        }
        return preparation.createdTable
            ? "dropped \(name), which this run created (schema \(schema) existed before)"
            : "deleted this run's rows from \(name), which existed before"
    }
}

/// A PostgreSQL failure that ends the run; `kind` decides the exit code.
public struct TimescaleBenchError: CommandFailure {
    public let underlying: PostgresError

    public init(_ error: PostgresError) { underlying = error }

    public var description: String { underlying.description }

    public var kind: FailureKind {
        switch underlying {
        case .authentication: return .permissionDenied
        case .server(let error) where error.sqlState.hasPrefix("28") || error.sqlState == "42501":
            return .permissionDenied
        case .connect, .connectionLost, .timedOut, .server: return .unavailable
        case .unexpected: return .internalError
        }
    }
}

extension PostgresError: ErrorKindLabelled {}

/// Runs `body` and turns a `PostgresError` into the error that ends the run with its exit code.
func failingRun<T>(_ body: () async throws(PostgresError) -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        throw TimescaleBenchError(error)
    }
}
