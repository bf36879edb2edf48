import Foundation
import Synchronization
import TestSupport
import Testing

/// Four shards of one run against one Redis of the test's own, at once.
@Suite("Shards against Redis", .enabled(if: TestServices.hasRedis, "needs the servers of 'make test'"))
struct ShardRunTests {
    @Test func fourShardsDoTheRunsWorkOnceBetweenThem() throws {
        let redis = try ThrowawayRedis()
        let results = Mutex<[Int: CommandResult]>([:])
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            let result = try? CommandRunner.dbbench([
                "redis", "--port", String(redis.port), "--tests", "set", "--connections", "10", "--num-operations",
                "4001", "--threads", "1", "--run-id", "5ba4d", "--shard", "\(index)/4", "--progress", "off",
                "--format", "json",
            ])
            guard let result else { return }
            results.withLock { $0[index] = result }
        }
        let all = results.withLock { $0 }
        try #require(all.count == 4)
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

    /// The first workload's histogram buckets of a result document, value → count.
    private func histogramBuckets(of json: String) throws -> [Int: Int] {
        let document = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
        let workload = (document["workloads"] as? [[String: Any]])?.first ?? [:]
        let pairs = (workload["histogram"] as? [String: Any])?["buckets"] as? [[Int]] ?? []
        return Dictionary(pairs.map { ($0[0], $0[1]) }, uniquingKeysWith: +)
    }
}
