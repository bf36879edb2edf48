import Foundation
import TestSupport
import Testing

/// Whether the client, not the server, set the pace: each I/O loop's busy time over the run.
@Suite("Client saturation", .enabled(if: TestServices.hasRedis, "needs the servers of 'make test'"))
struct SaturationTests {
    private func run(_ extra: [String]) throws -> (CommandResult, [String: Any]) {
        let result = try CommandRunner.dbbench(
            [
                "redis", "--port", String(TestServices.redisPort ?? 0), "--tests", "set", "--key-prefix",
                "dbbench-saturation:", "--progress", "off", "--format", "json", "--assert", "client_saturated==0",
            ] + extra
        )
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        let workload = (document["workloads"] as? [[String: Any]])?.first ?? [:]
        return (result, workload["client"] as? [String: Any] ?? [:])
    }

    /// One loop, 100 connections with 32 GETs in flight each, of keys that mostly do not exist: the
    /// server's part of each request is far smaller than the client's, so the loop never waits for
    /// it, even on a machine busy with other tests.
    @Test func oneLoopWithFarMoreWorkThanItCanServeIsFlagged() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dbbench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("run.json").path
        let result = try CommandRunner.dbbench([
            "redis", "--port", String(TestServices.redisPort ?? 0), "--tests", "get", "--cache-keys", "1",
            "--key-range", "1000000", "--threads", "1", "--connections", "100", "--pipeline", "32", "--duration", "2s",
            "--key-prefix", "dbbench-saturation:", "--progress", "off", "--assert", "client_saturated==0", "--format",
            "json", "--output", path,
        ])
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        let workload = ((document as? [String: Any])?["workloads"] as? [[String: Any]])?.first ?? [:]
        let client = workload["client"] as? [String: Any] ?? [:]
        let busy = client["loop_busy"] as? [Double] ?? []
        #expect(busy.count == 1 && busy[0] > 0.9, "\(client)")
        #expect(client["saturated"] as? Bool == true)
        #expect(result.exitCode == 1, "the client_saturated==0 threshold fails")
        #expect(result.stdout.contains("client saturated: loop 0 busy"), "\(result.stdout)")
    }

    /// 200 requests a second over two loops keep them nearly idle: nothing is said.
    @Test func aLightRunIsNot() throws {
        let (result, client) = try run(["--threads", "2", "--connections", "4", "--rate", "200", "--duration", "2s"])
        let busy = client["loop_busy"] as? [Double] ?? []
        #expect(busy.count == 2 && busy.allSatisfy { $0 < 0.5 }, "\(client)")
        #expect(client["saturated"] as? Bool == false && result.exitCode == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("client saturated"))
    }
}
