import BenchCore
import Foundation
import TestSupport
import Testing

/// `--find-capacity` against a Redis of the test's own whose capacity is set by the command itself:
/// `DEBUG SLEEP 0.002` holds the single-threaded server 2 ms per command, so it serves a little under
/// 500 a second whatever else the machine runs, and past that the queue grows without bound.
@Suite("Capacity search against Redis", .enabled(if: TestServices.hasRedis, "needs the servers of 'make test'"))
struct CapacitySearchRunTests {
    private func run(_ port: Int, _ extra: [String]) throws -> (CommandResult, [String: Any]) {
        let result = try CommandRunner.dbbench(
            [
                "redis", "--port", String(port), "--tests", "custom", "--command", "DEBUG SLEEP 0.002",
                "--connections", "8", "--threads", "1", "--progress", "off", "--format", "json",
            ] + extra,
            timeout: 180
        )
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        return (result, (document["workloads"] as? [[String: Any]])?.first ?? [:])
    }

    /// The server's CPU is the machine's: when the suite's other tests take enough of it between the
    /// search and the re-runs, the capacity moves. Of two whole attempts (search and re-runs), one
    /// must hold; every other figure is checked in each.
    @Test func theCapacityFoundMeetsTheSLOAndTwentyPercentMoreDoesNot() throws {
        var misses: [String] = []
        for _ in 0..<2 {
            guard let miss = try searchAndCheck() else { return }
            misses.append(miss)
        }
        Issue.record("in no attempt did the capacity hold and 1.2 times it not: \(misses)")
    }

    /// One search and its re-runs; what the re-runs missed, or nil.
    private func searchAndCheck() throws -> String? {
        let redis = try ThrowawayRedis(settings: ["--enable-debug-command", "local"])
        let maxSteps = 10
        let step = 2.0
        let (result, workload) = try run(
            redis.port,
            [
                "--find-capacity", "--slo", "p99<150ms", "--rate", "100", "--step-duration", "2s", "--max-steps",
                String(maxSteps),
            ]
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        // Bounded: the steps and little else (set-up and teardown of each step are quick).
        #expect(result.seconds < Double(maxSteps) * (step + 1.5), "took \(result.seconds) s")
        let capacity = try #require(workload["capacity"] as? [String: Any], "\(result.stdout)")
        let steps = capacity["steps"] as? [[String: Any]] ?? []
        #expect(steps.count >= 4 && steps.count <= maxSteps)
        let found = try #require(capacity["capacity_per_second"] as? Int, "\(capacity)")
        #expect(found > 200 && found < 520, "2 ms a command allows at most 500/s: \(found) from \(steps)")
        // The reported workload is the step at the capacity.
        #expect((workload["open_loop"] as? [String: Any])?["rate_per_second"] as? Int == found)

        // The page draws latency against throughput: a point per step for p50 and p99, the SLO's
        // limit, the capacity circled (from the saved file, through `dbbench report`).
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dbbench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let saved = directory.appendingPathComponent("run.json").path
        try result.stdout.write(toFile: saved, atomically: true, encoding: .utf8)
        let page = directory.appendingPathComponent("page.html").path
        #expect(try CommandRunner.dbbench(["report", saved, "--output", page]).exitCode == 0)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        let chart = try #require(html.range(of: "id=\"r0-w0-capacity-linear\"").map { String(html[$0.lowerBound...]) })
        let svg = String(chart[..<(chart.range(of: "</svg>")?.lowerBound ?? chart.endIndex)])
        #expect(svg.components(separatedBy: "data-points=\"\(steps.count)\"").count == 3, "p50 and p99, a point a step")
        #expect(svg.contains("SLO p99&lt;150ms") && svg.contains("capacity \(Format.grouped(found))/s"))

        // Re-run as plain --rate runs of a step's length, held to the SLO: at the capacity it holds, at
        // 1.2 times it does not. Past a server's capacity the queue, and so the latency, grows by
        // about the excess fraction times the time run (0.2 x 2 s here), which the SLO leaves room for
        // below 7.5% (a machine whose load moves the capacity by a few percent between runs).
        let (atCapacity, _) = try run(
            redis.port,
            [
                "--rate", String(found), "--duration", "2s", "--assert", "p99<150ms", "--assert", "errors==0",
            ]
        )
        let beyondRate = found * 6 / 5
        let (beyond, _) = try run(
            redis.port,
            [
                "--rate", String(beyondRate), "--duration", "2s", "--assert", "p99<150ms",
            ]
        )
        #expect(atCapacity.exitCode == 0 || atCapacity.exitCode == 1, "\(atCapacity.stderr)")
        #expect(beyond.exitCode == 0 || beyond.exitCode == 1, "\(beyond.stderr)")
        if atCapacity.exitCode == 0 && beyond.exitCode == 1 { return nil }
        func p99(_ result: CommandResult) -> String {
            result.stdout.split(separator: "\"detail\":\"").dropFirst().first.map { String($0.prefix { $0 != "\"" }) }
                ?? "?"
        }
        return "capacity \(found)/s: \(p99(atCapacity)) (exit \(atCapacity.exitCode)); \(beyondRate)/s: "
            + "\(p99(beyond)) (exit \(beyond.exitCode))"
    }
}
