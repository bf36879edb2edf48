import BenchCore
import Foundation
import Redis
import TestSupport
import Testing

@testable import RedisBench

/// Draws `count` keys of `0..<range` by `distribution`, counted per key.
private func frequencies(_ distribution: KeyDistribution, range: Int, count: Int, seed: UInt64 = 42) -> [Int] {
    var drawer = KeyDrawer(distribution, count: range)
    var random = FastRandom(seed: seed)
    var counts = [Int](repeating: 0, count: range)
    for _ in 0..<count { counts[drawer.draw(&random)] += 1 }
    return counts
}

/// Pearson's chi-square statistic of `observed` against `expected` probabilities.
private func chiSquare(_ observed: [Int], expected: [Double]) -> Double {
    let total = Double(observed.reduce(0, +))
    return zip(observed, expected).reduce(0) { sum, pair in
        let want = pair.1 * total
        return sum + (Double(pair.0) - want) * (Double(pair.0) - want) / want
    }
}

@Suite("Key distributions")
struct KeyDistributionTests {
    @Test func parsedFromTheirNames() {
        #expect(KeyDistribution("uniform") == .uniform && KeyDistribution("sequential") == .sequential)
        #expect(KeyDistribution("zipf") == .zipf(exponent: 0.99) && KeyDistribution("zipf:1.2") == .zipf(exponent: 1.2))
        #expect(KeyDistribution("gaussian:0.1") == .gaussian(stddev: 0.1))
        for bad in ["zipf:", "zipf:-1", "gaussian:x", "normal", "uniform:2", ""] {
            #expect(KeyDistribution(bad) == nil)
        }
    }

    /// 200,000 draws over 50 keys against Zipf's probabilities: chi-square with 49 degrees of
    /// freedom stays below 86.7 (its 0.999 quantile) for a correct sampler.
    @Test(arguments: [0.5, 0.99, 1.0, 1.5])
    func zipfFrequenciesFollowZipfsLaw(exponent: Double) {
        let counts = frequencies(.zipf(exponent: exponent), range: 50, count: 200_000)
        let weights = (1...50).map { 1 / pow(Double($0), exponent) }
        let total = weights.reduce(0, +)
        let statistic = chiSquare(counts, expected: weights.map { $0 / total })
        #expect(statistic < 86.7, "chi-square \(statistic)")
        #expect(counts[0] > counts[49])
    }

    @Test func uniformFrequenciesAreFlat() {
        let counts = frequencies(.uniform, range: 50, count: 100_000)
        #expect(chiSquare(counts, expected: Array(repeating: 0.02, count: 50)) < 86.7)
    }

    @Test func gaussianKeysClusterAroundTheMiddle() {
        let counts = frequencies(.gaussian(stddev: 0.1), range: 1000, count: 100_000)
        let total = Double(counts.reduce(0, +))
        let mean = counts.enumerated().reduce(0.0) { $0 + Double($1.offset) * Double($1.element) } / total
        let variance =
            counts.enumerated().reduce(0.0) { $0 + pow(Double($1.offset) - mean, 2) * Double($1.element) } / total
        #expect(
            abs(mean - 500) < 5 && abs(variance.squareRoot() - 100) < 5,
            "mean \(mean), sd \(variance.squareRoot())"
        )
    }

    @Test func sequentialWalksFromEachConnectionsOffset() {
        var first = KeyDrawer(.sequential, count: 10, connection: 0, of: 2)
        var second = KeyDrawer(.sequential, count: 10, connection: 1, of: 2)
        var random = FastRandom(seed: 1)
        #expect((0..<12).map { _ in first.draw(&random) } == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])
        #expect((0..<3).map { _ in second.draw(&random) } == [5, 6, 7])
    }

    @Test func theSameSeedDrawsTheSameKeys() {
        #expect(
            frequencies(.zipf(exponent: 1), range: 1000, count: 5000, seed: 7)
                == frequencies(.zipf(exponent: 1), range: 1000, count: 5000, seed: 7)
        )
        #expect(
            frequencies(.uniform, range: 1000, count: 5000, seed: 7)
                != frequencies(.uniform, range: 1000, count: 5000, seed: 8)
        )
    }
}

@Suite("Key distributions against the server", .enabled(if: TestServices.hasRedis, "needs the servers of 'make test'"))
struct KeyDistributionServerTests {
    /// GET over 10,000 keys of which the first 100 exist: uniform reads hit about 1% of the time,
    /// Zipf reads (exponent 0.99) about half, since the hottest keys are the first ones.
    @Test func zipfReadsHitTheHotKeys() throws {
        func hits(_ distribution: String, seed: String) throws -> Int {
            let (result, report) = try CommandRunner.dbbenchJSON([
                "redis", "--port", String(TestServices.redisPort ?? 0), "--tests", "get", "--cache-keys", "100",
                "--key-range", "10000", "--num-operations", "20000", "--connections", "4", "--key-distribution",
                distribution, "--seed", seed, "--key-prefix", "dbbench-zipf:", "--progress", "off",
            ])
            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(report.configuration["seed"] == seed)
            return report.workload("GET")?.counters["hits"] ?? -1
        }
        let zipf = try hits("zipf", seed: "11")
        let uniform = try hits("uniform", seed: "11")
        #expect(zipf > 8000 && zipf < 13000, "zipf hits \(zipf)")
        #expect(uniform < 600, "uniform hits \(uniform)")
        // The same seed replays the same reads.
        #expect(try hits("zipf", seed: "11") == zipf)
    }

    @Test func weightedValueSizesAndATTLRangeRun() throws {
        let (result, report) = try CommandRunner.dbbenchJSON([
            "redis", "--port", String(TestServices.redisPort ?? 0), "--tests", "set,mixed", "--value-size",
            "32:60,1024:30,65536:10", "--ttl", "60-600", "--num-operations", "2000", "--connections", "4",
            "--key-prefix", "dbbench-sizes:", "--progress", "off",
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(report.workload("SET")?.failed == 0 && report.workload("MIXED")?.failed == 0)
        #expect(
            report.configuration["value-size"] == "32:60,1024:30,65536:10" && report.configuration["ttl"] == "60-600"
        )
        #expect(result.stdout.isEmpty == false)
    }
}

@Suite("Value sizes and expiries")
struct ValueSizesTests {
    @Test func theThreeFormsAreParsedAndPrinted() {
        #expect(ValueSizes("32") == .range(32...32) && ValueSizes("10-20") == .range(10...20))
        let weighted = ValueSizes("32:60,1024:30,65536:10")
        #expect(weighted == .weighted(sizes: [32, 1024, 65536], cumulative: [60, 90, 100]))
        #expect(weighted?.description == "32:60,1024:30,65536:10" && weighted?.largest == 65536)
        for bad in ["", "0", "20-10", "32:0", "32:", ":5", "2000000", "32:60,", "a-b"] {
            #expect(ValueSizes(bad) == nil)
        }
    }

    @Test func weightedSizesAreDrawnInProportion() throws {
        let sizes = try #require(ValueSizes("32:60,1024:30,65536:10"))
        var random = FastRandom(seed: 3)
        var counts: [Int: Int] = [:]
        for _ in 0..<100_000 { counts[sizes.draw(&random), default: 0] += 1 }
        #expect(abs(counts[32, default: 0] - 60_000) < 1_500)
        #expect(abs(counts[1024, default: 0] - 30_000) < 1_500)
        #expect(abs(counts[65536, default: 0] - 10_000) < 1_000)
    }

    /// Every SET of a TTL range carries `EX` with a number inside it.
    @Test func aTTLRangeGivesEverySetAnExpiryInside() throws {
        let encoding = SetEncoding(
            keyPrefix: Array("k:".utf8),
            values: ValueSource(sizes: .range(3...3)),
            ttl: 60...600
        )
        var output = RESPWriter()
        var random = FastRandom(seed: 5)
        for key in 0..<500 { encoding.append(key: key, to: &output, random: &random) }
        let text = String(decoding: UnsafeRawBufferPointer(output.bytes), as: UTF8.self)
        let lines = text.split(separator: "\r\n").map(String.init)
        var expiries: [Int] = []
        for (index, line) in lines.enumerated() where line == "EX" { expiries.append(Int(lines[index + 2]) ?? -1) }
        #expect(expiries.count == 500)
        #expect(expiries.allSatisfy { (60...600).contains($0) } && Set(expiries).count > 100)
    }
}

@Suite("SETGET in a ratio")
struct SetGetTests {
    /// The server counts what was reported, in the ratio asked for (within sampling error), and
    /// every GET read a pre-populated key.
    @Test func setsAndGetsArriveInTheRatioAskedFor() throws {
        let server = try ThrowawayRedis()
        let (result, report) = try CommandRunner.dbbenchJSON([
            "redis", "--port", String(server.port), "--tests", "setget", "--ratio", "1:3", "--num-operations",
            "8000", "--cache-keys", "500", "--connections", "4", "--progress", "off",
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let workload = try #require(report.workload("SETGET"))
        let sets = workload.operations["SET"] ?? 0
        let gets = workload.operations["GET"] ?? 0
        #expect(sets + gets == 8000 && workload.failed == 0)
        #expect(abs(Double(sets) / 8000 - 0.25) < 0.02, "\(sets) SETs of 8,000")
        let info = try server.cli(["INFO", "commandstats"])
        #expect(CommandRunner.calls(of: "set", in: info) == sets + 500)  // with the 500 pre-populated
        #expect(CommandRunner.calls(of: "get", in: info) == gets)
        #expect(workload.counters["hits"] == gets && workload.counters["misses"] == 0)
        #expect(try server.cli(["DBSIZE"]) == "0")
    }

    @Test func aRatioMustBeTwoNumbers() throws {
        let result = try CommandRunner.dbbench(["redis", "--tests", "setget", "--ratio", "1-3"])
        #expect(result.exitCode == 64 && result.stderr.contains("--ratio must be SETS:GETS"))
    }
}

@Suite("CUSTOM commands")
struct CustomCommandTests {
    /// The server counts every command sent, in the weights asked for; nothing is left behind.
    @Test func commandsArriveInTheirWeights() throws {
        let server = try ThrowawayRedis()
        let (result, report) = try CommandRunner.dbbenchJSON([
            "redis", "--port", String(server.port), "--tests", "custom", "--command", "SET __key__ __data__",
            "--command", "GET __key__", "--weight", "3", "--command", "EXPIRE __key__ 60", "--num-operations", "10000",
            "--connections", "4", "--pipeline", "8", "--key-distribution", "zipf", "--progress", "off",
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let custom = try #require(report.workload("CUSTOM"))
        #expect(custom.failed == 0 && custom.succeeded == 10000, "\(custom.errors)")
        let info = try server.cli(["INFO", "commandstats"])
        for (command, share) in [("SET", 0.2), ("GET", 0.6), ("EXPIRE", 0.2)] {
            let sent = custom.operations[command] ?? -1
            #expect(CommandRunner.calls(of: command.lowercased(), in: info) == sent)
            #expect(abs(Double(sent) / 10000 - share) < 0.03, "\(command): \(sent)")
        }
        #expect(try server.cli(["DBSIZE"]) == "0")
    }

    @Test(arguments: [
        (["--command", "FLUSHALL"], "is not run by a benchmark"),
        // Of DEBUG only SLEEP (0 to 1 s) is a benchmark's: it touches no data.
        (["--command", "DEBUG RELOAD"], "is not run by a benchmark"),
        (["--command", "DEBUG SLEEP 5"], "is not run by a benchmark"),
        (["--command", "INCR counter"], "names no __key__"),
        (["--weight", "2", "--command", "GET __key__"], "--weight 2 comes before any --command"),
        (["--command", "GET '__key__"], "unclosed quote"),
        ([], "--tests custom needs at least one --command"),
    ])
    func badCommandsAreUsageErrors(extra: [String], message: String) throws {
        let result = try CommandRunner.dbbench(["redis", "--tests", "custom"] + extra)
        #expect(result.exitCode == 64 && result.stderr.contains(message), "\(result.stderr)")
    }
}
