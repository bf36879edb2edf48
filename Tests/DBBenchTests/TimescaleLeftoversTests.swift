import Foundation
import TestSupport
import Testing

/// `--time-spread`, `--chunk-interval` and `--cleanup RUN-ID` against the real server: rows over a
/// long window, and a run's leftovers removed later with the bounds of its own cleanup.
@Suite(
    "dbbench timescale: time spread and leftovers",
    .enabled(if: TestServices.hasPostgres, "needs the servers of 'make test'")
)
struct TimescaleLeftoversTests {
    /// Rows of the table matching `condition`; -1 when there is no table.
    private func count(_ schema: String, _ condition: String = "true") throws -> Int {
        let text = try? CommandRunner.psql("SELECT count(*) FROM \(schema).llm_usage_metrics WHERE \(condition)")
        return text.flatMap { Int($0) } ?? -1
    }

    @Test func leftoversInAnExistingTableAreRemovedLaterAndNothingElse() throws {
        let schema = "dbbench_test_leftovers"
        _ = try CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        defer { _ = try? CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        // The user's table and row (a run with --keep-data creates it; the marks are then removed).
        let first = try timescale(
            [
                "--tests", "insert", "--connections", "1", "--inserts-per-connection", "10", "--batch-size", "10",
                "--keep-data", "--progress", "off",
            ],
            schema: schema
        )
        #expect(first.exitCode == 0, "\(first.stderr)")
        _ = try CommandRunner.psql(
            """
            COMMENT ON TABLE \(schema).llm_usage_metrics IS NULL; COMMENT ON SCHEMA \(schema) IS NULL;
            DELETE FROM \(schema).llm_usage_metrics;
            INSERT INTO \(schema).llm_usage_metrics (time, model_id, provider, metadata)
              VALUES (now() - interval '10 days', 'mine', 'p', '{"run_id": "0000beef"}')
            """
        )
        let (result, report) = try timescaleJSON(
            [
                "--tests", "insert", "--connections", "2", "--inserts-per-connection", "500", "--batch-size", "100",
                "--time-spread", "720h", "--keep-data", "--chunk-interval", "24h",
            ],
            schema: schema
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let id = report.runID
        #expect(id.count == 8)
        // Rows over thirty days, not one hour.
        #expect(try count(schema, "metadata->>'run_id' = '\(id)'") == 1000)
        #expect(try count(schema, "metadata->>'run_id' = '\(id)' AND time < now() - interval '2 days'") > 800)
        #expect(result.stdout.contains("--cleanup \(id) removes them"), "\(result.stdout)")
        #expect(result.stderr.contains("--chunk-interval 24h has no effect"), "\(result.stderr)")

        let cleanup = try timescale(["--cleanup", id], schema: schema)
        #expect(cleanup.exitCode == 0, "\(cleanup.stderr)")
        #expect(cleanup.stdout.contains("run \(id): 1,000 rows in \(schema).llm_usage_metrics"), "\(cleanup.stdout)")
        #expect(cleanup.stdout.contains("deleted this run's rows"), "\(cleanup.stdout)")
        #expect(try count(schema) == 1 && count(schema, "model_id = 'mine'") == 1, "the user's row stays")

        let again = try timescale(["--cleanup", id], schema: schema)
        #expect(again.exitCode == 0 && again.stdout.contains("no rows of run \(id)"), "\(again.stdout)")
    }

    @Test func aTableDbbenchCreatedGoesWithTheLastRunsRows() throws {
        let schema = "dbbench_test_leftovers_own"
        defer { _ = try? CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        let (result, report) = try timescaleJSON(
            [
                "--tests", "insert", "--connections", "1", "--inserts-per-connection", "100", "--batch-size", "50",
                "--keep-data",
            ],
            schema: schema
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let cleanup = try timescale(["--cleanup", report.runID], schema: schema)
        #expect(try count(schema, "metadata->>'run_id' = '\(report.runID)'") <= 0)
        // Tests of other suites may be connected as dbbench meanwhile: the table then stays for them.
        if cleanup.stdout.contains("kept the table for") {
            #expect(try count(schema) == 0)
        } else {
            #expect(cleanup.stdout.contains("dropped schema \(schema)"), "\(cleanup.stdout)")
            #expect(try !schemaExists(schema))
            let missing = try timescale(["--cleanup", report.runID], schema: schema)
            #expect(missing.exitCode == 0 && missing.stdout.contains("does not exist"), "\(missing.stdout)")
        }
    }

    @Test(arguments: ["XYZ", "", "0123456789abcdef0123456789abcdef0"])
    func aRunIDThatIsNoneIsRefused(_ id: String) throws {
        let result = try timescale(["--cleanup", id], schema: "dbbench_test_leftovers_bad")
        #expect(result.exitCode == 64, "\(result.stderr)")
    }
}

/// What only TimescaleDB can do is refused on plain PostgreSQL (as CI's server is) before anything is
/// created.
@Suite(
    "dbbench timescale: TimescaleDB-only flags",
    .enabled(if: TestServices.hasPostgres, "needs the servers of 'make test'")
)
struct TimescaleOnlyFlagsTests {
    @Test(arguments: [["--compress", "--tests", "insert"], ["--tests", "insert,compress,query"]])
    func compressionWithoutTimescaleDBIsRefusedAndNothingCreated(_ extra: [String]) throws {
        let schema = "dbbench_test_compress_refused"
        defer { _ = try? CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        let result = try timescale(extra + ["--connections", "2", "--inserts-per-connection", "10"], schema: schema)
        #expect(result.exitCode == 64, "\(result.stderr)")
        #expect(result.stderr.contains("need TimescaleDB, which is not installed in"), "\(result.stderr)")
        #expect(try !schemaExists(schema))
    }
}
