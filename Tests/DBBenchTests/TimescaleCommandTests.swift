import BenchCore
import Foundation
import Synchronization
import TestSupport
import Testing

func timescale(
    _ extra: [String],
    schema: String,
    environment: [String: String] = TestServices.postgresEnvironment
) throws -> CommandResult {
    try CommandRunner.dbbench(["timescale", "--schema", schema] + extra, environment: environment)
}

func timescaleJSON(
    _ extra: [String],
    schema: String,
    timeout: Double = 120,
    interruptAfter: Double? = nil
) throws -> (result: CommandResult, report: RunReport) {
    try CommandRunner.dbbenchJSON(
        ["timescale", "--schema", schema] + extra,
        environment: TestServices.postgresEnvironment,
        timeout: timeout,
        interruptAfter: interruptAfter
    )
}

/// Runs `sql` through psql `seconds` from now on a thread of its own, while the test goes on.
func psqlLater(in seconds: Double, _ sql: String) {
    Thread {
        Thread.sleep(forTimeInterval: seconds)
        _ = try? CommandRunner.psql(sql)
    }.start()
}

func schemaExists(_ schema: String) throws -> Bool {
    try CommandRunner.psql("SELECT count(*) FROM pg_namespace WHERE nspname = '\(schema)'") == "1"
}

@Suite(
    "dbbench timescale against the real server",
    .serialized,
    .enabled(if: TestServices.hasPostgres, "needs the servers of 'make test'")
)
struct TimescaleCommandTests {
    @Test(arguments: ["copy", "insert"])
    func rowsInTheTableEqualRowsReported(method: String) throws {
        let schema = "dbbench_test_rows_\(method)"
        defer { _ = try? CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        let (result, report) = try timescaleJSON(
            [
                "--tests", "insert", "--connections", "6", "--inserts-per-connection", "333",
                "--batch-size", "50", "--insert-method", method, "--keep-data",
            ],
            schema: schema
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let insert = try #require(report.workload("INSERT"))
        #expect(insert.counters["rows"] == 1998)
        #expect(insert.notes(contain: "1,998 rows inserted by"))
        #expect(insert.notes(contain: "1,998 rows of this run found in \(schema).llm_usage_metrics (matches)"))
        #expect(try CommandRunner.psql("SELECT count(*) FROM \(schema).llm_usage_metrics") == "1998")
        // 6 connections × 333 rows in batches of 50: 6 × (6 full + 1 of 33) = 42 batches, each an operation.
        #expect(insert.attempted == 42 && insert.succeeded == 42)
        // Values are in the documented ranges and spread over the last hour.
        let check = try CommandRunner.psql(
            """
            SELECT bool_and(cost_usd BETWEEN 0.001 AND 0.5 AND avg_latency_ms BETWEEN 50 AND 500
                   AND token_total = token_input + token_output AND time > now() - interval '61 minutes'
                   AND model_id IN ('gpt-4', 'gpt-3.5-turbo', 'claude-3', 'claude-2')),
                   count(DISTINCT date_trunc('minute', time)) > 30 FROM \(schema).llm_usage_metrics
            """
        )
        #expect(check == "t|t")
        #expect(try CommandRunner.psql("SELECT count(*) FROM pg_indexes WHERE schemaname = '\(schema)'") == "5")
    }

    @Test func teardownDropsOnlyWhatTheRunCreated() throws {
        let schema = "dbbench_test_teardown"
        _ = try CommandRunner.psql(
            """
            DROP TABLE IF EXISTS public.llm_usage_metrics;
            CREATE TABLE public.llm_usage_metrics (time TIMESTAMPTZ NOT NULL, model_id TEXT);
            INSERT INTO public.llm_usage_metrics VALUES (now(), 'users-own-row')
            """
        )
        defer { _ = try? CommandRunner.psql("DROP TABLE IF EXISTS public.llm_usage_metrics") }

        let (result, report) = try timescaleJSON(
            ["--connections", "4", "--inserts-per-connection", "100", "--num-queries", "20"],
            schema: schema
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(report.workloads.map(\.name) == ["INSERT", "QUERY", "CONNECTIONS"])
        #expect(report.footer.first?.hasPrefix("cleanup: dropped schema \(schema)") == true)
        #expect(try !schemaExists(schema))
        #expect(try CommandRunner.psql("SELECT model_id FROM public.llm_usage_metrics") == "users-own-row")
    }

    @Test func rowsAreDeletedFromATableThatExistedBefore() throws {
        let schema = "dbbench_test_existing"
        defer { _ = try? CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        let first = try timescale(
            ["--tests", "insert", "--connections", "2", "--inserts-per-connection", "10", "--keep-data"],
            schema: schema
        )
        #expect(first.exitCode == 0, "\(first.stderr)")
        #expect(try CommandRunner.psql("SELECT count(*) FROM \(schema).llm_usage_metrics") == "20")

        let second = try timescale(
            ["--tests", "insert", "--connections", "3", "--inserts-per-connection", "100"],
            schema: schema
        )
        #expect(second.exitCode == 0, "\(second.stderr)")
        #expect(second.stdout.contains("300 rows of this run found"))
        #expect(second.stdout.contains("cleanup: deleted this run's rows"))
        #expect(try CommandRunner.psql("SELECT count(*) FROM \(schema).llm_usage_metrics") == "20")
    }

    @Test func queryWorkloadRunsTheSelectedQueries() throws {
        let schema = "dbbench_test_queries"
        let all = try timescaleJSON(["--tests", "query", "--connections", "4", "--num-queries", "200"], schema: schema)
        #expect(all.result.exitCode == 0, "\(all.result.stderr)")
        let query = try #require(all.report.workload("QUERY"))
        #expect(query.succeeded == 200 && query.failed == 0)
        #expect(Set(query.operations.keys) == ["top_models", "last_point", "buckets", "user_range"])
        #expect(query.operations.values.reduce(0, +) == 200)
        // A new, empty table: the rows to aggregate were seeded first, which the notes say.
        #expect(
            query.notes(
                contain: "the table had fewer than 10,000 rows in the last hour, so 100,000 rows of this run were "
                    + "inserted first (not measured; removed with the run's rows)"
            ),
            "\(query.notes)"
        )
        #expect(all.result.stdout.contains("(plain table)"))

        let one = try timescaleJSON(
            ["--tests", "query", "--connections", "2", "--num-queries", "10", "--queries", "user_range"],
            schema: schema
        )
        #expect(one.result.exitCode == 0, "\(one.result.stderr)")
        #expect(one.report.workload("QUERY")?.operations == ["user_range": 10])
        #expect(try !schemaExists(schema))
    }

    @Test func customStatementRunsWithRandomParametersAndTouchesNothing() throws {
        let schema = "dbbench_test_sql"
        let (result, report) = try timescaleJSON(
            [
                "--tests", "sql", "--sql", "SELECT g FROM generate_series($1::int, $2::int) AS g",
                "--sql-args", "1-1,3-5", "--connections", "3", "--num-queries", "300",
                "--assert", "sql.errors==0", "--assert", "sql.rows>=1",
            ],
            schema: schema
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let sql = try #require(report.workload("SQL"))
        #expect(sql.succeeded == 300 && sql.failed == 0)
        // Each execution returns 3 to 5 rows.
        let rows = try #require(sql.counters["rows"])
        #expect(rows >= 900 && rows <= 1500)
        #expect(report.footer == ["cleanup: nothing to clean up: no benchmark table was used"])
        #expect(report.thresholds == ["sql.errors==0 true", "sql.rows>=1 true"])
        #expect(try !schemaExists(schema))
        #expect(!result.stderr.contains("timescaledb"))
    }

    @Test func failingStatementsFailLatencyThresholdsAndAreNotRated() throws {
        let result = try timescale(
            ["--tests", "sql", "--sql", "SELEC 1", "--connections", "2", "--num-queries", "10", "--assert", "p99<5ms"],
            schema: "dbbench_test_failing"
        )
        #expect(result.exitCode == 1, "\(result.stderr)")
        #expect(result.stdout.contains("FAIL  p99<5ms  SQL has no successful operation to take p99 from"))
        #expect(result.stdout.contains("SQL latency P95  -  NO DATA"))
        // Preparing the statement fails, once per connection.
        #expect(result.stdout.contains("error 2 × 42601 syntax error at or near \"SELEC\""))
    }

    @Test func copyStatementsInSqlRunToTheirEnd() throws {
        let table = "public.dbbench_test_copy_keep"
        _ = try CommandRunner.psql(
            "DROP TABLE IF EXISTS \(table); CREATE TABLE \(table) AS SELECT generate_series(1, 3) AS x"
        )
        defer { _ = try? CommandRunner.psql("DROP TABLE IF EXISTS \(table)") }
        // COPY TO STDOUT: read to its end, its rows counted.
        let out = try timescaleJSON(
            ["--tests", "sql", "--sql", "COPY \(table) TO STDOUT", "--connections", "2", "--num-queries", "10"],
            schema: "dbbench_test_copy"
        )
        #expect(out.result.exitCode == 0, "\(out.result.stderr)")
        #expect(out.report.workload("SQL")?.succeeded == 10 && out.report.workload("SQL")?.counters["rows"] == 30)
        // COPY FROM STDIN: no data to send, so each ends as failed, at once rather than spinning.
        let into = try timescaleJSON(
            [
                "--tests", "sql", "--sql", "COPY \(table) FROM STDIN", "--connections", "2", "--num-queries", "10",
                "--timeout", "10s",
            ],
            schema: "dbbench_test_copy",
            timeout: 60
        )
        #expect(into.result.exitCode == 0, "\(into.result.stderr)")
        let sql = try #require(into.report.workload("SQL"))
        #expect(sql.failed == 10 && sql.succeeded == 0)
        #expect(sql.errors.keys.contains { $0.contains("dbbench sends no COPY data") }, "\(sql.errors)")
        #expect(into.result.seconds < 10)
        #expect(try CommandRunner.psql("SELECT count(*) FROM \(table)") == "3")
    }

    @Test func aCleanupStuckBehindALockStillPrintsTheResults() throws {
        let schema = "dbbench_test_locked"
        defer { _ = try? CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        // 1.5 s into the run another session takes a lock that lets INSERT go on but keeps DROP TABLE
        // waiting beyond --timeout.
        psqlLater(
            in: 1.5,
            "BEGIN; LOCK TABLE \(schema).llm_usage_metrics IN ACCESS SHARE MODE; SELECT pg_sleep(5); COMMIT"
        )
        let (result, report) = try timescaleJSON(
            ["--tests", "insert", "--connections", "2", "--duration", "3s", "--timeout", "1s"],
            schema: schema,
            timeout: 60
        )
        #expect(result.exitCode == 69, "\(result.stderr)")
        let insert = try #require(report.workload("INSERT"), "no INSERT in \(result.stdout)")
        #expect((insert.counters["rows"] ?? 0) > 0)
        #expect(report.failures.count == 1 && report.failures[0].hasPrefix("- cleanup: "), "\(report.failures)")
        #expect(
            report.footer.contains { $0.hasPrefix("left behind: schema \(schema) and \(schema).llm_usage_metrics") }
        )
    }

    @Test func concurrentRunsShareTheTableAndTheLastDropsIt() throws {
        let schema = "dbbench_test_twins"
        defer { _ = try? CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        let runs = Mutex<[Int: (CommandResult, RunReport)]>([:])
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            // The second starts while the first inserts and is still inserting when the first cleans up.
            if index == 1 { Thread.sleep(forTimeInterval: 1) }
            let duration = index == 0 ? "2s" : "3s"
            if let run = try? timescaleJSON(
                ["--tests", "insert", "--connections", "2", "--duration", duration],
                schema: schema,
                timeout: 60
            ) {
                runs.withLock { $0[index] = run }
            }
        }
        let both = runs.withLock { $0 }
        #expect(both.count == 2)
        for (result, report) in both.values {
            #expect(result.exitCode == 0, "\(result.stderr)")
            let insert = try #require(report.workload("INSERT"))
            #expect(insert.notes(contain: "(matches)"), "\(insert.notes)")  // every row it wrote was there
        }
        #expect(both[0]?.1.footer.first?.contains("kept the table") == true, "\(both[0]?.1.footer ?? [])")
        #expect(both[1]?.1.footer.first?.hasPrefix("cleanup: dropped schema \(schema)") == true)
        #expect(try !schemaExists(schema))
    }

    @Test func refusedConnectionsAreFailedOperations() throws {
        let maxConnections = try #require(Int(try CommandRunner.psql("SHOW max_connections")))
        let (result, report) = try timescaleJSON(
            [
                "--tests", "insert", "--connections", String(maxConnections + 20), "--inserts-per-connection", "10",
                "--batch-size", "10",
            ],
            schema: "dbbench_test_refused"
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let insert = try #require(report.workload("INSERT"))
        // Each connection has one batch: those the server refused are failed batches, in the errors column.
        #expect(insert.attempted == maxConnections + 20 && insert.failed >= 20, "\(insert.failed) failed")
        #expect(insert.succeeded + insert.failed == insert.attempted)
        let refused = insert.errors.filter { $0.key.contains("too many clients") }.values.reduce(0, +)
        #expect(refused == insert.failed, "\(insert.errors)")
        #expect(insert.counters["rows"] == insert.succeeded * 10)
    }

    @Test func terminatedBackendsEndTheirConnectionsAtOnceNotAtTheTimeout() throws {
        let schema = "dbbench_test_terminated"
        defer { _ = try? CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        psqlLater(
            in: 1.5,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'dbbench %'"
        )
        let (result, report) = try timescaleJSON(
            ["--tests", "insert", "--connections", "2", "--duration", "4s", "--timeout", "30s", "--no-reconnect"],
            schema: schema,
            timeout: 90
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let insert = try #require(report.workload("INSERT"))
        #expect(insert.failed >= 1, "\(insert.errors)")
        #expect(insert.notes(contain: "ended after"), "\(insert.notes)")
        // Each terminated connection ends at once, not at the 30 s --timeout.
        #expect(result.seconds < 15, "took \(result.seconds) s")
    }

    @Test func parametersDrawnFromTheWidestRange() throws {
        let (result, report) = try timescaleJSON(
            [
                "--tests", "sql", "--sql", "SELECT $1::bigint", "--sql-args", "0-9223372036854775807",
                "--connections", "2", "--num-queries", "20",
            ],
            schema: "dbbench_test_wide"
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(report.workload("SQL")?.succeeded == 20)
    }

    @Test func interruptionDropsTheSchemaAndReportsPartialRows() throws {
        let schema = "dbbench_test_interrupt"
        let (result, report) = try timescaleJSON(
            ["--tests", "insert,query", "--connections", "4", "--inserts-per-connection", "50000000"],
            schema: schema,
            timeout: 60,
            interruptAfter: 2
        )
        #expect(result.exitCode == 130, "\(result.stderr)")
        #expect(report.interrupted)
        let insert = try #require(report.workload("INSERT"))
        #expect(insert.interrupted && insert.succeeded > 0)
        #expect(report.workload("QUERY") == nil)
        #expect(insert.notes(contain: "(matches)"))  // rows reported = rows found, even when interrupted
        #expect(report.footer.first?.hasPrefix("cleanup: dropped schema \(schema)") == true)
        #expect(try !schemaExists(schema))
    }

    @Test func warmupRowsAreFoundButNotReported() throws {
        let schema = "dbbench_test_warmup"
        let (result, report) = try timescaleJSON(
            ["--tests", "insert", "--connections", "2", "--duration", "1s", "--warmup", "500ms", "--keep-data"],
            schema: schema
        )
        defer { _ = try? CommandRunner.psql("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        #expect(result.exitCode == 0, "\(result.stderr)")
        let insert = try #require(report.workload("INSERT"))
        let line = try #require(insert.notes.first { $0.contains("rows of this run found") })
        #expect(line.contains("(matches; ") && line.contains("of them inserted during the warm-up)"))
        let reported = try #require(insert.counters["rows"])
        let inTable = try #require(Int(try CommandRunner.psql("SELECT count(*) FROM \(schema).llm_usage_metrics")))
        #expect(reported > 0 && inTable > reported)
    }

    @Test func connectionsAboveMaxConnectionsAreReportedAsPartialSuccess() throws {
        let maxConnections = try #require(Int(try CommandRunner.psql("SHOW max_connections")))
        let wanted = maxConnections + 50
        let (result, report) = try timescaleJSON(
            ["--tests", "connections", "--connections", String(wanted)],
            schema: "dbbench_test_conn"
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let connections = try #require(report.workload("CONNECTIONS"))
        let opened = try #require(connections.operations["connect"])
        #expect(opened > 0 && opened < wanted)
        #expect(connections.notes(contain: "\(Format.grouped(opened)) of \(Format.grouped(wanted)) connections"))
        #expect(connections.notes(contain: "server limit: max_connections = \(maxConnections)"))
        #expect(connections.errors.keys.contains { $0.contains("sorry, too many clients already") })
    }

    @Test func wrongPasswordExits77WithoutPrintingIt() throws {
        var environment = TestServices.postgresEnvironment
        environment["DB_PASSWORD"] = "definitely-wrong-\(UInt32.random(in: 0...UInt32.max))"
        let result = try timescale([], schema: "dbbench_test_auth", environment: environment)
        #expect(result.exitCode == 77)
        #expect(result.stderr.contains("password authentication failed for user \"postgres\""))
        #expect(
            !result.stderr.contains(environment["DB_PASSWORD"]!) && !result.stdout.contains(environment["DB_PASSWORD"]!)
        )
    }

    @Test func closedPortExits69() throws {
        var environment = TestServices.postgresEnvironment
        let port = TestServices.closedPort()
        environment["DB_PORT"] = String(port)
        let result = try timescale([], schema: "dbbench_test_closed", environment: environment)
        #expect(result.exitCode == 69)
        #expect(
            result.stderr
                == "dbbench timescale: cannot connect to PostgreSQL at 127.0.0.1:\(port)/analytics: Connection refused\n"
        )
    }

    @Test(arguments: [
        (["--batch-size", "0"], "--batch-size must be a whole number"),
        (["--insert-method", "bulk"], "--insert-method must be one of copy, insert, got 'bulk'"),
        (["--schema", "Bad-Name"], "--schema must be a plain identifier"),
        (["--schema", "public"], "--schema public is not dbbench's to use"),
        (["--schema", "timescaledb_information"], "--schema timescaledb_information is not dbbench's to use"),
        (["--schema", "timescaledb_experimental"], "--schema timescaledb_experimental is not dbbench's to use"),
        (["--tests", "insert,select"], "--tests has unknown item 'select'"),
        (
            ["--queries", "top_model"],
            "--queries has unknown item 'top_model'; choose from top_models,last_point,buckets,user_range (did you mean 'top_models'?)"
        ),
        (
            ["--insert-method", "insert", "--batch-size", "5000"],
            "--batch-size 5000 is too large for --insert-method insert"
        ),
        (["--sslmode", "maybe"], "--sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full"),
        (["--conections", "5"], "unknown option '--conections' (did you mean '--connections'?)"),
        (["--keep-data=yes"], "--keep-data takes no value"),
        (["--tests", "sql"], "--tests sql needs --sql 'STATEMENT'"),
        (["--assert", "redis.p99<5"], "--assert 'redis.p99<5': unknown workload 'redis'"),
        (["--sql", "SELECT 1"], "--sql is only used by --tests sql"),
        (
            ["--tests", "sql", "--sql", "SELECT $1", "--sql-args", "5-1"],
            "--sql-args must be comma-separated MIN-MAX ranges"
        ),
    ])
    func badInputExits64(arguments: [String], expected: String) throws {
        let result = try CommandRunner.dbbench(["timescale"] + arguments, environment: TestServices.postgresEnvironment)
        #expect(result.exitCode == 64)
        #expect(result.stderr.contains(expected), "stderr: \(result.stderr)")
    }

    @Test func timescaleJSONCarriesTheConfigurationButNotThePassword() throws {
        let result = try CommandRunner.dbbench(
            [
                "timescale", "--tests", "insert", "--connections", "2", "--inserts-per-connection", "200",
                "--batch-size", "50",
                "--schema", "dbbench_test_json", "--format", "json",
            ],
            environment: TestServices.postgresEnvironment
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(!result.stdout.contains(TestServices.postgresPassword))
        let document = try parseJSON(result.stdout)
        try checkDocumentSchema(document)
        #expect(document["command"] as? String == "timescale")
        #expect((document["server_version"] as? String)?.isEmpty == false)
        let configuration = try #require(document["configuration"] as? [String: String])
        #expect(configuration["schema"] == "dbbench_test_json")
        #expect(configuration["password"] == nil)
        // Values, never help prose: an option left to libpq is absent.
        #expect(configuration["sslmode"] == nil)
        #expect(configuration["batch-size"] == "50" && configuration["insert-method"] == "copy")
        #expect(configuration["threads"].flatMap(Int.init) != nil && configuration["timeout"] == "1m")
        let workloads = try #require(document["workloads"] as? [[String: Any]])
        let insert = try #require(workloads.first)
        // An operation is a batch: 2 connections × 200 rows in batches of 50; rows are a counter.
        #expect(insert["attempted"] as? Int == 8 && insert["succeeded"] as? Int == 8)
        #expect((insert["counters"] as? [String: Int])?["rows"] == 400)
        let rowsPerSecond = try #require((insert["counters_per_second"] as? [String: NSNumber])?["rows"]?.doubleValue)
        let throughput = try #require((insert["throughput_per_second"] as? NSNumber)?.doubleValue)
        #expect(abs(rowsPerSecond - 50 * throughput) < 0.01 * rowsPerSecond)
    }
}
