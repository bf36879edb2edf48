import BenchCore
import IOLoop
import Redis

/// The settings SET, GET and MIXED share.
struct KeyValueSettings: Sendable {
    let target: RedisTarget
    let connections: Int
    let operations: Int
    let cacheKeys: Int
    let pipeline: Int
    /// How SET (and MIXED's SET) requests are encoded: key prefix, value sizes, TTL.
    let set: SetEncoding
    /// Per node (one without a cluster), the keys its connections send.
    let nodeKeys: [NodeKeys]
    /// `--key-distribution`.
    let distribution: KeyDistribution
}

extension KeyValueSettings {
    /// With a cluster, each workload's own per-primary figures.
    func makeNodeStats() -> NodeStats? {
        target.cluster.map { NodeStats(names: $0.primaries.map(\.description)) }
    }
}

/// The commands SET, GET and MIXED send.
enum KeyValueOperation: Int, OperationKind, CaseIterable {
    case set, get, incr, lpush, hset

    var name: String {
        switch self {
        case .set: return "SET"
        case .get: return "GET"
        case .incr: return "INCR"
        case .lpush: return "LPUSH"
        case .hset: return "HSET"
        }
    }
}

/// A workload whose connections each drive a `RedisRequestSource` through `PipelinedDriver`.
protocol PipelinedRedisWorkload: Workload {
    associatedtype Source: RedisRequestSource where Source.Owner == Self
    var settings: KeyValueSettings { get }
    /// Per primary of a cluster (nil without one).
    var nodeStats: NodeStats? { get }
    /// The requests of a connection to node `keys` belong to.
    func makeSource(_ random: FastRandom, keys: NodeKeys) -> Source
}

/// The old script's verdict on throughput: ≥100k ops/s EXCELLENT, ≥50k GOOD.
let redisThroughputRating = RatingThresholds(excellent: 100_000, good: 50_000, higherIsBetter: true)

extension PipelinedRedisWorkload {
    var connections: Int { settings.connections }
    var totalOperations: Int { settings.operations }

    func setup(on loop: IOLoop) async throws { try await settings.target.ping(on: loop) }

    func runConnection(_ context: ConnectionContext, recorder: Recorder<Self>) async throws {
        // In a cluster, connection i goes to primary i mod the number of primaries.
        let node = context.index % settings.target.nodeCount
        var connection = try await settings.target.connect(on: context.loop, node: node)
        await context.ready()
        let nodes = settings.target.nodeCount
        let keys = settings.nodeKeys[node].drawing(
            settings.distribution,
            connection: context.index / nodes,
            of: (settings.connections + nodes - 1 - node) / nodes
        )
        var source = makeSource(context.makeRandom(), keys: keys)
        let redirects =
            settings.target.cluster == nil ? nil : ClusterRedirects(target: settings.target, loop: context.loop)
        let tally = nodeStats == nil ? nil : ConnectionTally()
        defer { if let tally { nodeStats?.merge(tally, into: node) } }
        while true {
            let lost = await PipelinedDriver.run(
                &source,
                connection: connection,
                operations: context.operations,
                pipeline: settings.pipeline,
                context: context,
                recorder: recorder,
                redirects: redirects,
                tally: tally
            )
            guard lost != nil,
                await context.replace(
                    &connection,
                    closing: { $0.close() },
                    with: { try await settings.target.connect(on: context.loop, node: node) }
                )
            else {
                connection.close()
                return
            }
        }
    }

    func teardown(on loop: IOLoop) async throws { try await settings.target.cleanUp(on: loop) }

    func nodeResults() -> [NodeResult] { nodeStats?.results ?? [] }

    func assess(_ result: WorkloadResult) -> [Assessment] { throughputAssessment(result) }

    /// Throughput, rated; nothing for an open-loop run, whose throughput is the `--rate` asked for.
    func throughputAssessment(_ result: WorkloadResult) -> [Assessment] {
        guard result.rate == nil else { return [] }
        return [
            Assessment(
                metric: "\(result.name) throughput",
                value: "\(Format.grouped(Int(result.throughput.rounded()))) ops/s",
                rating: redisThroughputRating.rate(result.throughput)
            )
        ]
    }
}

/// Only redirects (in a cluster, requests a node sent elsewhere), for SET and MIXED.
enum RedirectCounter: Int, RedirectCounting {
    case redirects

    var key: CounterKey { .redirects }
}

/// SET with a 300 s TTL over the cache keys.
struct SetWorkload: PipelinedRedisWorkload {
    typealias Counter = RedirectCounter
    let settings: KeyValueSettings
    let nodeStats: NodeStats?
    var name: String { "SET" }
    var operations: [KeyValueOperation] { [.set] }
    var counters: [RedirectCounter] { [.redirects] }

    func makeSource(_ random: FastRandom, keys: NodeKeys) -> SetRequests {
        SetRequests(encoding: settings.set, keys: keys.cache, random: random)
    }
}

/// GET over pre-populated cache keys (TTL 600 s), reading from `keyRange` keys.
struct GetWorkload: PipelinedRedisWorkload {
    let settings: KeyValueSettings
    let nodeStats: NodeStats?
    let keyRange: Int
    var name: String { "GET" }
    var operations: [KeyValueOperation] { [.get] }
    var counters: [Counter] { [.hits, .misses, .redirects] }

    /// GET replies with a value, and nil ones; requests a cluster redirected.
    enum Counter: Int, RedirectCounting {
        case hits, misses, redirects

        var key: CounterKey {
            switch self {
            case .hits: return .hits
            case .misses: return .misses
            case .redirects: return .redirects
            }
        }
    }

    /// The old script's verdict on the hit ratio: ≥90% EXCELLENT, ≥70% GOOD.
    static let hitRatioRating = RatingThresholds(excellent: 0.9, good: 0.7, higherIsBetter: true)

    func makeSource(_ random: FastRandom, keys: NodeKeys) -> GetRequests {
        GetRequests(keyPrefix: settings.target.cacheKeyPrefix, keys: keys.range, random: random)
    }

    func setup(on loop: IOLoop) async throws { try await settings.prepopulate(on: loop) }

    /// Hits, misses and hits / (hits + misses), counted from the replies.
    static func hitRatio(of result: WorkloadResult) -> (hits: Int, misses: Int, ratio: Double) {
        let hits = result.counter(.hits) ?? 0
        let misses = result.counter(.misses) ?? 0
        return (hits, misses, hits + misses > 0 ? Double(hits) / Double(hits + misses) : 0)
    }

    func assess(_ result: WorkloadResult) -> [Assessment] {
        throughputAssessment(result) + Self.hitRatioAssessment(result)
    }

    /// The hit ratio, rated.
    static func hitRatioAssessment(_ result: WorkloadResult) -> [Assessment] {
        let ratio = hitRatio(of: result).ratio
        return [
            Assessment(
                metric: "\(result.name) cache hit ratio",
                value: Format.percent(ratio),
                rating: hitRatioRating.rate(ratio)
            )
        ]
    }

    func notes(for result: WorkloadResult, on loop: IOLoop) async throws -> [String] {
        [Self.hitRatioNote(result, settings: settings, keyRange: keyRange)]
    }

    /// "cache hit ratio 100.0% (1,000 hits, 0 misses; 10,000 keys pre-populated, reads over 10,000)".
    static func hitRatioNote(_ result: WorkloadResult, settings: KeyValueSettings, keyRange: Int) -> String {
        let (hits, misses, ratio) = hitRatio(of: result)
        return
            "cache hit ratio \(Format.percent(ratio)) (\(Format.grouped(hits)) hits, \(Format.grouped(misses)) misses; "
            + "\(Format.grouped(settings.cacheKeys)) keys pre-populated, reads over \(Format.grouped(keyRange)))"
    }
}

extension KeyValueSettings {
    /// Writes every cache key once, 1000 requests per write, each on the node that serves it: what
    /// GET and SETGET read.
    func prepopulate(on loop: IOLoop) async throws {
        do {
            var random = FastRandom(seed: 0xCAC4E)
            let populate = SetEncoding(
                keyPrefix: target.cacheKeyPrefix,
                values: set.values,
                ttl: 600...600
            )
            for node in 0..<target.nodeCount {
                let connection = try await target.connect(on: loop, node: node)
                defer { connection.close() }
                let keys = nodeKeys[node].cache.all
                for batch in stride(from: 0, to: keys.count, by: 1000) {
                    let end = min(keys.count, batch + 1000)
                    for key in keys[batch..<end] {
                        populate.append(key: key, to: &connection.output, random: &random)
                    }
                    try await connection.flush()
                    for _ in batch..<end {
                        if case .error(let message) = try await connection.readReplySummary() {
                            throw RedisError.server(command: "SET (pre-populating GET keys)", message: message)
                        }
                    }
                }
            }
        } catch let error as RedisError {
            throw RedisBenchError(error)
        }
    }
}

/// 20% each of SET, GET, INCR, LPUSH and HSET.
struct MixedWorkload: PipelinedRedisWorkload {
    typealias Counter = RedirectCounter
    let settings: KeyValueSettings
    let nodeStats: NodeStats?
    var counters: [RedirectCounter] { [.redirects] }
    var name: String { "MIXED" }
    var operations: [KeyValueOperation] { KeyValueOperation.allCases }

    func makeSource(_ random: FastRandom, keys: NodeKeys) -> MixedRequests {
        MixedRequests(target: settings.target, set: settings.set, keys: keys, random: random)
    }
}

/// SETGET: SETs and GETs over the pre-populated cache keys in the ratio of `--ratio SETS:GETS`,
/// memtier's most used mode; the GETs' hits and misses are counted.
struct SetGetWorkload: PipelinedRedisWorkload {
    let settings: KeyValueSettings
    let nodeStats: NodeStats?
    let sets: Int
    let gets: Int
    var name: String { "SETGET" }
    var operations: [KeyValueOperation] { [.set, .get] }
    var counters: [GetWorkload.Counter] { [.hits, .misses, .redirects] }
    typealias Counter = GetWorkload.Counter

    func makeSource(_ random: FastRandom, keys: NodeKeys) -> SetGetRequests {
        SetGetRequests(encoding: settings.set, sets: sets, gets: gets, keys: keys.cache, random: random)
    }

    func setup(on loop: IOLoop) async throws { try await settings.prepopulate(on: loop) }

    func assess(_ result: WorkloadResult) -> [Assessment] {
        throughputAssessment(result) + GetWorkload.hitRatioAssessment(result)
    }

    func notes(for result: WorkloadResult, on loop: IOLoop) async throws -> [String] {
        [
            "SET:GET \(sets):\(gets); "
                + GetWorkload.hitRatioNote(result, settings: settings, keyRange: settings.cacheKeys)
        ]
    }
}
