import BenchCore
import IOLoop
import Postgres
import Synchronization

/// Each connection inserts its rows in batches of `--batch-size`: one binary COPY or one prepared
/// multi-row INSERT per batch. An operation is a batch (its latency, ops/s, progress); the rows are
/// a counter, shown as rows/s, and the rows in the table afterwards are counted and compared with
/// the rows reported.
struct InsertWorkload: Workload {
    enum Operation: Int, OperationKind {
        case batch

        var name: String { "batch" }
    }

    enum Counter: Int, CounterKind {
        case rows

        var key: CounterKey { .rows }
    }

    /// The old script's verdict: ≥100k rows/s EXCELLENT, ≥50k GOOD.
    static let rating = RatingThresholds(excellent: 100_000, good: 50_000, higherIsBetter: true)

    let table: MetricsTable
    let connections: Int
    let rowsPerConnection: Int
    let batchSize: Int
    /// The rows of this run the table held after the previous repetition (`--repeat`), which this
    /// one's count is checked without.
    let foundBefore = RowTally()
    let method: InsertMethod
    var name: String { "INSERT" }
    var operations: [Operation] { [.batch] }
    var counters: [Counter] { [.rows] }
    /// Batches: every connection writes `rowsPerConnection` rows, the last batch the remainder.
    var totalOperations: Int { connections * batchesPerConnection }
    var batchesPerConnection: Int { (rowsPerConnection + batchSize - 1) / batchSize }

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

    func runConnection(_ context: ConnectionContext, recorder: Recorder<Self>) async throws {
        try await insertRows(context, recorder: recorder, batch: .batch, rows: .rows)
    }

    /// One connection's rows, each batch recorded as `batch` and its rows counted as `rows` of the
    /// workload `W` (INSERT, or MIXED's inserting connections).
    func insertRows<W: Workload>(
        _ context: ConnectionContext,
        recorder: Recorder<W>,
        batch: W.Operation,
        rows rowsCounter: W.Counter
    ) async throws {
        // A timed run (`--duration`) writes full batches until its deadline.
        let rowsToWrite = context.runsUntilDeadline ? Int.max : rowsPerConnection
        let fullBatch = min(batchSize, rowsToWrite)
        let lastBatch = context.runsUntilDeadline ? 0 : rowsToWrite % fullBatch
        var connection = try await open(on: context.loop, fullBatch: fullBatch, lastBatch: lastBatch)
        defer { connection.close() }
        /// After the connection was lost: a new one, or false when the connection task ends.
        func replaceConnection(_ connection: inout PostgresConnection) async -> Bool {
            await context.replace(
                &connection,
                closing: { $0.close() },
                with: { try await open(on: context.loop, fullBatch: fullBatch, lastBatch: lastBatch) }
            )
        }
        let generator = MetricRow(runID: table.runID, spread: table.timeSpread)
        var random = context.makeRandom(salt: 0x1A5E_47)
        // COPY streams each batch in pieces of about 4 KB; INSERT needs the whole batch as parameters.
        var rows =
            method == .copy
            ? BinaryRows(capacity: Self.copyPiece + 1024, tracksFields: false)
            : BinaryRows(capacity: fullBatch * 256 + 64)
        await context.ready()
        table.written.mark()

        var remaining = rowsToWrite
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
                recorder.recordFailure(batch, kind: error.kind)
                guard await replaceConnection(&connection) else { return }
                continue
            }
            switch outcome {
            case .ok(let inserted):
                recorder.recordSuccess(
                    batch,
                    nanoseconds: monotonicNanoseconds() &- started,
                    queued: context.queued(sentAt: started)
                )
                recorder.add(rowsCounter, inserted)
            case .failed(let error):
                recorder.record(error, of: batch)
                if connection.isBroken, await !replaceConnection(&connection) { return }
            }
        }
    }

    /// A connection with the INSERT statements prepared (`fullBatch` rows, and `lastBatch` rows
    /// when the last batch is shorter).
    private func open(
        on loop: IOLoop,
        fullBatch: Int,
        lastBatch: Int
    ) async throws(PostgresError)
        -> PostgresConnection
    {
        let connection = try await table.connect(on: loop)
        if method == .insert {
            try await connection.prepare("insert_batch", insertStatement(rows: fullBatch))
            if lastBatch > 0 { try await connection.prepare("insert_rest", insertStatement(rows: lastBatch)) }
        }
        return connection
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

    /// Rows inserted per second of wall time.
    static func rowsPerSecond(_ result: WorkloadResult) -> Double { result.rate(of: .rows) ?? 0 }

    /// Rows per second, rated; nothing for an open-loop run, which inserts at the `--rate` asked for.
    func assess(_ result: WorkloadResult) -> [Assessment] {
        guard result.rate == nil else { return [] }
        let rate = Self.rowsPerSecond(result)
        return [
            Assessment(
                metric: "INSERT throughput",
                value: "\(Format.grouped(Int(rate.rounded()))) rows/s",
                rating: Self.rating.rate(rate)
            )
        ]
    }

    /// Whether the rows found in the table are the rows the server acknowledged. A batch whose
    /// reply was lost with its connection (a restart, a failover) may still have been committed,
    /// so up to `inDoubt` rows more are no mismatch; fewer rows than acknowledged always are.
    static func tableVerdict(found: Int, acknowledged: Int, inDoubt: Int) -> String {
        if found == acknowledged { return "matches" }
        if found > acknowledged && found - acknowledged <= inDoubt {
            return "matches; \(Format.grouped(found - acknowledged)) more from failed batches whose reply was lost: "
                + "the server committed them"
        }
        if found < acknowledged {
            return "MISMATCH: \(Format.grouped(acknowledged - found)) acknowledged rows missing"
        }
        return "MISMATCH: \(Format.grouped(found - acknowledged)) rows more than inserted"
    }

    /// The rows reported, and the rows found in the table with this run's id.
    func notes(for result: WorkloadResult, on loop: IOLoop) async throws -> [String] {
        let reported = result.counter(.rows) ?? 0
        let warmup = result.warmupCounter(.rows)
        let total = try await failingRun { () async throws(PostgresError) in try await table.countRunRows(on: loop) }
        let found = total - foundBefore.count.withLock { $0 }
        foundBefore.count.withLock { $0 = total }
        var verdict = Self.tableVerdict(
            found: found,
            acknowledged: reported + warmup,
            inDoubt: result.total.failed * batchSize
        )
        if warmup > 0 { verdict += "; \(Format.grouped(warmup)) of them inserted during the warm-up" }
        return [
            "\(Format.grouped(reported)) rows inserted by \(method == .copy ? "binary COPY" : "multi-row INSERT") in batches of "
                + "\(batchSize): \(Format.grouped(Int(Self.rowsPerSecond(result).rounded()))) rows/s",
            "\(Format.grouped(found)) rows of this run\(total > found ? "'s repetition" : "") found in \(table.name) "
                + "(\(verdict))",
        ]
    }
}

/// A count shared by the repetitions of one workload.
final class RowTally: Sendable {
    let count = Mutex(0)
}
