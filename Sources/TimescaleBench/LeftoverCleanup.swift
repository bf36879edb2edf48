import BenchCore
import IOLoop
import Postgres

/// `dbbench timescale --cleanup RUN-ID` (and `--phase cleanup`): removes what an earlier run left in
/// the benchmark table (after a failed cleanup, a kill, `--keep-data`, the shards of a distributed
/// run), with the bounds a run's own cleanup has: only rows carrying that run id (or a shard's
/// `<run id>-<I>`), only in the time its rows lie in, nothing when it has no rows, and
/// nothing from compressed chunks (which deleting would decompress). The table and its schema are
/// dropped as after a run: when dbbench created them and nothing else is in them.
struct LeftoverCleanup {
    let table: MetricsTable
    let database: String

    /// The lines for stdout.
    func run(on loop: IOLoop) async throws(PostgresError) -> [String] {
        let connection = try await table.connect(on: loop)
        defer { connection.close() }
        guard try await connection.query("SELECT to_regclass($1)::text", [table.name]).first?.first ?? nil != nil else {
            return ["nothing to clean up: \(table.name) does not exist in \(database)"]
        }
        // Unbounded by time, the only read that is: the run's rows are what says where they lie.
        let found =
            try await connection.query(
                """
                SELECT count(*), extract(epoch FROM min(time))::text, extract(epoch FROM max(time))::text
                FROM \(table.name) WHERE \(table.runMatch())
                """,
                [table.runID]
            ).first ?? []
        guard found.count == 3, let count = found[0].flatMap({ Int($0) }), count > 0,
            let earliest = found[1].flatMap({ Double($0) }), let latest = found[2].flatMap({ Double($0) })
        else {
            // The shards of a distributed run delete their own rows; the table --phase prepare
            // created is dropped when dbbench's and empty (and no other run of dbbench is connected).
            let nothing = "nothing to clean up: no rows of run \(table.runID) in \(table.name)"
            var preparation = MetricsTable.Preparation()
            preparation.usesTable = true
            let note = try await table.cleanUp(preparation, keepData: false, on: loop)
            return note.hasPrefix("dropped") || note.contains("kept the table")
                ? [nothing, "cleanup: \(note)"] : [nothing]
        }
        var preparation = MetricsTable.Preparation()
        preparation.usesTable = true
        let timescale =
            try await connection.query("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")
            .first?.first ?? nil
        if timescale != nil { preparation.isHypertable = try await table.isHypertable(on: connection) }
        let rows = MetricsTable(
            endpoint: table.endpoint,
            schema: table.schema,
            runID: table.runID,
            written: RunRows(earliest: earliest, latest: latest),
            includesShards: table.includesShards
        )
        let note = try await rows.cleanUp(preparation, keepData: false, on: loop)
        return [
            "run \(table.runID): \(Format.grouped(count)) rows in \(table.name), timed "
                + "\(Format.utcTimestamp(earliest)) to \(Format.utcTimestamp(latest))",
            "cleanup: \(note)",
        ]
    }
}
