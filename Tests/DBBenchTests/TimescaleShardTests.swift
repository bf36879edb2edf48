import Foundation
import TestSupport
import Testing

/// A distributed run against PostgreSQL: the table prepared once, four shards started together at
/// `--start-at` on it, merged, and cleaned up once.
@Suite(
    "dbbench timescale: shards and phases",
    .enabled(if: TestServices.hasPostgres, "needs the servers of 'make test'")
)
struct TimescaleShardTests {
    private func rows(_ schema: String, _ condition: String = "true") throws -> Int {
        Int(try CommandRunner.psql("SELECT count(*) FROM \(schema).llm_usage_metrics WHERE \(condition)")) ?? -1
    }

    @Test func preparedOnceRunByFourShardsAtOnceCleanedUpOnce() throws {
        let schema = "dbbench_test_shards"
        let id = "c0ffee1"
        _ = try CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        defer { _ = try? CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE") }

        let early = try timescale(["--phase", "run", "--run-id", id, "--tests", "insert"], schema: schema)
        #expect(early.exitCode == 64 && early.stderr.contains("run --phase prepare --run-id \(id) first"))
        #expect(try !schemaExists(schema))

        let prepare = try timescale(["--phase", "prepare", "--run-id", id, "--tests", "insert"], schema: schema)
        #expect(prepare.exitCode == 0, "\(prepare.stderr)")
        #expect(prepare.stdout.contains("prepared run \(id): created schema \(schema)"), "\(prepare.stdout)")
        #expect(try rows(schema) == 0)

        let start = startTime()
        let all = try runShards(4, environment: TestServices.postgresEnvironment) { index in
            [
                "timescale", "--schema", schema, "--phase", "run", "--run-id", id, "--shard", "\(index)/4",
                "--tests", "insert", "--connections", "8", "--threads", "1", "--inserts-per-connection", "250",
                "--batch-size", "50",
                "--start-at", start, "--keep-data", "--progress", "off", "--format", "json",
            ]
        }
        var reports: [RunReport] = []
        var inserted = 0
        for index in 0..<4 {
            let result = try #require(all[index])
            #expect(result.exitCode == 0, "\(result.stderr)")
            let report = try RunReport(json: result.stdout)
            reports.append(report)
            // Each shard's two connections × 250 rows, named with the shard.
            let counted = report.workload("INSERT")?.counters["rows"] ?? -1
            #expect(counted == 500)
            #expect(try rows(schema, "metadata->>'run_id' = '\(id)-\(index)'") == counted)
            inserted += counted
        }
        expectTogether(reports)
        #expect(try rows(schema) == inserted && inserted == 2000)

        // Merged: the rows of the four, as the table holds them.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dbbench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for index in 0..<4 {
            try all[index]!.stdout.write(
                toFile: directory.appendingPathComponent("\(index).json").path,
                atomically: true,
                encoding: .utf8
            )
        }
        let merged = try CommandRunner.dbbenchJSON(["merge", directory.path])
        #expect(merged.result.exitCode == 0, "\(merged.result.stderr)")
        #expect(merged.report.workload("INSERT")?.counters["rows"] == 2000)
        #expect(merged.report.workload("INSERT")?.succeeded == 40)

        // A shard of --phase run (of another run here) removes its own rows and never the table.
        let lone = try timescale(
            [
                "--phase", "run", "--run-id", "c0ffee2", "--shard", "0/1", "--tests", "insert", "--connections", "1",
                "--inserts-per-connection", "10", "--batch-size", "10",
            ],
            schema: schema
        )
        #expect(lone.exitCode == 0, "\(lone.stderr)")
        #expect(lone.stdout.contains("the table stays for --phase cleanup"), "\(lone.stdout)")
        #expect(try rows(schema) == 2000)

        let cleanup = try timescale(["--phase", "cleanup", "--run-id", id], schema: schema)
        #expect(cleanup.exitCode == 0, "\(cleanup.stderr)")
        #expect(cleanup.stdout.contains("run \(id): 2,000 rows in \(schema).llm_usage_metrics"), "\(cleanup.stdout)")
        // Dropped, unless another test's dbbench is connected to the database just then: the table
        // is kept for it, and a later cleanup of the run drops it.
        if cleanup.stdout.contains("kept the table for") {
            #expect(cleanup.stdout.contains("--phase cleanup --run-id \(id) drops it"), "\(cleanup.stdout)")
            #expect(try rows(schema) == 0)
        } else {
            #expect(cleanup.stdout.contains("dropped schema \(schema)"), "\(cleanup.stdout)")
            #expect(try !schemaExists(schema))
        }
    }

    @Test func theCleanupOfARunLeavesOtherRunsAndTheUsersRows() throws {
        let schema = "dbbench_test_shards_others"
        _ = try CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        defer { _ = try? CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        let prepare = try timescale(["--phase", "prepare", "--run-id", "ab5", "--tests", "insert"], schema: schema)
        #expect(prepare.exitCode == 0, "\(prepare.stderr)")
        _ = try CommandRunner.psql(
            """
            INSERT INTO \(schema).llm_usage_metrics (time, model_id, provider, metadata) VALUES
              (now(), 'a', 'p', '{"run_id": "ab5-0"}'), (now(), 'b', 'p', '{"run_id": "ab5-13"}'),
              (now(), 'c', 'p', '{"run_id": "ab5"}'), (now(), 'd', 'p', '{"run_id": "ab50"}'),
              (now(), 'e', 'p', '{"run_id": "ab5-x"}'), (now(), 'f', 'p', NULL)
            """
        )
        let cleanup = try timescale(["--phase", "cleanup", "--run-id", "ab5"], schema: schema)
        #expect(cleanup.exitCode == 0, "\(cleanup.stderr)")
        #expect(cleanup.stdout.contains("run ab5: 3 rows"), "\(cleanup.stdout)")
        #expect(try rows(schema) == 3 && rows(schema, "model_id IN ('d', 'e', 'f')") == 3)
        #expect(try schemaExists(schema), "other rows are in it: it stays")
    }

    /// While another dbbench is connected to the database, the cleanup keeps a prepared table (the
    /// other may be using it) and says how to drop it later; other runs never drop it.
    @Test func aPreparedTableIsKeptWhileAnotherDbbenchIsConnected() throws {
        let schema = "dbbench_test_shards_held"
        _ = try CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        defer { _ = try? CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        #expect(
            try timescale(["--phase", "prepare", "--run-id", "4e1d", "--tests", "insert"], schema: schema).exitCode == 0
        )
        let comment = try CommandRunner.psql(
            "SELECT obj_description('\(schema).llm_usage_metrics'::regclass, 'pg_class')"
        )
        #expect(comment == "created by dbbench for run 4e1d")

        // Another run of dbbench, as pg_stat_activity names it, for a few seconds.
        let done = DispatchSemaphore(value: 0)
        Thread {
            _ = try? CommandRunner.psql("SET application_name = 'dbbench 0ther'; SELECT pg_sleep(8)")
            done.signal()
        }.start()
        var connected = false
        for _ in 0..<50 where !connected {
            connected =
                (try? CommandRunner.psql(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dbbench 0ther'"
                )) == "1"
            if !connected { Thread.sleep(forTimeInterval: 0.1) }
        }
        try #require(connected)
        let kept = try timescale(["--phase", "cleanup", "--run-id", "4e1d"], schema: schema)
        #expect(kept.exitCode == 0, "\(kept.stderr)")
        #expect(
            kept.stdout.contains("kept the table for")
                && kept.stdout.contains("--phase cleanup --run-id 4e1d drops it"),
            "\(kept.stdout)"
        )
        #expect(try schemaExists(schema))
        done.wait()
    }
}
