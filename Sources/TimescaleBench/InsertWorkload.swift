import BenchCore
import IOLoop
import Postgres

/// Each connection inserts its rows in batches of `--batch-size`: one binary COPY or one prepared
/// multi-row INSERT per batch. Latency is per batch; throughput is rows over wall time, and the rows
/// in the table afterwards are counted and compared with the rows reported.
struct InsertWorkload: Workload {
    static let rowsCounter = 0

    let table: MetricsTable
    let connections: Int
    let rowsPerConnection: Int
    let batchSize: Int
    let method: InsertMethod
    var name: String { "INSERT" }
    var operationNames: [String] { ["batch"] }
    var counterNames: [String] { ["rows"] }
    var totalOperations: Int { connections * rowsPerConnection }

    /// `INSERT INTO t (...) VALUES ($1, ..., $15), ($16, ...)` for `rows` rows.
    func insertStatement(rows: Int) -> String {
        var values: [String] = []
        values.reserveCapacity(rows)
        for row in 0..<rows {
            let first = row * MetricRow.columnCount
            values.append("(" + (1...MetricRow.columnCount).map { "$\(first + $0)" }.joined(separator: ", ") + ")")
        }
        return "INSERT INTO \(table.name) (\(MetricRow.columns)) VALUES " + values.joined(separator: ", ")
    }

    func runConnection(_ context: ConnectionContext) async throws {
        let connection = try await table.connect(on: context.loop)
        defer { connection.close() }
        let fullBatch = min(batchSize, max(1, context.operations))
        let lastBatch = context.operations % fullBatch
        if method == .insert {
            try await connection.prepare("insert_batch", insertStatement(rows: fullBatch))
            if lastBatch > 0 { try await connection.prepare("insert_rest", insertStatement(rows: lastBatch)) }
        }
        let generator = MetricRow(runID: table.runID)
        var random = context.makeRandom(salt: 0x1A5E_47)
        // COPY streams each batch in pieces of about 4 KB; INSERT needs the whole batch as parameters.
        var rows =
            method == .copy
            ? BinaryRows(capacity: Self.copyPiece + 1024, tracksFields: false)
            : BinaryRows(capacity: fullBatch * 256 + 64)
        let recorder = context.recorder
        await context.ready()

        // `context.operations` counts rows; `startOperation` is asked once per batch (the open-loop
        // schedule is in batches), so `remaining` is what ends the loop.
        var remaining = context.operations
        while remaining > 0, await context.startOperation() {
            let count = min(fullBatch, remaining)
            remaining -= count
            if method == .insert {
                rows.removeAll()
                generator.append(count, to: &rows, random: &random)
            }
            // For COPY the rows are generated while they are sent, so the batch's time includes that.
            let started = monotonicNanoseconds()
            let outcome: PostgresOutcome
            do {
                if method == .copy {
                    outcome = try await copy(
                        count,
                        over: connection,
                        rows: &rows,
                        generator: generator,
                        random: &random
                    )
                } else {
                    outcome = try await connection.executePrepared(
                        count == fullBatch ? "insert_batch" : "insert_rest",
                        binaryRows: rows
                    )
                }
            } catch {
                recorder.recordFailure(0, kind: error.kind, work: count)
                return
            }
            switch outcome {
            case .ok(let inserted):
                recorder.recordSuccess(
                    0,
                    nanoseconds: monotonicNanoseconds() &- started,
                    queued: context.queued(sentAt: started),
                    work: count
                )
                recorder.add(counter: Self.rowsCounter, inserted)
            case .failed(let error):
                recorder.recordFailure(0, kind: "\(error.sqlState) \(error.message)", work: count)
            }
        }
    }

    /// COPY data is handed to libpq in pieces of about this many bytes.
    static let copyPiece = 4096

    /// One batch as one COPY, generated and sent piece by piece.
    private func copy(
        _ count: Int,
        over connection: PostgresConnection,
        rows: inout BinaryRows,
        generator: MetricRow,
        random: inout FastRandom
    ) async throws(PostgresError) -> PostgresOutcome {
        if let refused = try await connection.beginCopy(table.copyStatement) { return refused }
        rows.removeAll()
        rows.beginCopy()
        for _ in 0..<count {
            generator.append(1, to: &rows, random: &random)
            if rows.bytes.count >= Self.copyPiece {
                try await connection.putCopyData(rows.bytes)
                rows.removeBytes()
            }
        }
        rows.endCopy()
        try await connection.putCopyData(rows.bytes)
        return try await connection.endCopy()
    }

    /// Rows per second, and the rows found in the table with this run's id.
    static func rowsPerSecond(_ result: WorkloadResult) -> Double {
        result.wallSeconds > 0 ? Double(result.counters["rows"] ?? 0) / result.wallSeconds : 0
    }

    func notes(for result: WorkloadResult, on loop: IOLoop) async throws -> [String] {
        let reported = result.counters["rows"] ?? 0
        let warmup = result.warmupCounters["rows"] ?? 0
        let found = try await failingRun { () async throws(PostgresError) in try await table.countRunRows(on: loop) }
        let expected = reported + warmup
        var verdict = found == expected ? "matches" : "MISMATCH: \(Format.grouped(found - expected)) rows differ"
        if warmup > 0 { verdict += "; \(Format.grouped(warmup)) of them inserted during the warm-up" }
        return [
            "\(Format.grouped(reported)) rows inserted by \(method == .copy ? "binary COPY" : "multi-row INSERT") in batches of "
                + "\(batchSize): \(Format.grouped(Int(Self.rowsPerSecond(result).rounded()))) rows/s",
            "\(Format.grouped(found)) rows of this run found in \(table.name) (\(verdict))",
        ]
    }
}
