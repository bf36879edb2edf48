import Foundation
import TestSupport
import Testing

@testable import RedisBench

/// Calls of each command on every node of the cluster, from INFO commandstats.
private func clusterCalls(_ commands: [String]) throws -> [[String: Int]] {
    try TestServices.redisClusterPorts.map { port in
        let info = try CommandRunner.redisCLI(["INFO", "commandstats"], port: port)
        return Dictionary(uniqueKeysWithValues: commands.map { ($0, CommandRunner.calls(of: $0, in: info)) })
    }
}

/// Keys matching `pattern` on every node.
private func clusterKeys(matching pattern: String) throws -> [String] {
    try TestServices.redisClusterPorts.flatMap { port in
        try CommandRunner.redisCLI(["--scan", "--pattern", pattern], port: port).split(separator: "\n").map(String.init)
    }
}

/// Against the three-primary cluster of `make test`, which only this suite uses.
@Suite(
    "Redis Cluster",
    .serialized,
    .enabled(if: TestServices.redisClusterPorts.count == 3, "needs the cluster of 'make test'")
)
struct RedisClusterTests {
    var port: String { String(TestServices.redisClusterPorts[0]) }

    @Test func everyWorkloadRunsOnEveryPrimaryAndTheNodesCountWhatWasReported() throws {
        // Foreign keys under the same prefix, on every node (redis-cli -c follows the redirects).
        let foreign = (0..<30).map { "dbbench-cluster:foreign:\($0)" }
        for key in foreign { _ = try CommandRunner.run("/usr/bin/redis-cli", ["-c", "-p", port, "SET", key, "keep"]) }
        defer {
            for key in foreign { _ = try? CommandRunner.run("/usr/bin/redis-cli", ["-c", "-p", port, "DEL", key]) }
        }
        let commands = ["set", "get", "incr", "lpush", "hset"]
        let before = try clusterCalls(commands)
        let (result, report) = try CommandRunner.dbbenchJSON([
            "redis", "--port", port, "--tests", "set,get,mixed,connections", "--num-operations", "6000",
            "--cache-keys", "3000", "--connections", "12", "--pipeline", "4", "--key-prefix", "dbbench-cluster:",
            "--progress", "off",
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stderr.contains("Redis Cluster with 3 primaries"))
        for name in ["SET", "GET", "MIXED", "CONNECTIONS"] {
            let workload = try #require(report.workload(name))
            #expect(workload.failed == 0, "\(name): \(workload.errors)")
        }
        // Each primary's share, in the JSON: three nodes whose operations add up to the total.
        for name in ["SET", "GET", "MIXED"] {
            let workload = try #require(report.workload(name))
            #expect(workload.nodes.count == 3 && workload.nodes.values.reduce(0, +) == workload.succeeded)
        }
        let after = try clusterCalls(commands)
        func delta(_ command: String) -> Int {
            zip(before, after).reduce(0) { $0 + $1.1[command, default: 0] - $1.0[command, default: 0] }
        }
        let mixed = try #require(report.workload("MIXED"))
        // SET: the workload, GET's pre-population of the 3,000 keys, and MIXED's SETs.
        #expect(delta("set") == 6000 + 3000 + (mixed.operations["SET"] ?? 0))
        #expect(delta("get") == 6000 + (mixed.operations["GET"] ?? 0))
        for command in ["incr", "lpush", "hset"] { #expect(delta(command) == mixed.operations[command.uppercased()]) }
        // Every primary had its share.
        let perNode = zip(before, after).map { $1["set", default: 0] - $0["set", default: 0] }
        #expect(perNode.min()! * 5 >= perNode.max()!, "\(perNode)")
        #expect(try clusterKeys(matching: "dbbench-cluster:\(report.runID):*").isEmpty)
        for key in foreign {
            #expect(try CommandRunner.run("/usr/bin/redis-cli", ["-c", "-p", port, "GET", key]).stdout == "keep\n")
        }
    }

    /// Slots moved while the load runs: the nodes redirect, dbbench follows, nothing fails.
    @Test func aLiveReshardIsFollowedWithoutAFailedOperation() throws {
        let lines = try CommandRunner.redisCLI(["CLUSTER", "NODES"], port: Int(port)).split(separator: "\n")
        let primaries: [String] = lines.compactMap { line in
            let fields = line.split(separator: " ")
            return fields.count > 8 && fields[2].contains("master") ? String(fields[0]) : nil
        }
        try #require(primaries.count == 3)
        let from = primaries[0]
        let to = primaries[1]
        Thread {
            Thread.sleep(forTimeInterval: 1.5)
            _ = try? CommandRunner.run(
                "/usr/bin/redis-cli",
                [
                    "--cluster", "reshard", "127.0.0.1:\(self.port)", "--cluster-from", from, "--cluster-to", to,
                    "--cluster-slots", "200", "--cluster-yes",
                ],
                timeout: 60
            )
        }.start()
        let (result, report) = try CommandRunner.dbbenchJSON([
            "redis", "--port", port, "--tests", "set", "--duration", "5s", "--connections", "6", "--pipeline", "4",
            "--key-prefix", "dbbench-cluster-reshard:", "--progress", "off",
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let set = try #require(report.workload("SET"))
        #expect(set.failed == 0, "\(set.errors)")
        #expect((set.counters["redirects"] ?? 0) > 0, "\(set.counters)")
        #expect(try clusterKeys(matching: "dbbench-cluster-reshard:*").isEmpty)
    }

    @Test func aDatabaseOtherThanZeroIsRefused() throws {
        let result = try CommandRunner.dbbench(["redis", "--port", port, "--db", "3", "--tests", "set"])
        #expect(result.exitCode == 64 && result.stderr.contains("--db 3: a Redis Cluster has only database 0"))
    }

    @Test func slotsFollowRedisHashTagRules() {
        #expect(HashSlot.crc16(Array("123456789".utf8)) == 0x31C3)
        #expect(HashSlot.of(Array("foo".utf8)) == 12182)
        #expect(HashSlot.of(Array("{user1000}.following".utf8)) == HashSlot.of(Array("{user1000}.followers".utf8)))
        #expect(HashSlot.of(Array("foo{}{bar}".utf8)) == Int(HashSlot.crc16(Array("foo{}{bar}".utf8)) & 0x3FFF))
        #expect(HashSlot.of(Array("foo{{bar}}zap".utf8)) == HashSlot.of(Array("{bar".utf8)))
        #expect(HashSlot.of(Array("foo{bar}{zap}".utf8)) == HashSlot.of(Array("bar".utf8)))
    }
}
