import BenchCore
import IOLoop
import Postgres

/// What `dbbench timescale` plugs into the driver: the server and benchmark table of the options,
/// the workloads of `--tests`, and the cleanup that drops or deletes exactly what this run created.
public struct TimescaleBackend: Backend {
    public struct Prepared: Sendable {
        let endpoint: PostgresEndpoint
        let table: MetricsTable
        let preparation: MetricsTable.Preparation
    }

    public let options: TimescaleOptions
    public var run: RunOptions { options.run }
    public var command: String { TimescaleCommand.name }
    public var configuration: [(String, String)] { options.configuration }
    // No idle polling: PostgreSQL's backends run on the client's cores, so its idle moments are
    // theirs (Docs/performance.md).

    /// Resolves the host, reads the server's settings and creates what is missing of the benchmark
    /// table (`MetricsTable.prepare`).
    public func prepare(on loop: IOLoop) async throws -> Prepared {
        let endpoint = try endpoint(runID: options.run.dataID)
        let table = MetricsTable(
            endpoint: endpoint,
            schema: options.schema,
            runID: options.run.dataID,
            timeSpread: options.timeSpread,
            chunkInterval: options.chunkInterval
        )
        let usesTable = options.tests.contains { [.insert, .compress, .query, .mixed].contains($0) }
        let preparation = try await failingRun { () async throws(PostgresError) in
            try await table.prepare(
                createTable: usesTable,
                compress: options.compress,
                mayCreate: options.run.phase != .run,
                heldForRun: options.run.phase == .prepare,
                on: loop
            )
        }
        if preparation.missing {
            throw UsageError(
                "dbbench timescale: --phase run uses \(table.name), which does not exist in \(options.database): "
                    + "run --phase prepare --run-id \(options.run.runID) first (Docs/distributed.md)"
            )
        }
        if preparation.compressionRefused {
            throw UsageError(
                "dbbench timescale: --compress and --tests compress need TimescaleDB, which is not installed in "
                    + "\(options.database) (compression is TimescaleDB's); nothing was created"
            )
        }
        if options.tests.contains(.compress) && !preparation.compressionEnabled {
            throw UsageError(
                "dbbench timescale: --tests compress compresses only a hypertable this run creates; "
                    + "\(table.name) existed, so its chunks are left as they are (choose another --schema)"
            )
        }
        if let owner = preparation.schemaExtension {
            throw UsageError(
                "dbbench timescale: --schema \(options.schema) belongs to the extension \(owner); "
                    + "choose a schema of its own such as dbbench"
            )
        }
        return Prepared(endpoint: endpoint, table: table, preparation: preparation)
    }

    /// The server of the options, its connections named after `runID` (`application_name`).
    func endpoint(runID: String) throws -> PostgresEndpoint {
        // An absolute path is a directory holding the server's Unix socket, as for libpq.
        var address: SocketAddress?
        if !options.host.hasPrefix("/") {
            do {
                address = try SocketAddress.resolve(host: options.host, port: options.port)[0]
            } catch {
                throw UnavailableError(description: error.description)
            }
        }
        var endpoint = PostgresEndpoint(
            host: options.host,
            address: address,
            port: options.port,
            database: options.database,
            user: options.user,
            password: options.password,
            sslMode: options.sslMode?.rawValue,
            connectTimeout: options.run.connectTimeout,
            ioTimeout: options.ioTimeout
        )
        endpoint.applicationName = "dbbench \(runID)"
        endpoint.sslFiles = options.sslFiles
        return endpoint
    }

    /// `--cleanup RUN-ID`: the leftovers of that run (of each of its shards too) removed, on a loop
    /// of its own.
    func cleanUpLeftovers(of runID: String) async throws -> [String] {
        let loops = try IOLoopGroup(count: 1)
        defer { loops.shutdown() }
        let loop = loops.loops[0]
        return try await withTaskExecutorPreference(loop) { try await cleanUpLeftovers(of: runID, on: loop) }
    }

    func cleanUpLeftovers(of runID: String, on loop: IOLoop) async throws -> [String] {
        let table = MetricsTable(
            endpoint: try endpoint(runID: runID),
            schema: options.schema,
            runID: runID,
            includesShards: true
        )
        return try await failingRun { () async throws(PostgresError) in
            try await LeftoverCleanup(table: table, database: options.database).run(on: loop)
        }
    }

    /// `--phase cleanup` is `--cleanup` of the run id: every shard's rows, then the table when
    /// dbbench created it and nothing else is in it.
    public func cleanUpDistributedRun(on loop: IOLoop) async throws -> [String] {
        try await cleanUpLeftovers(of: options.run.runID, on: loop)
    }

    public func preparationSummary(_ prepared: Prepared) -> [String] {
        let preparation = prepared.preparation
        let table = prepared.table
        let kind = preparation.isHypertable ? "a hypertable" : "a plain table"
        let made =
            !preparation.usesTable
            ? "nothing to prepare: --tests \(options.tests.map(\.rawValue).joined(separator: ",")) uses no table"
            : preparation.createdSchema
                ? "created schema \(table.schema) and \(table.name), \(kind)"
                : preparation.createdTable
                    ? "created \(table.name), \(kind)" : "\(table.name) exists (\(kind)): used as it is"
        return [
            "\(header(prepared).title)",
            "prepared run \(options.run.runID): \(made)",
        ] + notices(prepared).map { "notice: \($0)" }
    }

    public func serverNotices() -> [String] { ServerNotices.shared.take() }

    /// The offset against the server's `clock_timestamp()` (the time of the statement's reading,
    /// where `now()` would be its transaction's start).
    public func clockOffset(_ prepared: Prepared, on loop: IOLoop) async throws -> ClockOffset? {
        let connection = try await failingRun { () async throws(PostgresError) in
            try await prepared.table.connect(on: loop)
        }
        defer { connection.close() }
        return try await ClockOffset.measure {
            let row = try await failingRun { () async throws(PostgresError) in
                try await connection.query("SELECT extract(epoch FROM clock_timestamp())::text").first
            }
            guard let text = row?.first ?? nil, let seconds = Double(text) else {
                throw TimescaleBenchError(.unexpected("clock_timestamp() gave no time"))
            }
            return seconds
        }
    }

    public func notices(_ prepared: Prepared) -> [String] {
        let preparation = prepared.preparation
        guard preparation.usesTable else { return [] }
        var notices: [String] = []
        if preparation.timescaleVersion == nil {
            let hint =
                preparation.timescaleAvailable
                ? " (it is available: CREATE EXTENSION timescaledb in \(options.database) to benchmark hypertables)"
                : ""
            notices.append("timescaledb is not installed in \(options.database); using a plain PostgreSQL table\(hint)")
        }
        if options.compress && !preparation.compressionEnabled {
            notices.append(
                "--compress applies to a hypertable this run creates; \(prepared.table.name) existed and is left as it is"
            )
        }
        if let interval = options.chunkInterval {
            if !preparation.isHypertable {
                notices.append(
                    "--chunk-interval \(DurationParser.format(interval)) has no effect: \(prepared.table.name) is a plain table"
                )
            } else if !preparation.createdTable {
                notices.append(
                    "--chunk-interval \(DurationParser.format(interval)) applies to a hypertable this run creates; "
                        + "\(prepared.table.name) existed and keeps its own"
                )
            }
        }
        return notices
    }

    public func header(_ prepared: Prepared) -> ReportHeader {
        let preparation = prepared.preparation
        let timescale = preparation.timescaleVersion.map { ", TimescaleDB \($0)" } ?? ""
        return ReportHeader(
            title: "dbbench timescale → \(prepared.endpoint.description) (PostgreSQL \(preparation.serverVersion)"
                + (timescale.isEmpty ? ", no TimescaleDB)" : timescale + ")"),
            target: prepared.endpoint.description,
            serverVersion: preparation.serverVersion + timescale,
            settings: settings(table: prepared.table, preparation: preparation)
        )
    }

    public func workloads(_ prepared: Prepared) -> [any Workload] {
        let table = prepared.table
        let timescale = prepared.preparation.timescaleVersion != nil
        return options.tests.map { test -> any Workload in
            switch test {
            case .insert:
                return InsertWorkload(
                    table: table,
                    connections: options.connections,
                    rowsPerConnection: options.insertsPerConnection,
                    batchSize: options.batchSize,
                    method: options.insertMethod
                )
            case .query:
                return QueryWorkload(
                    name: "QUERY",
                    endpoint: prepared.endpoint,
                    connections: options.connections,
                    totalOperations: options.queryCount,
                    queries: options.queries.map { $0.query(table: table.name, timescale: timescale) },
                    seeding: table
                )
            case .compress:
                return CompressWorkload(table: table)
            case .mixed:
                let inserters = options.connections - options.mixedQueryConnections
                return MixedWorkload(
                    insert: InsertWorkload(
                        table: table,
                        connections: inserters,
                        rowsPerConnection: options.insertsPerConnection,
                        batchSize: options.batchSize,
                        method: options.insertMethod
                    ),
                    query: QueryWorkload(
                        name: "MIXED",
                        endpoint: prepared.endpoint,
                        connections: options.mixedQueryConnections,
                        totalOperations: options.queryCount,
                        queries: options.queries.map { $0.query(table: table.name, timescale: timescale) },
                        seeding: table
                    ),
                    countsOperations: options.run.limits.duration == nil
                )
            case .sql:
                return QueryWorkload(
                    name: "SQL",
                    endpoint: prepared.endpoint,
                    connections: options.connections,
                    totalOperations: options.queryCount,
                    queries: options.customQuery.map { [$0] } ?? [],
                    seeding: nil
                )
            case .connections:
                return ConnectionsWorkload(
                    table: table,
                    connections: options.connections,
                    maxConnections: prepared.preparation.maxConnections,
                    reservedConnections: prepared.preparation.reservedConnections
                )
            }
        }
    }

    public func stillAnswers(_ prepared: Prepared, on loop: IOLoop) async -> Bool {
        do {
            let connection = try await prepared.table.connect(on: loop)
            defer { connection.close() }
            return try await connection.query("SELECT 1").count == 1
        } catch {
            return false
        }
    }

    public func leftBehind(_ prepared: Prepared) -> [String] {
        let preparation = prepared.preparation
        let table = prepared.table
        guard preparation.usesTable, !options.keepData else { return [] }
        if preparation.createdSchema {
            return ["left behind: schema \(table.schema) and \(table.name) may remain (this run created them)"]
        }
        if preparation.createdTable { return ["left behind: \(table.name) may remain (this run created it)"] }
        return [
            "left behind: rows of this run may remain in \(table.name): metadata->>'run_id' = '\(table.runID)' "
                + "(dbbench timescale --cleanup \(table.runID) removes them)"
        ]
    }

    /// Drops the schema and table when this run created them, else deletes the rows of its run id.
    public func cleanUp(_ prepared: Prepared, on loop: IOLoop) async throws -> [String] {
        let note = try await failingRun { () async throws(PostgresError) in
            try await prepared.table.cleanUp(
                prepared.preparation,
                keepData: options.keepData,
                mayDrop: options.run.phase != .run,
                on: loop
            )
        }
        return ["cleanup: \(note)"]
    }
}

extension TimescaleBackend {
    /// The settings line under the title: only what shapes the workloads that run.
    func settings(table: MetricsTable, preparation: MetricsTable.Preparation) -> [String] {
        var settings = ["\(options.connections) connections", "\(options.run.threads) threads"]
        if let duration = options.run.limits.summary { settings.append(duration) }
        if options.tests.contains(.mixed) {
            settings.append(
                "mixed: \(options.connections - options.mixedQueryConnections) connections insert while "
                    + "\(options.mixedQueryConnections) query"
            )
        }
        if options.tests.contains(.insert) || options.tests.contains(.mixed) {
            settings.append(
                (options.run.limits.duration == nil
                    ? "\(Format.grouped(options.insertsPerConnection)) rows per connection in " : "")
                    + "batches of \(options.batchSize) by \(options.insertMethod == .copy ? "binary COPY" : "multi-row INSERT")"
            )
            if options.timeSpread != .seconds(3600) {
                settings.append("rows timed over the last \(DurationParser.format(options.timeSpread))")
            }
        }
        if options.tests.contains(where: { [.query, .sql, .mixed].contains($0) }) && options.run.limits.duration == nil
        {
            settings.append("\(Format.grouped(options.queryCount)) queries")
        }
        if preparation.usesTable {
            settings.append(
                "table \(table.name)"
                    + (preparation.isHypertable
                        ? " (hypertable"
                            + (preparation.createdTable
                                ? options.chunkInterval.map { ", chunks of \(DurationParser.format($0))" } ?? "" : "")
                            + (preparation.compressionEnabled ? ", compression enabled" : "") + ")"
                        : " (plain table)")
            )
        }
        if let custom = options.customQuery {
            settings.append("statement: \(custom.sql)")
        }
        settings.append(options.run.limits.loopSummary)
        return settings
    }
}
