import BenchCore
import IOLoop

/// The workloads `dbbench timescale --tests` can select, in the order they run.
public enum TimescaleTest: String, CaseIterable, Sendable {
    case insert
    /// TimescaleDB only: compresses the chunks the run wrote (implies `--compress`).
    case compress
    case query
    /// Inserts and queries at the same time, on separate connections.
    case mixed
    case connections
    /// The statement of `--sql`; needs no benchmark table.
    case sql

    /// What `--tests` runs when not given.
    static let defaults: [TimescaleTest] = [.insert, .query, .connections]
}

/// How the INSERT workload writes its batches.
public enum InsertMethod: String, CaseIterable, Sendable {
    /// One `COPY ... FROM STDIN (FORMAT binary)` per batch.
    case copy
    /// One prepared multi-row `INSERT ... VALUES (...), (...)` per batch, binary parameters.
    case insert
}

/// libpq's `sslmode` values.
public enum SSLMode: String, CaseIterable, Sendable {
    case disable, allow, prefer, require
    case verifyCA = "verify-ca"
    case verifyFull = "verify-full"
}

/// `dbbench timescale` options after validation; each option is declared once, below.
public struct TimescaleOptions: Sendable {
    public var host: String
    public var port: Int
    public var database: String
    public var user: String
    public var password: String?
    /// `nil` leaves it to libpq (`PGSSLMODE`, else prefer).
    public var sslMode: SSLMode?
    /// `--sslrootcert`, `--sslcert`, `--sslkey` as libpq keywords and paths; libpq reads the
    /// PGSSLROOTCERT, PGSSLCERT and PGSSLKEY variables for those not given.
    public var sslFiles: [(String, String)]
    public var connections: Int
    public var insertsPerConnection: Int
    public var batchSize: Int
    public var queryCount: Int
    public var queries: [AnalyticsQuery]
    /// `--sql` with its `--sql-args`, for `--tests sql`.
    public var customQuery: BenchQuery?
    public var insertMethod: InsertMethod
    public var tests: [TimescaleTest]
    public var schema: String
    public var keepData: Bool
    /// `--compress` (or `--tests compress`): compression on the hypertable this run creates.
    public var compress: Bool
    /// `--tests mixed`: the connections that query (the others insert).
    public var mixedQueryConnections: Int
    /// `--cleanup RUN-ID`: remove that run's leftovers instead of running.
    public var cleanupRunID: String?
    /// `--time-spread`: how far back INSERT's row times reach.
    public var timeSpread: Duration
    /// `--chunk-interval`: for a hypertable this run creates.
    public var chunkInterval: Duration?
    public var ioTimeout: Duration
    /// `--threads`, `--connect-timeout`, `--duration`, `--warmup`, `--rate`, `--arrival`, `--assert`,
    /// `--progress`, `--format`, `--output`.
    public var run: RunOptions
    /// The effective options for the JSON output (no password).
    public var configuration: [(String, String)]

    /// Parameters of one INSERT statement are limited to 65535, and each row takes 15.
    static let maximumInsertBatch = 65_535 / MetricRow.columnCount

    enum Declared {
        static let host = Option.string(
            "host",
            placeholder: "HOST",
            default: "127.0.0.1",
            environment: "DB_HOST",
            help: "PostgreSQL/TimescaleDB host name or address, or the directory of its Unix socket (an absolute path)"
        ).alsoFrom("PGHOST")
        static let port = Option.integer(
            "port",
            placeholder: "PORT",
            default: 5432,
            in: 1...65535,
            environment: "DB_PORT",
            help: "Server port"
        ).alsoFrom("PGPORT")
        static let database = Option.string(
            "database",
            placeholder: "NAME",
            default: "analytics",
            environment: "DB_NAME",
            help: "Database"
        ).alsoFrom("PGDATABASE")
        static let user = Option.string(
            "user",
            placeholder: "USER",
            default: "postgres",
            environment: "DB_USER",
            help: "User name"
        ).alsoFrom("PGUSER")
        static let password = Option.optionalString(
            "password",
            placeholder: "PASSWORD",
            environment: "DB_PASSWORD",
            secret: true,
            help: "Password; prefer the environment variable (PGPASSWORD and ~/.pgpass work too)"
        )
        static let url = Option.optionalString(
            "url",
            placeholder: "URL",
            environment: "DATABASE_URL",
            secret: true,
            help: "A postgresql:// URL naming user, password, host, port, database and sslmode; flags given win over "
                + "its parts"
        )
        static let sslMode: Option<SSLMode?> = Option.optionalChoice(
            "sslmode",
            defaultLabel: "libpq's: PGSSLMODE, else prefer",
            help: "libpq sslmode"
        )
        static let sslRootCert = Option.optionalString(
            "sslrootcert",
            placeholder: "FILE",
            help: "libpq sslrootcert: the CA certificates to verify the server with (sslmode verify-ca, verify-full)"
        )
        static let sslCert = Option.optionalString(
            "sslcert",
            placeholder: "FILE",
            help: "libpq sslcert: the client certificate, for servers that require one"
        )
        static let sslKey = Option.optionalString(
            "sslkey",
            placeholder: "FILE",
            help: "libpq sslkey: the private key of --sslcert"
        )
        static let connections = Option.integer(
            "connections",
            default: 100,
            in: 1...100_000,
            help: "Concurrent connections"
        )
        static let insertsPerConnection = Option.integer(
            "inserts-per-connection",
            default: 1000,
            in: 1...100_000_000,
            help: "Rows each connection inserts"
        )
        static let batchSize = Option.integer(
            "batch-size",
            default: 100,
            in: 1...1_000_000,
            help: "Rows per INSERT statement or COPY; one batch is one operation"
        )
        static let queryCount = Option.integer(
            "num-queries",
            default: 1000,
            in: 1...100_000_000,
            help: "Queries in total, split evenly over the connections"
        )
        static let queries = Option.list(
            "queries",
            default: AnalyticsQuery.allCases,
            help: "Queries the QUERY workload runs, each drawn at random per execution"
        )
        static let insertMethod = Option.choice(
            "insert-method",
            default: InsertMethod.copy,
            help: "Binary COPY per batch, or a prepared multi-row INSERT per batch"
        )
        static let tests = Option.list(
            "tests",
            default: TimescaleTest.defaults,
            help:
                "Workloads to run, comma-separated: insert, compress (TimescaleDB), query, mixed (inserts and queries at "
                + "once), connections, sql"
        )
        static let sql = Option.optionalString(
            "sql",
            placeholder: "STATEMENT",
            help: "A statement of your own for --tests sql, prepared once per connection, with $1, $2, ... parameters"
        )
        static let sqlArguments = Option.optionalString(
            "sql-args",
            placeholder: "RANGES",
            help: "Per parameter of --sql, a range MIN-MAX; each execution draws a random integer from it"
        )
        static let schema = Option.string(
            "schema",
            placeholder: "NAME",
            default: "dbbench",
            help: "Schema of the benchmark table; dropped afterwards if this run created it"
        )
        static let keepData = Option.flag("keep-data", help: "Keep the schema, table and rows after the run")
        static let compress = Option.flag(
            "compress",
            help: "TimescaleDB only: enable compression on the hypertable this run creates (segmentby model_id, "
                + "orderby time DESC); --tests compress then compresses the chunks written"
        )
        static let queryConnections = Option.optionalInteger(
            "query-connections",
            defaultLabel: "a quarter of --connections",
            in: 1...100_000,
            help: "With --tests mixed: how many of the --connections run queries while the others insert"
        )
        static let cleanup = Option.optionalString(
            "cleanup",
            placeholder: "RUN-ID",
            help: "Run nothing: remove what the run RUN-ID (its settings line and JSON name it) left in the table of "
                + "--schema, bounded as its own cleanup is"
        )
        static let timeSpread = Option.duration(
            "time-spread",
            default: .seconds(3600),
            in: .seconds(1)...(.seconds(86_400 * 3650)),
            help: "INSERT's rows are timed at random within this long before they are written (s, m, h), so that "
                + "a long spread writes into several chunks, as backfill and out-of-order ingest do"
        )
        static let chunkInterval = Option.optionalDuration(
            "chunk-interval",
            in: .seconds(1)...(.seconds(86_400 * 3650)),
            help: "The chunk interval of the hypertable this run creates (TimescaleDB's default: 7 days)"
        )
        static let ioTimeout = RunOptions.ioTimeout(
            default: .seconds(60),
            operation: "one statement",
            answer: "its result"
        )
    }

    public static let specs: [OptionSpec] =
        [
            Declared.url.spec, Declared.host.spec, Declared.port.spec, Declared.database.spec, Declared.user.spec,
            Declared.password.spec, Declared.sslMode.spec, Declared.sslRootCert.spec, Declared.sslCert.spec,
            Declared.sslKey.spec, Declared.connections.spec,
            Declared.insertsPerConnection.spec, Declared.batchSize.spec, Declared.queryCount.spec,
            Declared.queries.spec, Declared.insertMethod.spec, Declared.tests.spec, Declared.sql.spec,
            Declared.sqlArguments.spec, Declared.schema.spec, Declared.keepData.spec, Declared.timeSpread.spec,
            Declared.chunkInterval.spec, Declared.queryConnections.spec, Declared.compress.spec,
            Declared.cleanup.spec,
        ] + RunOptions.connectionSpecs + [Declared.ioTimeout.spec] + RunOptions.specs

    public init(_ arguments: ParsedArguments) throws(UsageError) {
        let command = arguments.command
        let url = try arguments[Declared.url].map { (text) throws(UsageError) in try PostgresURL(text, command: command)
        }
        host = try arguments.value(Declared.host, urlPart: url?.host)
        port = try arguments.value(Declared.port, urlPart: url?.port)
        database = try arguments.value(Declared.database, urlPart: url?.database)
        user = try arguments.value(Declared.user, urlPart: url?.user)
        password = try arguments.value(Declared.password, urlPart: url?.password)
        let urlSSLMode = try url?.sslMode.map { (mode) throws(UsageError) in
            guard let known = SSLMode(rawValue: mode) else {
                throw UsageError("\(command): --url (or DATABASE_URL) has an unknown sslmode '\(mode)'")
            }
            return known
        }
        sslMode = try arguments.value(Declared.sslMode, urlPart: urlSSLMode)
        if host.contains("://") {
            throw UsageError(
                "\(command): --host takes a host name, an address or a socket directory; give a URL with --url (or DATABASE_URL)"
            )
        }
        sslFiles = [
            ("sslrootcert", try arguments[Declared.sslRootCert]), ("sslcert", try arguments[Declared.sslCert]),
            ("sslkey", try arguments[Declared.sslKey]),
        ].compactMap { name, path in path.map { (name, $0) } }
        connections = try arguments[Declared.connections]
        insertsPerConnection = try arguments[Declared.insertsPerConnection]
        batchSize = try arguments[Declared.batchSize]
        queryCount = try arguments[Declared.queryCount]
        queries = try arguments[Declared.queries]
        insertMethod = try arguments[Declared.insertMethod]
        tests = try arguments[Declared.tests]
        customQuery = try Self.customQuery(arguments)
        schema = try arguments[Declared.schema]
        keepData = try arguments[Declared.keepData]
        timeSpread = try arguments[Declared.timeSpread]
        compress = try arguments[Declared.compress] || tests.contains(.compress)
        let queryConnections = try arguments[Declared.queryConnections]
        let allConnections = try arguments[Declared.connections]
        mixedQueryConnections = queryConnections ?? max(1, allConnections / 4)
        cleanupRunID = try arguments[Declared.cleanup]
        chunkInterval = try arguments[Declared.chunkInterval]
        ioTimeout = try arguments[Declared.ioTimeout]

        run = try RunOptions(
            arguments,
            workloads: TimescaleTest.allCases.map(\.rawValue),
            countingRows: tests.filter { $0 != .connections }.map(\.rawValue)
        )
        if let shard = run.shard {
            connections = try shard.connections(of: connections, command: command)
            queryCount = shard.share(of: queryCount)
            if queryConnections == nil { mixedQueryConnections = max(1, connections / 4) }
        }
        // What the run connected to, whether from flags, the environment or a URL (never its password).
        var resolved = [
            "seed": String(run.limits.seed), "host": host, "port": String(port), "database": database, "user": user,
        ]
        if let sslMode { resolved["sslmode"] = sslMode.rawValue }
        configuration = arguments.configuration(resolved: resolved)
        if host.isEmpty { throw UsageError("\(command): --host must not be empty") }
        if database.isEmpty { throw UsageError("\(command): --database must not be empty") }
        if tests.isEmpty {
            throw UsageError("\(command): --tests selects no workload; choose from insert,query,connections,sql")
        }
        if tests.contains(.sql) != (customQuery != nil) {
            throw UsageError(
                customQuery == nil
                    ? "\(command): --tests sql needs --sql 'STATEMENT'"
                    : "\(command): --sql is only used by --tests sql; add sql to --tests"
            )
        }
        if queries.isEmpty { throw UsageError("\(command): --queries selects no query") }
        guard Self.isPlainIdentifier(schema) else {
            throw UsageError(
                "\(command): --schema must be a plain identifier (lower-case letters, digits and _, up to 63 characters, not starting with a digit), got '\(schema)'"
            )
        }
        if ["public", "pg_catalog", "information_schema", "timescaledb_information", "timescaledb_experimental"]
            .contains(schema.lowercased())
            || schema.lowercased().hasPrefix("pg_")
            || schema.lowercased().hasPrefix("_timescaledb")
        {
            throw UsageError(
                "\(command): --schema \(schema) is not dbbench's to use; choose a schema of its own such as dbbench"
            )
        }
        if tests.contains(.mixed) {
            if connections < 2 {
                throw UsageError("\(command): --tests mixed needs at least 2 --connections (some insert, some query)")
            }
            if mixedQueryConnections >= connections {
                throw UsageError(
                    "\(command): --query-connections (\(mixedQueryConnections)) must leave some of the \(connections) "
                        + "--connections to insert"
                )
            }
            if run.limits.duration == nil && queryCount < mixedQueryConnections {
                throw UsageError(
                    "\(command): --num-queries (\(queryCount)) is smaller than --query-connections "
                        + "(\(mixedQueryConnections)); every query connection needs at least one query"
                )
            }
        } else if queryConnections != nil {
            throw UsageError("\(command): --query-connections is for --tests mixed")
        }
        if cleanupRunID != nil && run.phase != .all {
            throw UsageError("\(command): --cleanup RUN-ID is --phase cleanup --run-id RUN-ID; give one of them")
        }
        if let id = cleanupRunID, !RunOptions.isRunID(id, shard: true) {
            throw UsageError(
                "\(command): --cleanup takes a run id as the settings line prints it (such as 3fa2c1d0, or 3fa2c1d0-2 "
                    + "for shard 2 of a run), got '\(id)'"
            )
        }
        if insertMethod == .insert && batchSize > Self.maximumInsertBatch && tests.contains(.insert) {
            throw UsageError(
                "\(command): --batch-size \(batchSize) is too large for --insert-method insert (at most \(Self.maximumInsertBatch) rows of \(MetricRow.columnCount) parameters); use --insert-method copy"
            )
        }
        if (tests.contains(.query) || tests.contains(.sql)) && run.limits.duration == nil && queryCount < connections {
            throw UsageError(
                "\(command): --num-queries (\(queryCount)) is smaller than --connections (\(connections)); every connection needs at least one query"
            )
        }
    }

    /// `--sql` and `--sql-args`: one integer range per `$n` parameter.
    static func customQuery(_ arguments: ParsedArguments) throws(UsageError) -> BenchQuery? {
        let ranges = try arguments[Declared.sqlArguments]
        guard let sql = try arguments[Declared.sql] else {
            if ranges != nil { throw UsageError("\(arguments.command): --sql-args needs --sql") }
            return nil
        }
        var parameters: [BenchQuery.Parameter] = []
        for item in (ranges ?? "").split(separator: ",") {
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingSpaces()) }
            guard bounds.count == 2, let low = bounds[0], let high = bounds[1], low <= high else {
                throw UsageError(
                    "\(arguments.command): --sql-args must be comma-separated MIN-MAX ranges of whole numbers, got '\(ranges ?? "")'"
                )
            }
            parameters.append(.integer(low...high))
        }
        return BenchQuery(name: "sql", sql: sql, parameters: parameters)
    }

    /// Lower-case letters, digits and underscores, not starting with a digit: needs no quoting.
    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 63,
            !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
        else {
            return false
        }
        return name.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                || $0 == UInt8(ascii: "_")
        }
    }
}
