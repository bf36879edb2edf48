import BenchCore
import IOLoop
import Postgres
import Synchronization

/// COMPRESS (TimescaleDB only, `--tests compress`): compresses the chunks of the benchmark hypertable
/// that hold the run's rows, one `compress_chunk` per chunk on one connection, and reports the rows
/// compressed per second and the table's size before and after. Only a hypertable this run created
/// with compression enabled (`--compress`) is compressed: never a user's chunks.
struct CompressWorkload: Workload {
    enum Operation: Int, OperationKind {
        case chunk

        var name: String { "chunk" }
    }

    enum Counter: Int, CounterKind {
        case rows

        var key: CounterKey { .rows }
    }

    let table: MetricsTable
    /// The uncompressed chunks found by setup, and the table's size then (bytes).
    let found = FoundChunks()

    var name: String { "COMPRESS" }
    var operations: [Operation] { [.chunk] }
    var counters: [Counter] { [.rows] }
    var connections: Int { 1 }
    /// One operation per chunk, whatever `--duration` or `--rate` say.
    var followsRunLimits: Bool { false }
    var totalOperations: Int { found.state.withLock { $0.chunks.count } }

    /// The chunks of the run's window not yet compressed, and the table's size before.
    func setup(on loop: IOLoop) async throws {
        let window = table.written.window()
        let schema = table.schema
        let name = table.name
        let (chunks, bytes) = try await failingRun { () async throws(PostgresError) in
            let connection = try await table.connect(on: loop)
            defer { connection.close() }
            let chunks = try await connection.query(
                """
                SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_information.chunks
                WHERE hypertable_schema = $1 AND hypertable_name = 'llm_usage_metrics' AND NOT is_compressed
                  AND range_end > to_timestamp($2::double precision) AND range_start < to_timestamp($3::double precision)
                ORDER BY range_start
                """,
                [schema, window[0], window[1]]
            ).compactMap { $0.first ?? nil }
            return (chunks, try await Self.totalBytes(of: name, on: connection))
        }
        found.state.withLock { $0 = (chunks, bytes) }
    }

    /// `hypertable_detailed_size`'s total: table, indexes and TOAST of every chunk.
    static func totalBytes(of table: String, on connection: PostgresConnection) async throws(PostgresError) -> Int {
        let total = try await connection.query("SELECT total_bytes FROM hypertable_detailed_size($1)", [table])
        return total.first?.first.flatMap { $0.flatMap { Int($0) } } ?? 0
    }

    func runConnection(_ context: ConnectionContext, recorder: Recorder<Self>) async throws {
        let connection = try await table.connect(on: context.loop)
        defer { connection.close() }
        let chunks = found.state.withLock { $0.chunks }
        await context.ready()
        var next = 0
        while next < chunks.count, await context.startOperation() {
            let chunk = chunks[next]
            next += 1
            // Counted first, unmeasured: the rows the compression is about to rewrite.
            let rows = Int((try await connection.query("SELECT count(*) FROM \(chunk)").first?.first ?? nil) ?? "") ?? 0
            let started = monotonicNanoseconds()
            do {
                _ = try await connection.query("SELECT compress_chunk($1::regclass, true)", [chunk])
                recorder.recordSuccess(.chunk, nanoseconds: monotonicNanoseconds() &- started)
                recorder.add(.rows, rows)
            } catch {
                if case .server(let server) = error {
                    recorder.record(server, of: .chunk)
                } else {
                    recorder.recordFailure(.chunk, kind: error.kind)
                    return
                }
            }
        }
    }

    /// Rows compressed per second, and the sizes before and after.
    func notes(for result: WorkloadResult, on loop: IOLoop) async throws -> [String] {
        let before = found.state.withLock { $0.bytesBefore }
        let name = table.name
        let (after, stats) = try await failingRun { () async throws(PostgresError) in
            let connection = try await table.connect(on: loop)
            defer { connection.close() }
            let stats =
                try await connection.query(
                    """
                    SELECT number_compressed_chunks, before_compression_total_bytes, after_compression_total_bytes
                    FROM hypertable_compression_stats($1)
                    """,
                    [name]
                ).first ?? []
            return (try await Self.totalBytes(of: name, on: connection), stats.map { Int($0 ?? "") ?? 0 })
        }
        var notes = [
            "\(Format.grouped(result.counter(.rows) ?? 0)) rows in \(Format.grouped(result.total.succeeded)) chunks "
                + "compressed: \(Format.grouped(Int((result.rate(of: .rows) ?? 0).rounded()))) rows/s; \(name) "
                + "\(Self.megabytes(before)) before, \(Self.megabytes(after)) after (hypertable_detailed_size)"
        ]
        if stats.count == 3, stats[2] > 0 {
            notes.append(
                "\(stats[0]) compressed chunks: \(Self.megabytes(stats[1])) before compression, \(Self.megabytes(stats[2])) "
                    + "after (\(Format.fixed(Double(stats[1]) / Double(stats[2]), 1))× smaller; hypertable_compression_stats)"
            )
        }
        return notes
    }

    static func megabytes(_ bytes: Int) -> String { Format.fixed(Double(bytes) / 1_048_576, 1) + " MB" }
}

/// What COMPRESS's setup found, for its connection and notes.
final class FoundChunks: Sendable {
    let state = Mutex<(chunks: [String], bytesBefore: Int)>(([], 0))
}
