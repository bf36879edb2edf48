import Foundation
import TestSupport
import Testing

/// A benchmark role with no more than Docs/timescale.md asks an administrator to grant.
@Suite(
    "Least privilege on PostgreSQL",
    .serialized,
    .enabled(if: TestServices.hasPostgres, "needs the servers of 'make test'")
)
struct LeastPrivilegeTests {
    let role = "dbbench_test_limited"
    let schema = "dbbench_test_granted"

    func run(_ tests: String) throws -> CommandResult {
        try CommandRunner.dbbench(
            [
                "timescale", "--tests", tests, "--inserts-per-connection", "100", "--num-queries", "8", "--connections",
                "2", "--schema", schema, "--user", role,
            ],
            environment: TestServices.postgresEnvironment.merging(["DB_PASSWORD": "limited-secret"]) { $1 }
        )
    }

    @Test func withoutCreateTheGrantIsNamedAndWithASchemaGrantItRuns() throws {
        _ = try CommandRunner.psql(
            """
            DROP SCHEMA IF EXISTS \(schema) CASCADE; DROP ROLE IF EXISTS \(role);
            CREATE ROLE \(role) LOGIN PASSWORD 'limited-secret'
            """
        )
        defer { _ = try? CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE; DROP ROLE IF EXISTS \(role)") }
        let refused = try run("insert")
        #expect(refused.exitCode == 77, "\(refused.stderr)")
        let database = TestServices.postgresEnvironment["DB_NAME"]!
        #expect(
            refused.stderr.contains(
                "CREATE SCHEMA \(schema): permission denied for database \(database); an administrator can allow it "
                    + "with GRANT CREATE ON DATABASE \(database) TO \(role)"
            ),
            "\(refused.stderr)"
        )
        #expect(!refused.stderr.contains("limited-secret"))

        // What Docs/timescale.md gives an administrator to run: a schema of the user's, granted.
        _ = try CommandRunner.psql("CREATE SCHEMA \(schema); GRANT USAGE, CREATE ON SCHEMA \(schema) TO \(role)")
        let granted = try run("insert,query")
        #expect(granted.exitCode == 0, "\(granted.stderr)")
        #expect(granted.stdout.contains("200 rows of this run found"), "\(granted.stdout)")
        // Its rows are gone (and the table it created, unless another run of dbbench was connected to
        // the database, as tests running beside this one may be); the administrator's schema stays.
        if try CommandRunner.psql("SELECT to_regclass('\(schema).llm_usage_metrics') IS NULL") == "f" {
            #expect(try CommandRunner.psql("SELECT count(*) FROM \(schema).llm_usage_metrics") == "0")
        }
        #expect(try CommandRunner.psql("SELECT count(*) FROM pg_namespace WHERE nspname = '\(schema)'") == "1")
    }

    /// INSERT and SELECT but no DELETE on an existing table: the results are printed, the refused
    /// DELETE named with its GRANT, and what was left behind said.
    @Test func withoutDeleteTheResultsStayAndTheLeftoverIsNamed() throws {
        _ = try CommandRunner.psql(
            """
            DROP SCHEMA IF EXISTS \(schema) CASCADE; DROP ROLE IF EXISTS \(role);
            CREATE ROLE \(role) LOGIN PASSWORD 'limited-secret'; CREATE SCHEMA \(schema);
            CREATE TABLE \(schema).llm_usage_metrics (
                time TIMESTAMPTZ NOT NULL, model_id VARCHAR(255) NOT NULL, provider VARCHAR(100) NOT NULL,
                request_count INT, token_input INT, token_output INT, token_total INT, cost_usd NUMERIC(10,6),
                avg_latency_ms NUMERIC(10,2), error_count INT, success_count INT, user_id VARCHAR(255),
                application_id VARCHAR(255), environment VARCHAR(50), metadata JSONB);
            GRANT USAGE ON SCHEMA \(schema) TO \(role);
            GRANT INSERT, SELECT ON \(schema).llm_usage_metrics TO \(role)
            """
        )
        defer { _ = try? CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE; DROP ROLE IF EXISTS \(role)") }
        let result = try run("insert")
        #expect(result.exitCode == 77, "\(result.stderr)")
        #expect(
            result.stdout.contains("INSERT") && result.stdout.contains("200 rows of this run found"),
            "\(result.stdout)"
        )
        #expect(
            result.stdout.contains(
                "an administrator can allow it with GRANT DELETE ON \(schema).llm_usage_metrics TO \(role)"
            ),
            "\(result.stdout)"
        )
        #expect(result.stdout.contains("left behind: rows of this run may remain in \(schema).llm_usage_metrics"))
        #expect(try CommandRunner.psql("SELECT count(*) FROM \(schema).llm_usage_metrics") == "200")
    }
}
