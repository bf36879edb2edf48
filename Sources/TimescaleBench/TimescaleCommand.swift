import BenchCore
import IOLoop
import Postgres

/// `dbbench timescale`: INSERT, QUERY and CONNECTIONS workloads against TimescaleDB or PostgreSQL.
public enum TimescaleCommand: Subcommand {
    public static let name = "timescale"
    public static let summary =
        "Load-test TimescaleDB/PostgreSQL: batched inserts, analytics queries and a connection test."
    public static let discussion = """
        The table llm_usage_metrics is created in its own schema (--schema), as a hypertable when the
        timescaledb extension is installed in the database and as a plain table otherwise. Every insert
        batch and every query is timed on its own; throughput is over wall-clock time, measured once all
        connections are open. Afterwards dbbench drops what it created (or, in a table that existed
        before, deletes the rows it inserted), unless --keep-data is given.

        Examples:
          dbbench timescale --connections 200
          DB_PASSWORD=secret dbbench timescale --host tsdb.staging --tests insert --batch-size 1000
        """
    public static var options: [OptionSpec] { TimescaleOptions.specs }

    public static func run(_ arguments: ParsedArguments, environment: [String: String]) async throws -> Int32 {
        let options = try TimescaleOptions(arguments)
        raiseOpenFileLimit()
        let address: SocketAddress
        do {
            address = try SocketAddress.resolve(host: options.host, port: options.port)[0]
        } catch {
            throw UnavailableError(description: error.description)
        }
        let endpoint = PostgresEndpoint(
            host: options.host,
            address: address,
            port: options.port,
            database: options.database,
            user: options.user,
            password: options.password,
            sslMode: options.sslMode,
            connectTimeout: options.connectTimeout,
            ioTimeout: options.ioTimeout
        )
        var generator = SystemRandomNumberGenerator()
        let table = MetricsTable(
            endpoint: endpoint,
            schema: options.schema,
            runID: String(generator.next() as UInt64, radix: 16)
        )
        // No idle polling: PostgreSQL's backends run on the client's cores, so its idle moments are theirs
        // (measured: select-only throughput unchanged, client CPU per query up 1-5%).
        let loops = try IOLoopGroup(count: options.threads)
        defer { loops.shutdown() }
        let control = loops.loops[0]
        let style = TerminalStyle.forStandardOutput(environment: environment)
        let runner = options.run.runner(loops: loops, style: style, stderrIsTerminal: standardErrorIsTerminal)

        try options.run.output.checkWritable()
        let preparation = try await withTaskExecutorPreference(control) {
            try await failingRun { () async throws(PostgresError) in
                try await table.prepare(
                    createTable: options.tests.contains(.insert) || options.tests.contains(.query),
                    on: control
                )
            }
        }
        if preparation.timescaleVersion == nil && preparation.usesTable {
            let hint =
                preparation.timescaleAvailable
                ? " (it is available: CREATE EXTENSION timescaledb in \(options.database) to benchmark hypertables)"
                : ""
            writeStandardError(
                "dbbench timescale: notice: timescaledb is not installed in \(options.database); "
                    + "using a plain PostgreSQL table\(hint)\n"
            )
        }

        var report = BenchmarkReport(
            title: "dbbench timescale → \(endpoint.description) (PostgreSQL \(preparation.serverVersion)"
                + (preparation.timescaleVersion.map { ", TimescaleDB \($0))" } ?? ", no TimescaleDB)"),
            settings: settings(options, table: table, preparation: preparation)
        )
        let timescale = preparation.timescaleVersion != nil
        var failure: (any Error)?
        do {
            for test in options.tests where !runner.stop.isRequested {
                let result: WorkloadResult
                switch test {
                case .insert:
                    result = try await runner.run(
                        InsertWorkload(
                            table: table,
                            connections: options.connections,
                            rowsPerConnection: options.insertsPerConnection,
                            batchSize: options.batchSize,
                            method: options.insertMethod
                        )
                    )
                case .query:
                    result = try await runner.run(
                        QueryWorkload(
                            name: "QUERY",
                            endpoint: endpoint,
                            connections: options.connections,
                            totalOperations: options.queryCount,
                            queries: options.queries.map { $0.query(table: table.name, timescale: timescale) },
                            seeding: table
                        )
                    )
                case .sql:
                    result = try await runner.run(
                        QueryWorkload(
                            name: "SQL",
                            endpoint: endpoint,
                            connections: options.connections,
                            totalOperations: options.queryCount,
                            queries: options.customQuery.map { [$0] } ?? [],
                            seeding: nil
                        )
                    )
                case .connections:
                    result = try await runner.run(
                        ConnectionsWorkload(
                            table: table,
                            connections: options.connections,
                            maxConnections: preparation.maxConnections,
                            reservedConnections: preparation.reservedConnections
                        )
                    )
                }
                report.results.append(result)
            }
        } catch {
            failure = error
        }
        // Teardown runs after a failed workload too; the workload's error is the one reported.
        let cleanupNote: String
        do {
            cleanupNote = try await withTaskExecutorPreference(control) {
                try await failingRun { () async throws(PostgresError) in
                    try await table.cleanUp(preparation, keepData: options.keepData, on: control)
                }
            }
        } catch {
            throw failure ?? error
        }
        if let failure { throw failure }

        report.assessments = TimescaleAssessment.assess(report.results)
        report.footer = ["cleanup: \(cleanupNote)"]
        let serverVersion =
            preparation.serverVersion + (preparation.timescaleVersion.map { ", TimescaleDB \($0)" } ?? "")
        return try options.run.output.finish(
            &report,
            thresholds: options.run.thresholds,
            interrupted: runner.stop.isRequested,
            style: style,
            metadata: ReportMetadata(
                command: name,
                target: endpoint.description,
                serverVersion: serverVersion,
                configuration: options.configuration
            )
        )
    }
}

extension TimescaleCommand {
    /// The settings line under the title: only what shapes the workloads that run.
    static func settings(
        _ options: TimescaleOptions,
        table: MetricsTable,
        preparation: MetricsTable.Preparation
    ) -> [String] {
        var settings = ["\(options.connections) connections", "\(options.threads) threads"]
        if let duration = options.run.limits.summary { settings.append(duration) }
        if options.tests.contains(.insert) {
            settings.append(
                (options.run.limits.duration == nil
                    ? "\(Format.grouped(options.insertsPerConnection)) rows per connection in " : "")
                    + "batches of \(options.batchSize) by \(options.insertMethod == .copy ? "binary COPY" : "multi-row INSERT")"
            )
        }
        if (options.tests.contains(.query) || options.tests.contains(.sql)) && options.run.limits.duration == nil {
            settings.append("\(Format.grouped(options.queryCount)) queries")
        }
        if preparation.usesTable {
            settings.append(
                "table \(table.name)" + (preparation.timescaleVersion != nil ? " (hypertable)" : " (plain table)")
            )
        }
        if let custom = options.customQuery {
            settings.append("statement: \(custom.sql)")
        }
        settings.append(options.run.limits.loopSummary)
        return settings
    }
}

/// The old script's verdicts: inserts ≥100k rows/s EXCELLENT, ≥50k GOOD; query P95 <100 ms
/// EXCELLENT, <200 ms GOOD; connections held ≥1000 EXCELLENT, ≥500 GOOD.
enum TimescaleAssessment {
    static let insertRate = RatingThresholds(excellent: 100_000, good: 50_000, higherIsBetter: true)
    static let queryP95 = RatingThresholds(excellent: 100, good: 200, higherIsBetter: false)
    static let concurrency = RatingThresholds(excellent: 1000, good: 500, higherIsBetter: true)

    static func assess(_ results: [WorkloadResult]) -> [Assessment] {
        results.compactMap { result in
            switch result.name {
            case "INSERT":
                // An open-loop run inserts at the --rate asked for: nothing to rate.
                guard result.rate == nil else { return nil }
                let rate = InsertWorkload.rowsPerSecond(result)
                return Assessment(
                    metric: "INSERT throughput",
                    value: "\(Format.grouped(Int(rate.rounded()))) rows/s",
                    rating: insertRate.rate(rate)
                )
            case "QUERY", "SQL":
                let p95 = Double(result.total.latency.p95) / 1000
                return Assessment(
                    metric: "\(result.name) latency P95",
                    value: "\(Format.fixed(p95, 1)) ms",
                    rating: queryP95.rate(p95)
                )
            default:
                let held = result.operations[0].succeeded  // "connect"
                return Assessment(
                    metric: "concurrent connections",
                    value: Format.grouped(held),
                    rating: concurrency.rate(Double(held))
                )
            }
        }
    }
}
