import IOLoop
import Postgres
import TestSupport
import Testing

@testable import TimescaleBench

/// Cleanup and the row count of an existing table touch only the time the run wrote in, so that a
/// hypertable's other chunks are never read, decompressed or rewritten.
@Suite(
    "Cleanup bounded by the run's time",
    .serialized,
    .enabled(if: TestServices.hasPostgres, "needs the servers of 'make test'")
)
struct CleanupBoundsTests {
    @Test func onlyTheRunsWindowIsCountedAndDeleted() async throws {
        let schema = "dbbench_test_bounds"
        _ = try CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        defer { _ = try? CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        let table = MetricsTable(endpoint: try testEndpoint(), schema: schema, runID: "b0und5id")
        _ = try await onLoop { loop in try await table.prepare(createTable: true, on: loop) }
        // Now the user's table: without dbbench's marks, with a row of the same id two days old.
        _ = try CommandRunner.psql(
            """
            COMMENT ON TABLE \(schema).llm_usage_metrics IS NULL; COMMENT ON SCHEMA \(schema) IS NULL;
            INSERT INTO \(schema).llm_usage_metrics (time, model_id, provider, metadata) VALUES
              (now() - interval '30 minutes', 'm', 'p', '{"run_id": "b0und5id"}'),
              (now() - interval '2 days', 'm', 'p', '{"run_id": "b0und5id"}')
            """
        )
        let preparation = try await onLoop { loop in try await table.prepare(createTable: true, on: loop) }
        #expect(!preparation.createdTable && !preparation.isHypertable)

        // A run that wrote nothing deletes nothing.
        let idle = try await onLoop { loop in try await table.cleanUp(preparation, keepData: false, on: loop) }
        #expect(idle == "nothing to delete from \(schema).llm_usage_metrics: this run wrote no rows")
        #expect(try CommandRunner.psql("SELECT count(*) FROM \(schema).llm_usage_metrics") == "2")

        table.written.mark()
        #expect(try await onLoop { loop in try await table.countRunRows(on: loop) } == 1)
        let line = try await onLoop { loop in try await table.cleanUp(preparation, keepData: false, on: loop) }
        #expect(line == "deleted this run's rows from \(schema).llm_usage_metrics, which existed before")
        #expect(
            try CommandRunner.psql(
                "SELECT count(*) FROM \(schema).llm_usage_metrics WHERE time < now() - interval '1 day'"
            ) == "1"
        )
        #expect(try CommandRunner.psql("SELECT count(*) FROM \(schema).llm_usage_metrics") == "1")

        // The DELETE's plan filters on time: on a hypertable, the chunks outside are excluded.
        let window = table.written.window()
        let plan = try CommandRunner.psql(
            "EXPLAIN DELETE FROM \(schema).llm_usage_metrics WHERE "
                + table.rowCondition.replacing("$1", with: "'b0und5id'").replacing("$2", with: window[0])
                .replacing("$3", with: window[1])
        )
        #expect(plan.contains("\"time\" >=") && plan.contains("\"time\" <="), "\(plan)")
    }
}
