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
