import Foundation
import Synchronization
import TestSupport
import Testing

/// Runs `count` shard processes at once, shard I given `arguments(I)`; their results by index.
/// `environment(I)` is shard I's (the same `environment` for all when not given).
func runShards(
    _ count: Int,
    environment: [String: String] = [:],
    environments: (@Sendable (Int) -> [String: String])? = nil,
    _ arguments: @escaping @Sendable (Int) -> [String]
) throws -> [Int: CommandResult] {
    let results = Mutex<[Int: CommandResult]>([:])
    // A thread each: all of them at once whatever the cores (concurrentPerform would run two at a
    // time on two cores, and the later ones would miss --start-at).
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        Thread {
            defer { group.leave() }
            guard
                let result = try? CommandRunner.dbbench(
                    arguments(index),
                    environment: environments?(index) ?? environment
                )
            else { return }
            results.withLock { $0[index] = result }
        }.start()
    }
    group.wait()
    let all = results.withLock { $0 }
    try #require(all.count == count)
    for (index, result) in all.sorted(by: { $0.key < $1.key }) {
        #expect(!result.stdout.isEmpty, "shard \(index) printed nothing; exit \(result.exitCode): \(result.stderr)")
    }
    return all
}

/// `--start-at` a few seconds ahead: time enough for the shard processes to start and connect on a
/// loaded machine.
func startTime(in seconds: Double = 6) -> String {
    String(format: "%.3f", Date().timeIntervalSince1970 + seconds)
}

/// How late the shards began after `--start-at` (the largest skew) and how far apart by the
/// server's clock; nil when a shard did not say.
func startSpread(_ reports: [RunReport]) -> (latest: Double, apart: Double)? {
    let skews = reports.compactMap { $0.start["skew_us"] }
    let starts = reports.compactMap(\.serverStart)
    guard skews.count == reports.count, starts.count == reports.count,
        reports.allSatisfy({
            $0.start["clock_offset_us"] != nil
        }), let latest = skews.max(), let first = starts.min(), let last = starts.max(), skews.allSatisfy({ $0 >= 0 })
    else { return nil }
    return (latest / 1e6, last - first)
}

/// Checks that the shards began together: within `bound` of `--start-at` and of each other. The
/// issue's 5 ms is checked on its own (`fourShardsBeginWithinFiveMilliseconds`): on two loaded
/// cores where every test runs at once, a thread may wait that long to be scheduled.
func expectTogether(
    _ reports: [RunReport],
    within bound: Double = 0.1,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let spread = startSpread(reports)
    #expect(
        spread.map { $0.latest < bound && $0.apart < bound } == true,
        "\(reports.map(\.start))",
        sourceLocation: sourceLocation
    )
}

/// Four shards of one run against one Redis of the test's own, at once.
@Suite("Shards against Redis", .enabled(if: TestServices.hasRedis, "needs the servers of 'make test'"))
struct ShardRunTests {
    @Test func fourShardsStartTogetherAndDoTheRunsWorkOnceBetweenThem() throws {
        let redis = try ThrowawayRedis()
        let start = startTime()
        let all = try runShards(4) { index in
            [
                "redis", "--port", String(redis.port), "--tests", "set", "--connections", "10", "--num-operations",
                "4001", "--threads", "1", "--run-id", "5ba4d", "--shard", "\(index)/4", "--progress", "off",
                "--format", "json", "--start-at", start,
            ]
        }
        expectTogether(try (0..<4).map { try RunReport(json: try #require(all[$0]).stdout) })
        var sets = 0
        for index in 0..<4 {
            let result = try #require(all[index])
            let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(document["run_id"] as? String == "5ba4d")
            let shard = document["shard"] as? [String: Any]
            #expect(shard?["index"] as? Int == index && shard?["count"] as? Int == 4)
            let workload = (document["workloads"] as? [[String: Any]])?.first ?? [:]
            // 10 connections and 4,001 SETs split as the runner splits: 3, 3, 2, 2 and 1,001, 1,000, ...
            #expect(workload["connections"] as? Int == [3, 3, 2, 2][index])
            let succeeded = workload["succeeded"] as? Int ?? 0
            #expect(succeeded == (index == 0 ? 1001 : 1000))
            sets += succeeded
        }
        #expect(sets == 4001)
        // The server saw every SET once, and each shard removed its own keys.
        let stats = try redis.cli(["INFO", "commandstats"])
        #expect(stats.contains("cmdstat_set:calls=4001,"), "\(stats)")
        #expect(try redis.cli(["DBSIZE"]) == "0")

        // Merged: one run of 4,001 SETs over 10 connections, its histogram the shards' added bucket
        // by bucket.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dbbench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        var buckets: [Int: Int] = [:]
        for index in 0..<4 {
            let path = directory.appendingPathComponent("shard-\(index).json").path
            try #require(all[index]).stdout.write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
            for (value, count) in try histogramBuckets(of: try #require(all[index]).stdout) {
                buckets[value, default: 0] += count
            }
        }
        let merged = try CommandRunner.dbbench(["merge"] + paths + ["--format", "json", "--assert", "errors==0"])
        #expect(merged.exitCode == 0, "\(merged.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(merged.stdout.utf8)) as? [String: Any] ?? [:]
        let workload = (document["workloads"] as? [[String: Any]])?.first ?? [:]
        #expect(workload["succeeded"] as? Int == 4001 && workload["connections"] as? Int == 10)
        #expect(document["run_id"] as? String == "5ba4d" && document["shard"] is NSNull)
        #expect(try histogramBuckets(of: merged.stdout) == buckets)
        let table = try CommandRunner.dbbench(["merge", directory.path, "--assert", "errors>0"])
        #expect(table.exitCode == 1 && table.stdout.contains("4 shards: ops/s"), "\(table.stdout)")
        #expect(table.stdout.contains("start: shards began"), "\(table.stdout)")

        // Not one run: a shard missing, one twice, another run's file, other settings.
        func refused(_ files: [String], _ message: String) throws {
            let result = try CommandRunner.dbbench(["merge"] + files)
            #expect(result.exitCode == 65 && result.stderr.contains(message), "\(result.stderr)")
        }
        try refused(Array(paths.prefix(3)), "shard 3 of the 4 of run 5ba4d missing")
        try refused(paths + [paths[1]], "are both shard 1")
        let other = directory.appendingPathComponent("other.json").path
        try all[2]!.stdout.replacing("\"run_id\":\"5ba4d\"", with: "\"run_id\":\"0ther\"")
            .write(toFile: other, atomically: true, encoding: .utf8)
        try refused([paths[0], paths[1], other, paths[3]], "not one run")
        let settings = directory.appendingPathComponent("settings.json").path
        try all[2]!.stdout.replacing("\"value-size\":\"10-20\"", with: "\"value-size\":\"64\"")
            .write(toFile: settings, atomically: true, encoding: .utf8)
        try refused([paths[0], paths[1], settings, paths[3]], "other settings than")
    }

    /// The issue's figure: four shards begin within 5 ms of `--start-at` and of each other (by the
    /// server's clock). How soon a woken thread runs is the machine's: of up to three attempts, one
    /// must hold it (a broken start would miss by far more, every time).
    @Test func fourShardsBeginWithinFiveMilliseconds() throws {
        let redis = try ThrowawayRedis()
        var attempts: [String] = []
        for attempt in 0..<3 {
            let start = startTime(in: 4)
            let all = try runShards(4) { index in
                [
                    "redis", "--port", String(redis.port), "--tests", "set", "--connections", "4", "--threads", "1",
                    "--num-operations", "400", "--run-id", "5ce4\(attempt)", "--shard", "\(index)/4",
                    "--start-at", start, "--progress", "off", "--format", "json",
                ]
            }
            let reports = try (0..<4).map { try RunReport(json: try #require(all[$0]).stdout) }
            #expect(reports.allSatisfy { $0.exitCode == 0 })
            let spread = try #require(startSpread(reports))
            if spread.latest < 0.005 && spread.apart < 0.005 { return }
            attempts.append("latest \(spread.latest * 1000) ms after, \(spread.apart * 1000) ms apart")
        }
        Issue.record("no attempt began within 5 ms: \(attempts)")
    }

    @Test func aShardNotReadyByTheStartTimeRunsNothing() throws {
        let redis = try ThrowawayRedis()
        // Half a million keys to seed (GET's setup) take longer than the start is ahead.
        let late = try CommandRunner.dbbench([
            "redis", "--port", String(redis.port), "--tests", "get", "--cache-keys", "500000", "--connections", "4",
            "--run-id", "1a7e", "--shard", "1/4", "--start-at", startTime(in: 1), "--progress", "off", "--format",
            "json",
        ])
        #expect(late.exitCode == 75, "\(late.stderr)")
        let report = try RunReport(json: late.stdout)
        #expect(report.workloads.isEmpty && report.exitCode == 75)
        #expect(report.failures.first?.contains("GET start: not ready by --start-at") == true, "\(report.failures)")
        #expect(report.start["skew_us"] == nil && report.start["at"] != nil)
        let stats = try redis.cli(["INFO", "commandstats"])
        #expect(CommandRunner.calls(of: "get", in: stats) == 0, "\(stats)")
        #expect(try redis.cli(["DBSIZE"]) == "0", "its setup was undone")

        // A time already past when the shard begins: refused before it connects.
        _ = try redis.cli(["CONFIG", "RESETSTAT"])
        let past = try CommandRunner.dbbench([
            "redis", "--port", String(redis.port), "--tests", "set", "--start-at", "2026-01-01T00:00:00Z",
        ])
        #expect(past.exitCode == 75 && past.stderr.contains("that time had passed"), "\(past.stderr)")
        #expect(CommandRunner.calls(of: "set", in: try redis.cli(["INFO", "commandstats"])) == 0)
    }

    @Test func theCleanupPhaseRemovesEveryShardsKeysAndNothingElse() throws {
        let redis = try ThrowawayRedis()
        let ours = ["dbbench:5ba4e:key:1", "dbbench:5ba4e-0:key:7", "dbbench:5ba4e-12:list:3"]
        let others = [
            "dbbench:5ba4ef:key:1", "dbbench:5ba4e-x:key:1", "dbbench:5ba4e-:key:1", "dbbench:5ba4e-3", "mine",
        ]
        for key in ours + others { _ = try redis.cli(["SET", key, "v"]) }
        let cleanup = try CommandRunner.dbbench([
            "redis", "--port", String(redis.port), "--phase", "cleanup", "--run-id", "5ba4e",
        ])
        #expect(cleanup.exitCode == 0, "\(cleanup.stderr)")
        #expect(cleanup.stdout.contains("run 5ba4e: deleted 3 keys"), "\(cleanup.stdout)")
        for key in ours { #expect(try redis.cli(["EXISTS", key]) == "0", "\(key)") }
        for key in others { #expect(try redis.cli(["EXISTS", key]) == "1", "\(key)") }

        let prepare = try CommandRunner.dbbench([
            "redis", "--port", String(redis.port), "--phase", "prepare", "--run-id", "5ba4e",
        ])
        #expect(prepare.exitCode == 0 && prepare.stdout.contains("prepared run 5ba4e"), "\(prepare.stdout)")
        #expect(try redis.cli(["DBSIZE"]) == String(others.count))
    }

    /// Striped `--rate`: the server sees one generator's evenly spaced arrivals, not four bunched
    /// schedules (which would put four SETs within microseconds, then a gap of four).
    @Test func stripedShardsHoldTheRateWithoutBunching() throws {
        let redis = try ThrowawayRedis()
        let monitor = try RedisMonitor(port: redis.port)
        let rate = 400
        let start = startTime()
        let all = try runShards(4) { index in
            [
                "redis", "--port", String(redis.port), "--tests", "set", "--connections", "8", "--threads", "1",
                "--rate", String(rate), "--duration", "2s", "--run-id", "57a1e", "--shard", "\(index)/4",
                "--start-at", start, "--progress", "off", "--format", "json",
            ]
        }
        let reports = try (0..<4).map { try RunReport(json: try #require(all[$0]).stdout) }
        let lines = monitor.stop()
        expectTogether(reports)
        let succeeded = reports.reduce(0) { $0 + ($1.workload("SET")?.succeeded ?? 0) }
        // 2 s at 400/s: 800 scheduled starts, each shard a quarter.
        #expect(reports.allSatisfy { $0.workload("SET")?.succeeded == 200 }, "\(reports.map(\.workloads))")
        #expect(CommandRunner.calls(of: "set", in: try redis.cli(["INFO", "commandstats"])) == succeeded)

        // The server's arrival times of the run's SETs (MONITOR: "1764750000.123456 [0 ...] "SET" ...").
        let arrivals = lines.filter { $0.contains("\"SET\" \"dbbench:57a1e-") }.compactMap {
            Double($0.dropFirst().prefix { $0 != " " })
        }.sorted()
        #expect(arrivals.count == 800)
        let gaps = zip(arrivals.dropFirst(), arrivals).map { $0 - $1 }
        let gap = 1.0 / Double(rate)
        // One generator's gap between consecutive arrivals: 2.5 ms. Four bunched schedules would
        // make three gaps in four shorter than a tenth of it.
        let bunched = gaps.filter { $0 < gap / 10 }.count
        #expect(Double(bunched) < Double(gaps.count) * 0.1, "\(bunched) of \(gaps.count) gaps under \(gap / 10) s")
        let median = gaps.sorted()[gaps.count / 2]
        #expect(abs(median - gap) < gap * 0.2, "median gap \(median) s")
    }

    /// The first workload's histogram buckets of a result document, value → count.
    private func histogramBuckets(of json: String) throws -> [Int: Int] {
        let document = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
        let workload = (document["workloads"] as? [[String: Any]])?.first ?? [:]
        let pairs = (workload["histogram"] as? [String: Any])?["buckets"] as? [[Int]] ?? []
        return Dictionary(pairs.map { ($0[0], $0[1]) }, uniquingKeysWith: +)
    }
}
