import TestSupport
import Testing

/// Servers of the tests' own, configured to refuse part of the load.
@Suite("Servers that refuse part of the load")
struct MisconfiguredServerTests {
    /// Redis at `maxclients` accepts the TCP connection, sends an error instead of a reply and
    /// closes it: those connections are reported as refused, with the server's words.
    @Test func connectionsRefusedAtMaxclientsAreReportedAsRefused() throws {
        let server = try ThrowawayRedis(settings: ["--maxclients", "10"])
        let (result, report) = try CommandRunner.dbbenchJSON([
            "redis", "--port", String(server.port), "--tests", "connections", "--connections", "30",
            "--progress", "off",
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let connections = try #require(report.workload("CONNECTIONS"))
        let refused = connections.errors["ERR max number of clients reached"] ?? 0
        let answered = connections.operations["PING"] ?? 0
        #expect(refused >= 20 && refused + answered == 30, "\(connections.errors)")
        let note = try #require(connections.notes.first)
        #expect(
            note.hasPrefix(
                "30 of 30 connections opened, of which the server refused \(refused) (ERR max number of clients "
                    + "reached): \(30 - refused) held at once; \(answered) answered PING"
            ),
            "\(note)"
        )
    }
}

/// `--sslmode`, `--sslrootcert` reach libpq: a server with TLS is verified against the test CA.
@Suite("PostgreSQL over TLS", .enabled(if: TestServices.redisTLSPort != nil, "needs the certificates of 'make test'"))
struct PostgresTLSTests {
    @Test func verifyFullChecksTheServerAgainstTheGivenCA() throws {
        let server = try ThrowawayPostgres(tls: true)
        let query = ["--tests", "sql", "--num-queries", "20", "--connections", "2", "--progress", "off"]
        // The statement counts 1 row only when its own connection is encrypted.
        let sql = ["--sql", "SELECT 1 FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl"]
        let (result, report) = try CommandRunner.dbbenchJSON(
            ["timescale", "--sslmode", "verify-full", "--sslrootcert", "\(TestServices.redisTLSDirectory)/ca.crt"]
                + query + sql,
            environment: server.environment(host: "localhost")
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(report.workload("SQL")?.counters["rows"] == 20)
        // Without the CA, verification cannot succeed: the run stops before any load.
        let unverified = try CommandRunner.dbbench(
            ["timescale", "--sslmode", "verify-full", "--sslrootcert", "/etc/ssl/certs/ca-certificates.crt"] + query
                + sql,
            environment: server.environment(host: "localhost")
        )
        #expect(unverified.exitCode == 69, "\(unverified.stderr)")
        #expect(unverified.stderr.contains("certificate"), "\(unverified.stderr)")
    }
}
