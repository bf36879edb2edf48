import Foundation
import TestSupport
import Testing

/// libpq's own variables (`PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`) when dbbench's `DB_*` are not
/// set; `DB_*` win over them and flags over both.
@Suite(
    "libpq's environment variables",
    .enabled(if: TestServices.hasPostgres, "needs the servers of 'make test'")
)
struct LibpqConventionsTests {
    let server = TestServices.postgresEnvironment

    func run(
        _ environment: [String: String],
        flags: [String] = [],
        sql: String = "SELECT 1"
    ) throws -> (CommandResult, RunReport) {
        try CommandRunner.dbbenchJSON(
            ["timescale", "--tests", "sql", "--sql", sql, "--num-queries", "20", "--connections", "2"]
                + flags,
            environment: environment
        )
    }

    @Test func pgVariablesNameTheServerWhenDBVariablesDoNot() throws {
        let (result, report) = try run([
            "PGHOST": server["DB_HOST"]!, "PGPORT": server["DB_PORT"]!, "PGUSER": server["DB_USER"]!,
            "PGDATABASE": server["DB_NAME"]!, "PGPASSWORD": server["DB_PASSWORD"]!,
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(report.workload("SQL")?.succeeded == 20)
        #expect(
            report.configuration["port"] == server["DB_PORT"] && report.configuration["database"] == server["DB_NAME"]
        )
    }

    @Test func dbVariablesWinOverPGOnesAndFlagsOverBoth() throws {
        let closed = String(TestServices.closedPort())
        let (result, _) = try run(server.merging(["PGPORT": closed, "PGDATABASE": "nosuchdb"]) { $1 })
        #expect(result.exitCode == 0, "\(result.stderr)")
        let (flagged, _) = try run(
            server.merging(["DB_PORT": closed, "PGPORT": closed]) { $1 },
            flags: ["--port", server["DB_PORT"]!]
        )
        #expect(flagged.exitCode == 0, "\(flagged.stderr)")
    }

    /// An absolute host is the directory of the server's Unix socket, as libpq takes it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PG_SOCKET_DIR"] != nil, "needs the socket of 'make test'"))
    func aSocketDirectoryAsHostConnectsThroughTheSocket() throws {
        let directory = try #require(ProcessInfo.processInfo.environment["PG_SOCKET_DIR"])
        var environment = server
        environment["DB_HOST"] = nil
        environment["PGHOST"] = directory
        // A row only where the server sees no client address: a Unix socket.
        let (result, report) = try run(environment, sql: "SELECT 1 WHERE inet_client_addr() IS NULL")
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(report.workload("SQL")?.succeeded == 20)
        #expect(report.workload("SQL")?.counters["rows"] == 20)
        #expect(result.stdout.contains("\"target\":\"\(directory)/.s.PGSQL.\(server["DB_PORT"]!)/"))
    }

    @Test func aURLNamesTheServerAndItsPasswordAppearsNowhere() throws {
        let password = server["DB_PASSWORD"]!
        let url = "postgresql://\(server["DB_USER"]!):\(password)@127.0.0.1:\(server["DB_PORT"]!)/\(server["DB_NAME"]!)"
        let (result, report) = try run([:], flags: ["--url", url + "?sslmode=disable"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(report.workload("SQL")?.succeeded == 20)
        #expect(report.configuration["url"] == nil && report.configuration["sslmode"] == "disable")
        #expect(!result.stdout.contains(password) && !result.stderr.contains(password))
        // DATABASE_URL with a socket directory as its host parameter; a flag wins over the URL's part.
        let socket = ProcessInfo.processInfo.environment["PG_SOCKET_DIR"] ?? "/nonexistent"
        let (fromEnvironment, _) = try run(
            [
                "DATABASE_URL": "postgres://\(server["DB_USER"]!)@/nosuchdb?host=\(socket)&port=\(server["DB_PORT"]!)",
                "PGPASSWORD": password,
            ],
            flags: ["--database", server["DB_NAME"]!]
        )
        #expect(fromEnvironment.exitCode == 0, "\(fromEnvironment.stderr)")
        let refused = try CommandRunner.dbbench(["timescale", "--url", "mysql://root:\(password)@db/x"])
        #expect(refused.exitCode == 64 && !refused.stderr.contains(password), "\(refused.stderr)")
        #expect(refused.stderr.hasPrefix("dbbench timescale: --url (or DATABASE_URL) has another scheme"))
    }

    @Test func helpNamesBothVariables() throws {
        let help = try CommandRunner.dbbench(["timescale", "--help"], environment: ["COLUMNS": "200"]).stdout
        #expect(help.contains("env: DB_HOST, PGHOST]") && help.contains("env: DB_PORT, PGPORT]"), "\(help)")
    }
}

/// A schema an extension keeps its objects in is refused before anything is created in it.
@Suite(
    "Schemas of extensions",
    .serialized,
    .enabled(if: TestServices.hasPostgres, "needs the servers of 'make test'")
)
struct ExtensionSchemaTests {
    @Test func aSchemaOfAnExtensionIsRefusedAndLeftAsItWas() throws {
        let schema = "dbbench_test_extension"
        _ = try CommandRunner.psql("DROP EXTENSION IF EXISTS pg_trgm; DROP SCHEMA IF EXISTS \(schema) CASCADE")
        _ = try CommandRunner.psql("CREATE SCHEMA \(schema); CREATE EXTENSION pg_trgm SCHEMA \(schema)")
        defer {
            _ = try? CommandRunner.psql("DROP EXTENSION IF EXISTS pg_trgm; DROP SCHEMA IF EXISTS \(schema) CASCADE")
        }
        let before = try CommandRunner.psql(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '\(schema)'"
        )
        let result = try CommandRunner.dbbench(
            [
                "timescale", "--tests", "insert", "--inserts-per-connection", "10", "--connections", "1", "--schema",
                schema,
            ],
            environment: TestServices.postgresEnvironment
        )
        #expect(result.exitCode == 64, "\(result.stderr)")
        #expect(
            result.stderr
                == "dbbench timescale: --schema \(schema) belongs to the extension pg_trgm; "
                + "choose a schema of its own such as dbbench\n"
        )
        #expect(result.stdout.isEmpty)
        let after = try CommandRunner.psql(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '\(schema)'"
        )
        #expect(after == before, "nothing created in the extension's schema")
    }
}

/// The server's notices reach stderr once each, through dbbench's receiver, never the results.
@Suite("Server notices", .enabled(if: TestServices.hasPostgres, "needs the servers of 'make test'"))
struct ServerNoticeTests {
    @Test func aNoticeIsShownOnceAndAHarmlessOneNotAtAll() throws {
        let function = "dbbench_test_notice_\(UUID().uuidString.prefix(8).lowercased())"
        _ = try CommandRunner.psql(
            "CREATE FUNCTION \(function)() RETURNS int AS $$ BEGIN RAISE NOTICE 'dbbench test notice'; "
                + "RAISE WARNING 'relation \"x\" already exists, skipping'; RETURN 1; END $$ LANGUAGE plpgsql"
        )
        defer { _ = try? CommandRunner.psql("DROP FUNCTION IF EXISTS \(function)()") }
        let result = try CommandRunner.dbbench(
            [
                "timescale", "--tests", "sql", "--sql", "SELECT \(function)()", "--num-queries", "40", "--connections",
                "2", "--format", "json",
            ],
            environment: TestServices.postgresEnvironment
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").filter { $0.contains("notice") }
        #expect(lines == ["dbbench timescale: notice: the server said NOTICE: dbbench test notice"], "\(result.stderr)")
        #expect(!result.stderr.contains("already exists"))
        #expect(!result.stdout.contains("dbbench test notice") && !result.stdout.contains("already exists"))
        _ = try parseJSON(result.stdout)
    }
}
