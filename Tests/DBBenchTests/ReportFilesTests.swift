import Foundation
import TestSupport
import Testing

/// A `.hgrm` file read back: its table rows and its footer.
struct PercentileDistribution {
    struct Row {
        /// Milliseconds, as written.
        let value: Double
        let percentile: Double
        let totalCount: Int
    }

    let rows: [Row]
    let mean: Double
    let max: Double
    let totalCount: Int

    init(_ text: String) throws {
        var rows: [Row] = []
        var mean = -1.0
        var max = -1.0
        var total = -1
        for line in text.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "=" || $0 == "]" })
            if line.hasPrefix("#[Mean") {
                mean = Double(words[1]) ?? -1
            } else if line.hasPrefix("#[Max") {
                max = Double(words[1]) ?? -1
                total = Int(words[4]) ?? -1
            } else if words.count >= 3, let value = Double(words[0]), let percentile = Double(words[1]),
                let count = Int(words[2])
            {
                rows.append(Row(value: value, percentile: percentile, totalCount: count))
            }
        }
        self.rows = rows
        self.mean = mean
        self.max = max
        self.totalCount = total
    }

    /// Microseconds at the first row whose level is at least `percentile` (0...1).
    func microseconds(atLevel percentile: Double) -> Int? {
        rows.first { $0.percentile >= percentile - 1e-12 }.map { Int(($0.value * 1000).rounded()) }
    }
}

@Suite(
    "Per-second series, --series and --hgrm against the real server",
    .enabled(if: TestServices.hasRedis, "needs the servers of 'make test'")
)
struct ReportFilesTests {
    @Test func theFilesAgreeWithTheJSON() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dbbench-files-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CommandRunner.dbbench(
            redisArguments(
                [
                    "--tests", "set,mixed", "--connections", "8", "--duration", "2500ms", "--rate", "4000",
                    "--format", "json", "--series", directory + "/series.csv", "--hgrm", directory + "/run-",
                ],
                prefix: "dbbench-test-files:"
            )
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let document = try parseJSON(result.stdout)
        let started = try #require(document["started_at"] as? Double)
        let ended = try #require(document["ended_at"] as? Double)
        #expect(ended > started + 4 && abs(started - Date().timeIntervalSince1970) < 120)
        let workloads = try #require(document["workloads"] as? [[String: Any]])
        #expect(workloads.count == 2)
        var seriesLines = 0
        for workload in workloads {
            let name = try #require(workload["name"] as? String)
            let perSecond = try #require(workload["per_second"] as? [[String: Any]])
            // 2.5 s measured plus connecting: at least three entries, a second apart, covering it.
            #expect(perSecond.count >= 3, "\(name): \(perSecond.count)")
            let last = try #require(workload["per_second_last_entry_seconds"] as? Double)
            let wall = try #require(workload["wall_seconds"] as? Double)
            #expect(Double(perSecond.count - 1) + last >= wall - 0.01)
            let times = perSecond.compactMap { $0["time"] as? Double }
            #expect(times.count == perSecond.count)
            for (earlier, later) in zip(times, times.dropFirst()) { #expect(abs(later - earlier - 1) < 0.002) }
            #expect(times[0] >= started - 0.001 && times[0] <= (workload["started_at"] as? Double ?? 0) + 0.001)
            #expect(perSecond.reduce(0) { $0 + ($1["succeeded"] as? Int ?? 0) } == workload["succeeded"] as? Int)
            #expect(perSecond.reduce(0) { $0 + ($1["failed"] as? Int ?? 0) } == workload["failed"] as? Int)
            for entry in perSecond where (entry["succeeded"] as? Int ?? 0) > 0 {
                let latency = try #require(entry["latency_us"] as? [String: Int])
                let service = try #require(entry["service_time_us"] as? [String: Int], "open loop has service time")
                #expect(latency["p50"]! <= latency["p90"]! && latency["p90"]! <= latency["p99"]!)
                #expect(latency["p99"]! <= latency["max"]! && service["max"]! <= latency["max"]!)
            }
            let operations = try #require(workload["operations"] as? [[String: Any]])
            for operation in operations {
                let entries = try #require(operation["per_second"] as? [[String: Any]])
                #expect(entries.count == perSecond.count)
                #expect(entries.reduce(0) { $0 + ($1["succeeded"] as? Int ?? 0) } == operation["succeeded"] as? Int)
            }
            seriesLines += perSecond.count * (operations.count > 1 ? operations.count + 1 : 1)

            // The .hgrm file of the workload gives the JSON's figures back.
            let file = directory + "/run-" + name.lowercased() + ".hgrm"
            let distribution = try PercentileDistribution(String(contentsOfFile: file, encoding: .utf8))
            let latency = try #require(workload["latency_us"] as? [String: Any])
            #expect(distribution.totalCount == workload["succeeded"] as? Int)
            #expect(Int((distribution.max * 1000).rounded()) == latency["max"] as? Int)
            #expect(abs(distribution.mean * 1000 - (latency["mean"] as? Double ?? 0)) <= 1)
            // 50% and 90% are ticks of the distribution; 99% lies between two.
            #expect(distribution.microseconds(atLevel: 0.5) == latency["p50"] as? Int)
            #expect(distribution.microseconds(atLevel: 0.9) == latency["p90"] as? Int)
            let p99 = try #require(latency["p99"] as? Int)
            let below = distribution.rows.last { $0.percentile < 0.99 }.map { Int(($0.value * 1000).rounded()) }
            #expect(try #require(below) <= p99 && p99 <= distribution.microseconds(atLevel: 0.99) ?? 0)
            #expect(distribution.rows.last?.percentile == 1)
            #expect(FileManager.default.fileExists(atPath: directory + "/run-" + name.lowercased() + ".service.hgrm"))
        }
        for kind in ["set", "get", "incr", "lpush", "hset"] {
            #expect(FileManager.default.fileExists(atPath: directory + "/run-mixed.\(kind).hgrm"), "\(kind)")
        }
        let csv = try String(contentsOfFile: directory + "/series.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.first?.hasPrefix("workload,operation,second,time,succeeded,failed,p50_us") == true)
        #expect(csv.count == seriesLines + 1)
    }

    @Test func anUnwritableSeriesFileIsNamedBeforeAnyLoad() throws {
        let result = try CommandRunner.dbbench(
            redisArguments(
                ["--tests", "set", "-n", "10", "-c", "1", "--series", "/proc/no/series.csv"],
                prefix: "dbbench-test-f2:"
            )
        )
        #expect(result.exitCode == 73, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("dbbench redis: cannot write --series /proc/no/series.csv"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
