import BenchCore
import IOLoop
import Postgres

/// Runs `--num-queries` prepared statements over the connections, each one drawn at random from
/// `queries` with freshly drawn parameters; latency per query, queries per second over wall time.
/// QUERY runs the analytics queries on the benchmark table; SQL runs the statement of `--sql`.
struct QueryWorkload: Workload {
    /// One of the prepared statements, by its position in `queries`.
    struct Operation: OperationKind {
        let slot: Int
        let name: String
    }

    enum Counter: Int, CounterKind {
        case rows

        var key: CounterKey { .rows }
    }

    /// The old script's verdict on the query P95: below 100 ms EXCELLENT, below 200 ms GOOD.
    static let p95Rating = RatingThresholds(excellent: 100, good: 200, higherIsBetter: false)
    /// With fewer rows than this in the last hour, setup first inserts `seedRows` (unmeasured).
    static let minimumRecentRows = 10_000
    static let seedRows = 100_000

    let name: String
    let endpoint: PostgresEndpoint
    let connections: Int
    let totalOperations: Int
    let queries: [BenchQuery]
    /// The benchmark table to fill with recent rows first, for QUERY; `nil` for SQL.
    let seeding: MetricsTable?
    /// How many rows setup seeded (0 when the table had enough recent rows), for the notes.
    let seeded = RowTally()
    var operations: [Operation] { queries.enumerated().map { Operation(slot: $0.offset, name: $0.element.name) } }
    var counters: [Counter] { [.rows] }

    /// Makes sure the last hour of the benchmark table holds data to aggregate.
    func setup(on loop: IOLoop) async throws {
        guard let table = seeding else { return }
        try await failingRun { () async throws(PostgresError) in
            let connection = try await table.connect(on: loop)
            defer { connection.close() }
            let recent =
                try await connection.query(
                    "SELECT count(*) FROM \(table.name) WHERE time > now() - interval '1 hour'"
                ).first?.first ?? nil
            guard (recent.flatMap { Int($0) } ?? 0) < Self.minimumRecentRows else { return }
            let generator = MetricRow(runID: table.runID)
            table.written.mark()
            var random = FastRandom(seed: 0x5EED)
            var rows = BinaryRows(capacity: 5_000 * 200)
            for _ in 0..<(Self.seedRows / 5_000) {
                rows.removeAll()
                rows.beginCopy()
                generator.append(5_000, to: &rows, random: &random)
                rows.endCopy()
                if case .failed(let error) = try await connection.copyIn(table.copyStatement, data: rows.bytes) {
                    throw .server(error)
                }
            }
            try await connection.query("ANALYZE \(table.name)")
            seeded.count.withLock { $0 = Self.seedRows }
        }
    }

    func runConnection(_ context: ConnectionContext, recorder: Recorder<Self>) async throws {
        try await runQueries(context, recorder: recorder, kinds: operations, rows: .rows)
    }

    /// One connection's queries, query i recorded as `kinds[i]` and its rows counted as `rows` of
    /// the workload `W` (QUERY and SQL, or MIXED's querying connections), while `keepGoing` says so.
    func runQueries<W: Workload>(
        _ context: ConnectionContext,
        recorder: Recorder<W>,
        kinds: [W.Operation],
        rows rowsCounter: W.Counter,
        while keepGoing: () -> Bool = { true }
    ) async throws {
        var connection = try await open(on: context.loop)
        defer { connection.close() }
        /// After the connection was lost: a new one, or false when the connection task ends.
        func replaceConnection(_ connection: inout PostgresConnection) async -> Bool {
            await context.replace(&connection, closing: { $0.close() }, with: { try await open(on: context.loop) })
        }
        let names = queries.indices.map { "q\($0)" }
        var random = context.makeRandom(salt: 0x0E41)
        var parameters = TextParameters()
        await context.ready()

        while keepGoing(), await context.startOperation() {
            let index = queries.count == 1 ? 0 : random.below(queries.count)
            parameters.removeAll()
            for parameter in queries[index].parameters {
                switch parameter {
                case .oneOf(let values): parameters.append(values[random.below(values.count)])
                case .integer(let range): parameters.append(random.within(range))
                }
            }
            let started = monotonicNanoseconds()
            let outcome: PostgresOutcome
            do {
                outcome = try await connection.executePrepared(names[index], parameters: parameters)
            } catch {
                recorder.recordFailure(kinds[index], kind: error.kind)
                guard await replaceConnection(&connection) else { return }
                continue
            }
            switch outcome {
            case .ok(let rows):
                recorder.recordSuccess(
                    kinds[index],
                    nanoseconds: monotonicNanoseconds() &- started,
                    queued: context.queued(sentAt: started)
                )
                recorder.add(rowsCounter, rows)
            case .failed(let error):
                recorder.record(error, of: kinds[index])
                if connection.isBroken, await !replaceConnection(&connection) { return }
            }
        }
    }

    /// A connection with every query prepared, as `q0`, `q1`, ...
    private func open(on loop: IOLoop) async throws(PostgresError) -> PostgresConnection {
        let connection = try await PostgresConnection.connect(to: endpoint, on: loop)
        for (index, query) in queries.enumerated() {
            try await connection.prepare("q\(index)", query.sql)
        }
        return connection
    }

    /// The P95, rated; NO DATA when no query succeeded (the P95 of no reply is no latency).
    func assess(_ result: WorkloadResult) -> [Assessment] {
        guard result.total.succeeded > 0 else {
            return [Assessment(metric: "\(name) latency P95", value: "-", rating: .noData)]
        }
        let p95 = Double(result.total.latency.p95) / 1000
        return [
            Assessment(
                metric: "\(name) latency P95",
                value: "\(Format.fixed(p95, 1)) ms",
                rating: Self.p95Rating.rate(p95)
            )
        ]
    }

    func notes(for result: WorkloadResult, on loop: IOLoop) async throws -> [String] {
        let seededRows = seeded.count.withLock { $0 }
        let seeding =
            seededRows == 0
            ? []
            : [
                "the table had fewer than \(Format.grouped(Self.minimumRecentRows)) rows in the last hour, so "
                    + "\(Format.grouped(seededRows)) rows of this run were inserted first (not measured; removed with "
                    + "the run's rows)"
            ]
        return seeding + [
            "\(Format.grouped(result.counter(.rows) ?? 0)) rows returned in total; P95 over all queries "
                + "\(Format.milliseconds(result.total.latency.p95)) ms"
        ]
    }
}
