import BenchCore
import IOLoop
import Postgres
import Synchronization

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
        /// The table is a hypertable (`timescaledb_information.hypertables`); false for a plain
        /// table, also one that existed in a database with the extension.
        var isHypertable = false
        /// `--compress` without TimescaleDB: nothing was created, and the run is refused.
        var compressionRefused = false
        /// `--compress` enabled compression on the hypertable this run created.
        var compressionEnabled = false
        /// The extension that owns `--schema` (or keeps its objects there): nothing was created,
        /// and the run is refused.
        var schemaExtension: String?
        /// `--phase run` found no benchmark table (`--phase prepare` creates it): the run is refused.
        var missing = false
    }

    let endpoint: PostgresEndpoint
    let schema: String
    /// Random hex id stored in every row's metadata.
    let runID: String
    /// `--time-spread`: how far back from the moment it is generated an inserted row's time may lie.
    let timeSpread: Duration
    /// `--chunk-interval`: the chunk interval of a hypertable this run creates (TimescaleDB's default
    /// when nil).
    let chunkInterval: Duration?
    /// When this run began and whether it wrote rows: every row it writes is timed within
    /// `timeSpread` (an hour for QUERY's seed) before it was generated, so its rows lie in
    /// `RunRows.window`, which every count and DELETE of them is bounded by (on a hypertable only the
    /// chunks of that window are read).
    let written: RunRows
    /// For a distributed run's cleanup (`--phase cleanup`, `--cleanup`): the rows of every shard of
    /// the run (`<run id>-<I>`) count as the run's too.
    let includesShards: Bool

    init(
        endpoint: PostgresEndpoint,
        schema: String,
        runID: String,
        timeSpread: Duration = .seconds(3600),
        chunkInterval: Duration? = nil,
        written: RunRows? = nil,
        includesShards: Bool = false
    ) {
        self.includesShards = includesShards
        self.endpoint = endpoint
        self.schema = schema
        self.runID = runID
        self.timeSpread = timeSpread
        self.chunkInterval = chunkInterval
        self.written = written ?? RunRows(reachingBack: max(timeSpread, .seconds(3600)))
    }
    var name: String { "\(schema).llm_usage_metrics" }
    /// Who a GRANT in a message names.
    var role: String { endpoint.user ?? "the benchmark role" }
    /// The condition on a row's run id, the id being parameter `parameter` (`$1`); with
    /// `includesShards` a shard's `<run id>-<digits>` too (a run id is hex: nothing in it is a
    /// pattern character).
    func runMatch(_ parameter: String = "$1") -> String {
        includesShards
            ? "(metadata->>'run_id' = \(parameter) OR metadata->>'run_id' ~ ('^' || \(parameter) || '-[0-9]+$'))"
            : "metadata->>'run_id' = \(parameter)"
    }

    /// `runMatch()` and the time window `$2`..`$3` (Unix seconds).
    var rowCondition: String {
        runMatch() + " AND time >= to_timestamp($2::double precision) AND time <= to_timestamp($3::double precision)"
    }

    /// Binary COPY of every column, as `MetricRow` encodes rows.
    var copyStatement: String { "COPY \(name) (\(MetricRow.columns)) FROM STDIN (FORMAT binary)" }

    func connect(on loop: IOLoop) async throws(PostgresError) -> PostgresConnection {
        try await PostgresConnection.connect(to: endpoint, on: loop)
    }

    /// Reads the server's settings and, with `createTable`, creates what is missing (schema, table,
    /// hypertable, five indexes); reports what it found and did.
    ///
    /// With `compress` (`--compress`), a hypertable it creates gets compression enabled; without
    /// TimescaleDB nothing is created and `compressionRefused` is set.
    ///
    /// Without `mayCreate` (`--phase run`) nothing is created: `missing` is set when the schema or
    /// table does not exist.
    ///
    /// With `heldForRun` (`--phase prepare`) what it creates is marked as that run's
    /// (`marker(heldFor:)`): the cleanup of another run, finding it empty between the phases, leaves it.
    func prepare(
        createTable: Bool,
        compress: Bool = false,
        mayCreate: Bool = true,
        heldForRun: Bool = false,
        on loop: IOLoop
    ) async throws(PostgresError) -> Preparation {
        let marker = heldForRun ? Self.marker(heldFor: runID) : Self.marker
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
        if compress && preparation.timescaleVersion == nil {
            preparation.compressionRefused = true
            return preparation
        }
        let schemaExists =
            !(try await connection.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]).isEmpty)
        if schemaExists {
            // A schema an extension owns (pg_depend) or installed its objects into (extnamespace)
            // is the extension's: TimescaleDB's timescaledb_information, say.
            preparation.schemaExtension =
                try await connection.query(
                    """
                    SELECT e.extname FROM pg_extension e JOIN pg_namespace n ON n.nspname = $1
                    WHERE e.extnamespace = n.oid OR EXISTS (SELECT 1 FROM pg_depend d
                        WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e'
                        AND d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid)
                    ORDER BY e.extname LIMIT 1
                    """,
                    [schema]
                ).first?.first ?? nil
            if preparation.schemaExtension != nil { return preparation }
        } else if !mayCreate {
            preparation.missing = true
            return preparation
        } else {
            try await explained(
                "CREATE SCHEMA \(schema)",
                grant: "GRANT CREATE ON DATABASE \(endpoint.database) TO \(role) "
                    + "(or create the schema and GRANT USAGE, CREATE ON SCHEMA \(schema) TO it; Docs/timescale.md)"
            ) { () async throws(PostgresError) in try await connection.query("CREATE SCHEMA \(schema)") }
            try await connection.query("COMMENT ON SCHEMA \(schema) IS '\(marker)'")
            preparation.createdSchema = true
        }
        let tableExists = try await connection.query("SELECT to_regclass($1)::text", [name]).first?.first ?? nil
        if tableExists == nil && !mayCreate {
            preparation.missing = true
            return preparation
        }
        if tableExists == nil {
            try await explained(
                "CREATE TABLE \(name)",
                grant: "GRANT USAGE, CREATE ON SCHEMA \(schema) TO \(role)"
            ) { () async throws(PostgresError) in
                try await connection.query(
                    """
                        CREATE TABLE \(name) (
                        time TIMESTAMPTZ NOT NULL, model_id VARCHAR(255) NOT NULL, provider VARCHAR(100) NOT NULL,
                        request_count INT, token_input INT, token_output INT, token_total INT, cost_usd NUMERIC(10,6),
                        avg_latency_ms NUMERIC(10,2), error_count INT, success_count INT, user_id VARCHAR(255),
                        application_id VARCHAR(255), environment VARCHAR(50), metadata JSONB)
                    """
                )
            }
            try await connection.query("COMMENT ON TABLE \(name) IS '\(marker)'")
            preparation.createdTable = true
            if preparation.timescaleVersion != nil {
                if let chunkInterval {
                    try await connection.query(
                        "SELECT create_hypertable($1, 'time', chunk_time_interval => $2::interval, if_not_exists => TRUE)",
                        [name, "\(chunkInterval.components.seconds) seconds"]
                    )
                } else {
                    try await connection.query("SELECT create_hypertable($1, 'time', if_not_exists => TRUE)", [name])
                }
                if compress {
                    try await connection.query(
                        "ALTER TABLE \(name) SET (timescaledb.compress, timescaledb.compress_segmentby = 'model_id', "
                            + "timescaledb.compress_orderby = 'time DESC')"
                    )
                    preparation.compressionEnabled = true
                }
            }
            for column in ["model_id", "provider", "user_id", "application_id", "environment"] {
                try await connection.query(
                    "CREATE INDEX IF NOT EXISTS llm_usage_metrics_\(column)_time_idx ON \(name) (\(column), time DESC)"
                )
            }
        }
        if preparation.timescaleVersion != nil { preparation.isHypertable = try await isHypertable(on: connection) }
        return preparation
    }

    /// TimescaleDB only: whether the table is a hypertable, whoever created it.
    func isHypertable(on connection: PostgresConnection) async throws(PostgresError) -> Bool {
        !(try await connection.query(
            """
            SELECT 1 FROM timescaledb_information.hypertables
            WHERE hypertable_schema = $1 AND hypertable_name = 'llm_usage_metrics'
            """,
            [schema]
        ).isEmpty)
    }

    /// Rows this run inserted (found by the run id in `metadata`).
    func countRunRows(on loop: IOLoop) async throws(PostgresError) -> Int {
        let connection = try await connect(on: loop)
        defer { connection.close() }
        let count =
            try await connection.query(
                "SELECT count(*) FROM \(name) WHERE \(rowCondition)",
                [runID] + written.window()
            ).first?.first ?? nil
        return count.flatMap { Int($0) } ?? 0
    }

    /// The comment on the schema and table dbbench creates: what lets a later run of dbbench drop
    /// them, and what no object of the user's carries.
    static let marker = "created by dbbench"

    /// The comment on what `--phase prepare` created for the shards of run `runID`: dbbench's, but
    /// dropped only by that run's cleanup.
    static func marker(heldFor runID: String) -> String { "\(marker) for run \(runID)" }

    /// Removes what this run added. The table (and its schema) is dropped when dbbench created it
    /// (by this run or an earlier one: `marker`), no other run of dbbench is connected to the
    /// database (`application_name`), and no other run's rows are in it: so of concurrent runs the
    /// last one to finish drops it, and kept data (`--keep-data`) stays. Otherwise only the rows
    /// carrying this run's id are deleted. Returns a line for the report.
    ///
    /// Without `mayDrop` (a shard of `--phase run`) the table stays for `--phase cleanup`.
    func cleanUp(
        _ preparation: Preparation,
        keepData: Bool,
        mayDrop: Bool = true,
        on loop: IOLoop
    ) async throws(PostgresError) -> String {
        guard preparation.usesTable else { return "nothing to clean up: no benchmark table was used" }
        if keepData {
            return "kept \(name) (--keep-data); rows of this run have metadata->>'run_id' = '\(runID)' "
                + "(dbbench timescale --cleanup \(runID) removes them)"
        }
        let connection = try await connect(on: loop)
        defer { connection.close() }
        let state =
            try await connection.query(
                """
                SELECT obj_description(to_regclass($1), 'pg_class'),
                       (SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $4) IN ($3, $6),
                       (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                          AND application_name LIKE 'dbbench %' AND application_name <> $2),
                       NOT EXISTS (SELECT 1 FROM \(name) WHERE NOT coalesce(\(runMatch("$5")), false))
                """,
                [name, "dbbench \(runID)", Self.marker, schema, runID, Self.marker(heldFor: runID)]
            ).first ?? []
        let row = state.count == 4 ? state : [nil, nil, nil, nil]
        // `--phase prepare` marks what it created as held for its run: only that run drops it.
        let isHeld = row[0] == Self.marker(heldFor: runID)
        let isDbbenchs = row[0] == Self.marker || isHeld
        let schemaIsDbbenchs = row[1] == "t"
        let otherRuns = Int(row[2] ?? "") ?? 0
        let onlyOurRows = row[3] == "t"
        // Kept for the other runs of dbbench connected now (they may be using it).
        let keptForOthers =
            "kept the table for the \(otherRuns) other connection(s) of dbbench using the database "
            + (isHeld
                ? "(dbbench timescale --phase cleanup --run-id \(runID) drops it once they are gone)"
                : "(the last run to finish drops it)")
        guard isDbbenchs && otherRuns == 0 && onlyOurRows && mayDrop else {
            guard written.any else {
                return isDbbenchs && otherRuns > 0 && onlyOurRows && mayDrop
                    ? "nothing to delete from \(name): no rows of this run; \(keptForOthers)"
                    : "nothing to delete from \(name): this run wrote no rows"
            }
            if preparation.isHypertable, let compressed = try await compressedChunks(on: connection) {
                return "left this run's rows in \(name) (metadata->>'run_id' = '\(runID)'): \(compressed) chunk(s) of "
                    + "the time they lie in are compressed, which deleting from would decompress"
            }
            try await explained(
                "DELETE FROM \(name) WHERE \(rowCondition)",
                grant: "GRANT DELETE ON \(name) TO \(role)"
            ) { () async throws(PostgresError) in
                try await connection.query(
                    "DELETE FROM \(name) WHERE \(rowCondition)",
                    [runID] + written.window()
                )
            }
            if !mayDrop {
                return "deleted this shard's rows from \(name); the table stays for --phase cleanup"
            }
            if isDbbenchs && otherRuns > 0 { return "deleted this run's rows from \(name); \(keptForOthers)" }
            return isDbbenchs
                ? "deleted this run's rows from \(name), which holds rows of other runs"
                : "deleted this run's rows from \(name), which existed before"
        }
        try await connection.query("DROP TABLE IF EXISTS \(name)")
        guard schemaIsDbbenchs else {
            return preparation.createdTable
                ? "dropped \(name), which this run created (schema \(schema) existed before)"
                : "dropped \(name), which an earlier run of dbbench created"
        }
        do {
            try await connection.query("DROP SCHEMA \(schema)")
        } catch {
            return "dropped \(name); left schema \(schema) in place because something else was created in it"
        }
        return preparation.createdSchema
            ? "dropped schema \(schema) and \(name), which this run created"
            : "dropped schema \(schema) and \(name), which an earlier run of dbbench created"
    }

    /// Runs `body`; a refused privilege (SQLSTATE 42501) is reported as the statement dbbench tried,
    /// the server's message, and the GRANT that would allow it.
    func explained(
        _ statement: String,
        grant: String,
        _ body: () async throws(PostgresError) -> Void
    ) async throws(PostgresError) {
        do {
            try await body()
        } catch .server(let error) where error.sqlState == "42501" {
            throw .server(
                PostgresServerError(
                    sqlState: error.sqlState,
                    message: "\(statement): \(error.message); an administrator can allow it with \(grant)"
                )
            )
        }
    }

    /// TimescaleDB only (a hypertable): how many compressed chunks of the table overlap the run's
    /// window; nil when none does.
    func compressedChunks(on connection: PostgresConnection) async throws(PostgresError) -> Int? {
        let window = written.window()
        let count =
            try await connection.query(
                """
                SELECT count(*) FROM timescaledb_information.chunks
                WHERE hypertable_schema = $1 AND hypertable_name = 'llm_usage_metrics' AND is_compressed
                  AND range_end > to_timestamp($2::double precision) AND range_start < to_timestamp($3::double precision)
                """,
                [schema, window[0], window[1]]
            ).first?.first ?? nil
        let chunks = count.flatMap { Int($0) } ?? 0
        return chunks > 0 ? chunks : nil
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

/// The rows of one run: the time they lie in, and whether it wrote any.
final class RunRows: Sendable {
    /// Unix seconds when the run's table was prepared.
    let startedAt: Double
    /// How far before `startedAt` its earliest row may lie, in seconds.
    let reach: Double
    /// For the rows of an earlier run (`--cleanup`): the times its rows were found between.
    private let found: (earliest: Double, latest: Double)?
    private let wrote = Atomic<Bool>(false)

    /// The rows of a run beginning now, timed at most `reachingBack` before they are written.
    init(reachingBack: Duration) {
        startedAt = Double(MetricRow.unixMicroseconds()) / 1e6
        reach = Double(reachingBack.components.seconds)
        found = nil
    }

    /// The rows of an earlier run, found between `earliest` and `latest` (Unix seconds).
    init(earliest: Double, latest: Double) {
        startedAt = earliest
        reach = 0
        found = (earliest, latest)
        wrote.store(true, ordering: .relaxed)
    }

    func mark() { wrote.store(true, ordering: .relaxed) }
    var any: Bool { wrote.load(ordering: .relaxed) }

    /// From `reach` (and a minute of clock slack) before the run began to a minute from now; for an
    /// earlier run's rows, from the earliest to the latest found.
    func window() -> [String] {
        // A second of slack each side: the bounds went through floating point.
        if let found { return [String(found.earliest - 1), String(found.latest + 1)] }
        return [String(startedAt - reach - 60), String(Double(MetricRow.unixMicroseconds()) / 1e6 + 60)]
    }
}
