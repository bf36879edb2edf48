import BenchCore
import IOLoop
import Postgres
import Synchronization

/// MIXED: inserts and queries at the same time on separate connections, as a live analytics system
/// runs them: the first connections insert (as INSERT does), the last `--query-connections` run
/// QUERY's queries against the table being written. It reports the insert rate and the latency of
/// each query while ingesting; with counts, the queries stop when the last inserting connection is
/// done, so that every query measured ran beside the inserts.
struct MixedWorkload: Workload {
    /// Slot 0 is an insert batch; slot i + 1 is query i of `query.queries`.
    struct Operation: OperationKind {
        let slot: Int
        let name: String
    }

    enum Counter: Int, CounterKind {
        /// Rows inserted (the rate shown as rows/s).
        case rows
        /// Rows the queries returned.
        case returned

        var key: CounterKey { self == .rows ? .rows : .rowsReturned }
    }

    let insert: InsertWorkload
    let query: QueryWorkload
    /// True when the counts end the run (no `--duration`): the queries then end with the inserts.
    let countsOperations: Bool
    /// Inserting connections still at work.
    let inserting = InsertingConnections()

    var name: String { "MIXED" }
    var connections: Int { insert.connections + query.connections }
    var operations: [Operation] {
        [Operation(slot: 0, name: "insert batch")]
            + query.operations.map { Operation(slot: $0.slot + 1, name: $0.name) }
    }
    var counters: [Counter] { [.rows, .returned] }
    var totalOperations: Int { insert.totalOperations + query.totalOperations }
    /// Batches on the inserting connections, the queries split over the others.
    var operationShares: [Int]? {
        Array(repeating: insert.batchesPerConnection, count: insert.connections)
            + BenchmarkRunner.split(query.totalOperations, over: query.connections)
    }

    /// Seeds recent rows when the table has few (as QUERY does), and arms the inserting count.
    func setup(on loop: IOLoop) async throws {
        try await query.setup(on: loop)
        inserting.count.store(insert.connections, ordering: .relaxed)
    }

    func runConnection(_ context: ConnectionContext, recorder: Recorder<Self>) async throws {
        let kinds = operations
        guard context.index >= insert.connections else {
            defer { inserting.count.subtract(1, ordering: .relaxed) }
            try await insert.insertRows(context, recorder: recorder, batch: kinds[0], rows: .rows)
            return
        }
        let runsUntilDeadline = context.runsUntilDeadline
        try await query.runQueries(
            context,
            recorder: recorder,
            kinds: Array(kinds.dropFirst()),
            rows: .returned,
            while: { runsUntilDeadline || inserting.count.load(ordering: .relaxed) > 0 }
        )
    }

    /// The queries' latencies together, without the insert batches.
    static func queryLatency(_ result: WorkloadResult) -> (count: Int, latency: LatencySummary) {
        let histogram = LatencyHistogram.sum(result.operations.filter { $0.slot > 0 }.map(\.histogram))
        return (Int(histogram.totalCount), LatencySummary(histogram))
    }

    /// INSERT's rating of the rows/s and QUERY's of the queries' P95.
    func assess(_ result: WorkloadResult) -> [Assessment] {
        var assessments = insert.assess(result).map {
            Assessment(metric: "MIXED insert throughput", value: $0.value, rating: $0.rating)
        }
        let queries = Self.queryLatency(result)
        let p95 = Double(queries.latency.p95) / 1000
        assessments.append(
            Assessment(
                metric: "MIXED query latency P95",
                value: queries.count == 0 ? "-" : "\(Format.fixed(p95, 1)) ms",
                rating: queries.count == 0 ? .noData : QueryWorkload.p95Rating.rate(p95)
            )
        )
        return assessments
    }

    /// The rows inserted and found in the table (as INSERT checks them), and the queries' figures.
    func notes(for result: WorkloadResult, on loop: IOLoop) async throws -> [String] {
        let reported = result.counter(.rows) ?? 0
        let warmup = result.warmupCounter(.rows)
        let seeded = query.seeded.count.withLock { $0 }
        let total = try await failingRun { () async throws(PostgresError) in
            try await insert.table.countRunRows(on: loop)
        }
        let before = insert.foundBefore.count.withLock { $0 }
        insert.foundBefore.count.withLock { $0 = total }
        let found = total - max(before, seeded)
        let batches = result.operations.first { $0.slot == 0 }
        let verdict = InsertWorkload.tableVerdict(
            found: found,
            acknowledged: reported + warmup,
            inDoubt: (batches?.failed ?? 0) * insert.batchSize
        )
        let queries = Self.queryLatency(result)
        var notes = [
            "\(Format.grouped(reported)) rows inserted on \(insert.connections) connections while "
                + "\(Format.grouped(queries.count)) queries ran on \(query.connections): "
                + "\(Format.grouped(Int(InsertWorkload.rowsPerSecond(result).rounded()))) rows/s; query p50 "
                + "\(Format.milliseconds(queries.latency.p50)) · p95 \(Format.milliseconds(queries.latency.p95)) · p99 "
                + "\(Format.milliseconds(queries.latency.p99)) ms",
            "\(Format.grouped(found)) rows of this run inserted found in \(insert.table.name) (\(verdict))",
        ]
        if seeded > 0 {
            notes.append(
                "the table had fewer than \(Format.grouped(QueryWorkload.minimumRecentRows)) rows in the last hour, so "
                    + "\(Format.grouped(seeded)) rows of this run were inserted first (not measured, not counted "
                    + "above; removed with the run's rows)"
            )
        }
        let queriesRun = result.operations.filter { $0.slot > 0 }.reduce(0) { $0 + $1.attempted }
        if countsOperations, !result.interrupted, queriesRun < query.totalOperations {
            notes.append(
                "the inserts ended after \(Format.grouped(queries.count)) of the \(Format.grouped(query.totalOperations)) "
                    + "queries of --num-queries; the queries stopped with them"
            )
        }
        return notes
    }
}

/// MIXED's inserting connections still at work, shared by its connections.
final class InsertingConnections: Sendable {
    let count = Atomic<Int>(0)
}
