import BenchCore
import IOLoop
import Postgres

/// `dbbench timescale`: INSERT, QUERY and CONNECTIONS workloads against TimescaleDB or PostgreSQL.
public enum TimescaleCommand: Subcommand {
    public static let name = "timescale"
    /// pgbench's and psql's letters.
    public static let shortFlags = [
        ShortFlag("h", "host"), ShortFlag("p", "port"), ShortFlag("U", "user"), ShortFlag("d", "database"),
        ShortFlag("c", "connections"), ShortFlag("j", "threads"), ShortFlag("T", "duration"),
    ]
    public static let summary =
        "Load-test TimescaleDB/PostgreSQL: inserts, queries, connections."
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

    public static func backend(_ arguments: ParsedArguments) throws -> TimescaleBackend {
        TimescaleBackend(options: try TimescaleOptions(arguments))
    }

    /// A run, or with `--cleanup RUN-ID` that run's leftovers removed.
    public static func run(_ arguments: ParsedArguments, environment: [String: String]) async throws -> Int32 {
        let backend = try backend(arguments)
        guard let runID = backend.options.cleanupRunID else {
            return try await RunDriver(environment: environment).run(backend)
        }
        let lines = try await backend.cleanUpLeftovers(of: runID)
        try ReportOutput.writeStandardOutput(lines.joined(separator: "\n") + "\n")
        return ExitCode.success
    }
}
