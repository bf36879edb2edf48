import BenchCore
import Foundation
import TestSupport
import Testing

/// `--tests mixed`: inserts and queries at once on separate connections, against the real server.
@Suite("dbbench timescale --tests mixed", .enabled(if: TestServices.hasPostgres, "needs the servers of 'make test'"))
struct TimescaleMixedTests {
    @Test func insertsAndQueriesRunTogetherAndTheRowsMatchTheTable() throws {
        let schema = "dbbench_test_mixed"
        _ = try CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        defer { _ = try? CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        let (result, report) = try timescaleJSON(
            [
                "--tests", "mixed", "--connections", "6", "--query-connections", "2", "--batch-size", "50",
                "--duration", "2s", "--keep-data",
            ],
            schema: schema
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let mixed = try #require(report.workload("MIXED"))
        let batches = try #require(mixed.operations["insert batch"])
        let rows = try #require(mixed.counters["rows"])
        #expect(batches > 0 && rows == batches * 50)
        // Every query kind ran, beside the inserts, and returned rows.
        let queries = ["top_models", "last_point", "buckets", "user_range"].compactMap { mixed.operations[$0] }
        #expect(queries.count == 4 && queries.allSatisfy { $0 > 0 }, "\(mixed.operations)")
        #expect((mixed.counters["rows_returned"] ?? 0) > 0)
        #expect(mixed.succeeded == batches + queries.reduce(0, +) && mixed.failed == 0)
        // The table holds the rows inserted, beside the 100,000 QUERY's seeding put first into the
        // new table.
        let inTable = Int(
            try CommandRunner.psql(
                "SELECT count(*) FROM \(schema).llm_usage_metrics WHERE metadata->>'run_id' = '\(report.runID)'"
            )
        )
        #expect(inTable == rows + 100_000)
        #expect(mixed.notes(contain: "\(Format.grouped(rows)) rows of this run inserted found"))
        #expect(result.stdout.contains("mixed: 4 connections insert while 2 query"))
    }

    @Test(arguments: [
        (["--connections", "1"], "at least 2 --connections"),
        (["--connections", "4", "--query-connections", "4"], "must leave some"),
    ])
    func impossibleSplitsAreRefused(_ extra: [String], message: String) throws {
        let result = try timescale(["--tests", "mixed"] + extra, schema: "dbbench_test_mixed_bad")
        #expect(result.exitCode == 64 && result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func queryConnectionsNeedsMixed() throws {
        let result = try timescale(["--tests", "insert", "--query-connections", "2"], schema: "dbbench_test_mixed_bad")
        #expect(result.exitCode == 64 && result.stderr.contains("--query-connections is for --tests mixed"))
    }
}
