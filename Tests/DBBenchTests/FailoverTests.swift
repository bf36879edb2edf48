import Foundation
import TestSupport
import Testing

/// Runs `body` `seconds` from now on a thread of its own, while the test goes on.
private func later(_ seconds: Double, _ body: @escaping @Sendable () -> Void) {
    Thread {
        Thread.sleep(forTimeInterval: seconds)
        body()
    }.start()
}

/// Failover drills: servers of the tests' own are killed, stopped and restarted in the middle of
/// `--duration` runs, which must last their duration, reconnect, and report the outage.
@Suite("Failover: servers restarted mid-run")
struct FailoverTests {
    @Test func aRedisRestartMidRunIsSurvivedAndReported() throws {
        let server = try ThrowawayRedis()
        later(1.5) {
            server.kill()
            Thread.sleep(forTimeInterval: 0.5)
            try? server.start()
        }
        let (result, report) = try CommandRunner.dbbenchJSON([
            "redis", "--port", String(server.port), "--tests", "set", "--duration", "6s", "--connections", "8",
            "--threads", "1", "--progress", "off",
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let set = try #require(report.workload("SET"))
        #expect(set.wallSeconds >= 5.9 && set.wallSeconds < 7.5, "the run lasts its duration")
        let availability = set.availability
        let outage = try #require(availability.outages.first, "\(set.notes)")
        #expect(outage.recovered)
        // Down for the 0.5 s between the kill and the restart, and detected at once (not at --timeout).
        #expect(outage.seconds >= 0.3 && outage.seconds < 4, "\(outage)")
        #expect(outage.startSeconds > 1 && outage.startSeconds < 4)
        #expect(outage.lostConnections == 8)
        #expect(availability.reconnections >= 8)
        #expect(set.failed >= 1 && set.failed <= 8, "at most the one request in flight per connection")
        // The restarted server served this run's SETs, and the series shows it after the gap.
        let served = CommandRunner.calls(of: "set", in: try server.cli(["INFO", "commandstats"]))
        #expect(served > 100 && served <= set.succeeded)
        let afterRestart = set.perSecond.dropFirst(Int(outage.startSeconds + outage.seconds))
        #expect(afterRestart.contains { $0 > 0 }, "\(set.perSecond)")
        // Its keys were cleaned up from the server that runs now.
        #expect(try server.cli(["DBSIZE"]) == "0")
    }

    @Test func withoutReconnectTheRunEndsWhenTheServerGoesAway() throws {
        let server = try ThrowawayRedis()
        later(1.5) { server.kill() }
        let (result, report) = try CommandRunner.dbbenchJSON([
            "redis", "--port", String(server.port), "--tests", "set", "--duration", "5s", "--connections", "4",
            "--threads", "1", "--progress", "off", "--no-reconnect",
        ])
        // The server stays gone, so the cleanup cannot reach it, and says so.
        #expect(result.exitCode == 69, "\(result.stderr)")
        #expect(report.failures.contains { $0.contains("teardown") }, "\(report.failures)")
        let set = try #require(report.workload("SET"))
        #expect(set.wallSeconds > 1 && set.wallSeconds < 3, "\(set.wallSeconds)")
        #expect(set.notes(contain: "every connection had stopped"))
        #expect(set.availability.reconnections == 0)
        #expect(set.availability.outages.first?.recovered == false)
        #expect(report.configuration["no-reconnect"] == "true")
    }

    @Test func aPostgresImmediateStopMidRunLosesNoAcknowledgedRow() throws {
        let server = try ThrowawayPostgres()
        later(2) {
            try? server.stopImmediately()
            Thread.sleep(forTimeInterval: 0.5)
            try? server.start()
        }
        let (result, report) = try CommandRunner.dbbenchJSON(
            [
                "timescale", "--tests", "insert", "--duration", "6s", "--connections", "4", "--batch-size", "200",
                "--progress", "off", "--keep-data",
            ],
            environment: server.environment
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let insert = try #require(report.workload("INSERT"))
        #expect(insert.wallSeconds >= 5.9 && insert.wallSeconds < 8, "the run lasts its duration")
        let outage = try #require(insert.availability.outages.first, "\(insert.notes)")
        #expect(outage.recovered && outage.seconds >= 0.3 && outage.seconds < 5, "\(outage)")
        #expect(outage.lostConnections == 4)
        #expect(insert.availability.reconnections >= 4)
        #expect(insert.failed >= 1)
        // Rows went in after the restart, and every acknowledged row survived the crash.
        let afterRestart = insert.perSecond.dropFirst(Int(outage.startSeconds + outage.seconds))
        #expect(afterRestart.contains { $0 > 0 }, "\(insert.perSecond)")
        // A batch whose reply was lost with the connection may have been committed first.
        let rows = try #require(insert.counters["rows"])
        let found = try #require(Int(try server.psql("SELECT count(*) FROM dbbench.llm_usage_metrics")))
        #expect(found >= rows && found <= rows + insert.failed * 200, "\(found) rows for \(rows) acknowledged")
        #expect(insert.notes(contain: "(matches"), "\(insert.notes)")
    }

    /// Without reconnecting, each connection ends as soon as the server has gone, instead of
    /// waiting for `--timeout` on a socket whose server is no longer there.
    @Test func aPostgresImmediateStopEndsConnectionsAtOnceWithoutReconnect() throws {
        let server = try ThrowawayPostgres()
        later(1.5) { try? server.stopImmediately() }
        let (_, report) = try CommandRunner.dbbenchJSON(
            [
                "timescale", "--tests", "insert", "--duration", "6s", "--connections", "4", "--timeout", "30s",
                "--progress", "off", "--no-reconnect",
            ],
            environment: server.environment
        )
        let insert = try #require(report.workload("INSERT"))
        #expect(insert.wallSeconds > 1 && insert.wallSeconds < 4, "\(insert.wallSeconds)")
        #expect(insert.notes(contain: "every connection had stopped"))
        #expect(insert.failed == 4, "\(insert.errors)")
    }

    @Test func terminatedBackendsReconnectAndTheRunGoesOn() throws {
        let server = try ThrowawayPostgres()
        later(1.5) {
            _ = try? server.psql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'dbbench %'"
            )
        }
        let (result, report) = try CommandRunner.dbbenchJSON(
            [
                "timescale", "--tests", "sql", "--sql", "SELECT pg_sleep(0.001)", "--duration", "4s",
                "--connections", "3", "--progress", "off",
            ],
            environment: server.environment
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let sql = try #require(report.workload("SQL"))
        #expect(sql.wallSeconds >= 3.9 && sql.wallSeconds < 6)
        #expect(sql.availability.reconnections == 3, "\(sql.notes) \(sql.errors)")
        #expect(sql.failed >= 1 && sql.failed <= 6, "\(sql.errors)")
        let outage = try #require(sql.availability.outages.first)
        #expect(outage.recovered && outage.seconds < 2)
    }
}
