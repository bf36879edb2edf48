import Foundation
import TestSupport
import Testing

/// `dbbench compare` on runs against a Redis server of the test's own: the same server twice, then
/// with every write fsynced.
@Suite(
    "dbbench compare against a server of its own",
    .serialized,
    .enabled(if: TestServices.hasRedis, "needs the servers of 'make test'")
)
struct CompareTests {
    let gates = ["--fail-if", "ops<-50%", "--fail-if", "p50>+200%"]

    /// Four 1-second runs of SET. Two connections: Redis fsyncs once per event-loop pass, for every
    /// write of it, so with many connections (or a client slowed by a loaded machine) one fsync
    /// covers many SETs and hides the slowdown this suite looks for.
    func batch(_ server: ThrowawayRedis, into file: String, connections: Int = 2) throws -> [String: Any] {
        let result = try CommandRunner.dbbench(
            [
                "redis", "--port", String(server.port), "--tests", "set", "--connections", String(connections),
                "--duration", "1s", "--repeat", "4", "--format", "json", "--output", file,
            ]
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("4 repetitions: ops/s median"))
        return try parseJSON(String(contentsOfFile: file, encoding: .utf8))
    }

    @Test func theSameServerTwiceIsNoRegressionAndFsyncingEveryWriteIsOne() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dbbench-compare-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ThrowawayRedis()
        let document = try batch(server, into: directory + "/baseline.json")
        let workload = try #require((document["workloads"] as? [[String: Any]])?.first)
        let replicates = try #require(workload["replicates"] as? [[String: Any]])
        #expect(replicates.count == 4)
        #expect(replicates.reduce(0) { $0 + ($1["succeeded"] as? Int ?? 0) } == workload["succeeded"] as? Int)
        _ = try batch(server, into: directory + "/same.json")
        let same = try CommandRunner.dbbench(
            ["compare", directory + "/baseline.json", directory + "/same.json", "--format", "json"] + gates
        )
        #expect(same.exitCode == 0, "\(same.stdout)\(same.stderr)")
        let sameDocument = try parseJSON(same.stdout)
        let gateOutcomes = try #require(sameDocument["gates"] as? [[String: Any]]).compactMap {
            $0["outcome"] as? String
        }
        #expect(gateOutcomes == ["passed", "passed"])

        #expect(try server.cli(["CONFIG", "SET", "appendonly", "yes"]) == "OK")
        #expect(try server.cli(["CONFIG", "SET", "appendfsync", "always"]) == "OK")
        _ = try batch(server, into: directory + "/fsync.json")
        let slower = try CommandRunner.dbbench(
            ["compare", directory + "/baseline.json", directory + "/fsync.json"] + gates
        )
        #expect(slower.exitCode == 1, "\(slower.stdout)\(slower.stderr)")
        #expect(slower.stdout.contains("FAIL      ops<-50%: SET ops -"), "\(slower.stdout)")
        #expect(slower.stdout.contains("a significant regression (p = 0.029, 4 vs 4 runs)"), "\(slower.stdout)")
        #expect(slower.stdout.contains("exit 1: a gated change is a significant regression beyond its limit"))

        // The HTML page of the comparison overlays the two sides' spectra.
        let page = directory + "/compare.html"
        let html = try CommandRunner.dbbench(
            ["compare", directory + "/baseline.json", directory + "/fsync.json", "--format", "html", "--output", page]
                + gates
        )
        #expect(html.exitCode == 1 && html.stdout.contains("Gates"))
        let text = try String(contentsOfFile: page, encoding: .utf8)
        let overlay = try #require(ChartLines(id: "compare-0-linear", in: text))
        #expect(overlay.lines.map(\.series) == ["baseline", "candidate"])
        #expect(text.contains("<td class=\"fail\">regression</td>"))
    }

    @Test func runsWithOtherSettingsAreRefusedNamingTheSetting() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dbbench-compare-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ThrowawayRedis()
        for (name, connections) in [("a", 4), ("b", 6)] {
            let result = try CommandRunner.dbbench(
                [
                    "redis", "--port", String(server.port), "--tests", "set", "-c", String(connections), "-n", "600",
                    "--format", "json", "--output", directory + "/\(name).json",
                ]
            )
            #expect(result.exitCode == 0, "\(result.stderr)")
        }
        let refused = try CommandRunner.dbbench(["compare", directory + "/a.json", directory + "/b.json"])
        #expect(refused.exitCode == 65)
        #expect(
            refused.stderr
                == "dbbench compare: cannot compare: --connections differs (baseline 4, candidate 6); "
                + "--allow-different compares them anyway\n"
        )
        let allowed = try CommandRunner.dbbench([
            "compare", directory + "/a.json", directory + "/b.json", "--allow-different",
        ])
        #expect(allowed.exitCode != 65 && allowed.stderr.contains("compared although --connections differs"))
        // One run a side: no test, verdicts by the noise floor, and "1/1" runs on every line.
        #expect([0, 1, 2].contains(allowed.exitCode), "\(allowed.stderr)")
        #expect(
            allowed.stdout.split(separator: "\n").filter { $0.hasPrefix("SET ") }.allSatisfy { $0.contains(" 1/1 ") }
        )
    }
}
