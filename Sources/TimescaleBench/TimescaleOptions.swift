import BenchCore
import IOLoop

/// The workloads `dbbench timescale --tests` can select, in the order they run.
public enum TimescaleTest: String, CaseIterable, Sendable {
    case insert, query, connections
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

/// `dbbench timescale` options after validation.
public struct TimescaleOptions: Sendable {
    public var host: String
    public var port: Int
    public var database: String
    public var user: String
    public var password: String?
    public var sslMode: String?
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
    public var threads: Int
    public var connectTimeout: Duration
    public var ioTimeout: Duration
    /// `--duration`, `--warmup`, `--rate`, `--arrival`, `--assert`, `--progress`, `--format`, `--output`.
    public var run: RunOptions
    /// The effective options for the JSON output (no password).
    public var configuration: [(String, String)]

    /// Parameters of one INSERT statement are limited to 65535, and each row takes 15.
    static let maximumInsertBatch = 65_535 / MetricRow.columnCount

    public static let specs: [OptionSpec] =
        [
            OptionSpec(
                "host",
                placeholder: "HOST",
                default: "127.0.0.1",
                environment: "DB_HOST",
                help: "PostgreSQL/TimescaleDB host name or address"
            ),
            OptionSpec("port", placeholder: "PORT", default: "5432", environment: "DB_PORT", help: "Server port"),
            OptionSpec("database", placeholder: "NAME", default: "analytics", environment: "DB_NAME", help: "Database"),
            OptionSpec("user", placeholder: "USER", default: "postgres", environment: "DB_USER", help: "User name"),
            OptionSpec(
                "password",
                placeholder: "PASSWORD",
                environment: "DB_PASSWORD",
                help: "Password; prefer the environment variable (PGPASSWORD and ~/.pgpass work too)"
            ),
            OptionSpec(
                "sslmode",
                placeholder: "MODE",
                default: "libpq's (prefer)",
                help: "libpq sslmode: disable, allow, prefer, require, verify-ca, verify-full"
            ),
            OptionSpec("connections", placeholder: "N", default: "100", help: "Concurrent connections"),
            OptionSpec(
                "inserts-per-connection",
                placeholder: "N",
                default: "1000",
                help: "Rows each connection inserts"
            ),
            OptionSpec("batch-size", placeholder: "N", default: "100", help: "Rows per INSERT statement or COPY"),
            OptionSpec(
                "num-queries",
                placeholder: "N",
                default: "1000",
                help: "Queries in total, split evenly over the connections"
            ),
            OptionSpec(
                "queries",
                placeholder: "LIST",
                default: AnalyticsQuery.allCases.map(\.rawValue).joined(separator: ","),
                help: "Queries the QUERY workload runs, each drawn at random per execution"
            ),
            OptionSpec(
                "insert-method",
                placeholder: "copy|insert",
                default: "copy",
                help: "Binary COPY per batch, or a prepared multi-row INSERT per batch"
            ),
            OptionSpec(
                "tests",
                placeholder: "LIST",
                default: "insert,query,connections",
                help: "Workloads to run, comma-separated: insert, query, connections, sql"
            ),
            OptionSpec(
                "sql",
                placeholder: "STATEMENT",
                help:
                    "A statement of your own for --tests sql, prepared once per connection, with $1, $2, ... parameters"
            ),
            OptionSpec(
                "sql-args",
                placeholder: "RANGES",
                help: "Per parameter of --sql, a range MIN-MAX; each execution draws a random integer from it"
            ),
            OptionSpec(
                "schema",
                placeholder: "NAME",
                default: "dbbench",
                help: "Schema of the benchmark table; dropped afterwards if this run created it"
            ),
            .flag("keep-data", help: "Keep the schema, table and rows after the run"),
            .threads,
            .connectTimeout,
            OptionSpec(
                "timeout",
                placeholder: "DURATION",
                default: "60s",
                help: "How long one statement may wait for its result before it counts as an error"
            ),
        ] + RunOptions.specs

    public init(_ arguments: ParsedArguments) throws(UsageError) {
        let command = arguments.command
        host = arguments.string("host", default: "127.0.0.1")
        port = try arguments.integer("port", default: 5432, in: 1...65535)
        database = arguments.string("database", default: "analytics")
        user = arguments.string("user", default: "postgres")
        password = arguments.optionalString("password")
        sslMode = try arguments.optionalChoice(
            "sslmode",
            allowed: ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]
        )
        connections = try arguments.integer("connections", default: 100, in: 1...100_000)
        insertsPerConnection = try arguments.integer("inserts-per-connection", default: 1000, in: 1...100_000_000)
        batchSize = try arguments.integer("batch-size", default: 100, in: 1...1_000_000)
        queryCount = try arguments.integer("num-queries", default: 1000, in: 1...100_000_000)
        queries = try arguments.list(
            "queries",
            default: AnalyticsQuery.allCases.map(\.rawValue),
            allowed: AnalyticsQuery.allCases.map(\.rawValue)
        ).compactMap(AnalyticsQuery.init(rawValue:))
        insertMethod =
            InsertMethod(
                rawValue: try arguments.choice(
                    "insert-method",
                    default: "copy",
                    allowed: InsertMethod.allCases.map(\.rawValue)
                )
            ) ?? .copy
        tests = try arguments.list(
            "tests",
            default: TimescaleTest.defaults.map(\.rawValue),
            allowed: TimescaleTest.allCases.map(\.rawValue)
        ).compactMap(TimescaleTest.init(rawValue:))
        customQuery = try Self.customQuery(arguments)
        schema = arguments.string("schema", default: "dbbench")
        keepData = arguments.isSet("keep-data")
        threads = try arguments.integer("threads", default: IOLoopGroup.processorCount, in: 1...256)
        connectTimeout = try arguments.duration(
            "connect-timeout",
            default: .seconds(5),
            in: .milliseconds(1)...(.seconds(600))
        )
        ioTimeout = try arguments.duration("timeout", default: .seconds(60), in: .milliseconds(1)...(.seconds(3600)))

        run = try RunOptions(arguments, workloads: TimescaleTest.allCases.map(\.rawValue))
        configuration = arguments.effectiveConfiguration(hiding: ["password"], resolved: ["threads": String(threads)])
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
        if ["public", "pg_catalog", "information_schema"].contains(schema.lowercased())
            || schema.lowercased().hasPrefix("pg_")
            || schema.lowercased().hasPrefix("_timescaledb")
        {
            throw UsageError(
                "\(command): --schema \(schema) is not dbbench's to use; choose a schema of its own such as dbbench"
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
        let ranges = arguments.optionalString("sql-args")
        guard let sql = arguments.optionalString("sql") else {
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
