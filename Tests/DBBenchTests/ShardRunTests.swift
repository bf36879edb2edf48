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
    }
}
