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
protocol PipelinedRedisWorkload: Workload where Operation == KeyValueOperation {
    associatedtype Source: RedisRequestSource where Source.Owner == Self
    var settings: KeyValueSettings { get }
    func makeSource(_ random: FastRandom) -> Source
}

/// The old script's verdict on throughput: ≥100k ops/s EXCELLENT, ≥50k GOOD.
let redisThroughputRating = RatingThresholds(excellent: 100_000, good: 50_000, higherIsBetter: true)

extension PipelinedRedisWorkload {
    var connections: Int { settings.connections }
    var totalOperations: Int { settings.operations }

    func setup(on loop: IOLoop) async throws { try await settings.target.ping(on: loop) }

    func runConnection(_ context: ConnectionContext, recorder: Recorder<Self>) async throws {
        var connection = try await settings.target.connect(on: context.loop)
        await context.ready()
        var source = makeSource(context.makeRandom())
        while true {
            let lost = await PipelinedDriver.run(
                &source,
                connection: connection,
                operations: context.operations,
                pipeline: settings.pipeline,
                context: context,
                recorder: recorder
            )
            connection.close()
            guard lost != nil,
                let next = await context.reconnect({ try await settings.target.connect(on: context.loop) })
            else { return }
            connection = next
        }
    }

    func teardown(on loop: IOLoop) async throws { try await settings.target.cleanUp(on: loop) }

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

/// SET with a 300 s TTL over the cache keys.
struct SetWorkload: PipelinedRedisWorkload {
    let settings: KeyValueSettings
    var name: String { "SET" }
    var operations: [KeyValueOperation] { [.set] }

    func makeSource(_ random: FastRandom) -> SetRequests {
        SetRequests(encoding: settings.set, cacheKeys: settings.cacheKeys, random: random)
    }
}

/// GET over pre-populated cache keys (TTL 600 s), reading from `keyRange` keys.
struct GetWorkload: PipelinedRedisWorkload {
    let settings: KeyValueSettings
    let keyRange: Int
    var name: String { "GET" }
    var operations: [KeyValueOperation] { [.get] }
    var counters: [Counter] { [.hits, .misses] }

    /// GET replies with a value, and nil ones.
    enum Counter: Int, CounterKind {
        case hits, misses

        var key: CounterKey { self == .hits ? .hits : .misses }
    }

    /// The old script's verdict on the hit ratio: ≥90% EXCELLENT, ≥70% GOOD.
    static let hitRatioRating = RatingThresholds(excellent: 0.9, good: 0.7, higherIsBetter: true)

    func makeSource(_ random: FastRandom) -> GetRequests {
        GetRequests(keyPrefix: settings.target.cacheKeyPrefix, keyRange: keyRange, random: random)
    }

    /// Writes every cache key once, 1000 requests per write.
    func setup(on loop: IOLoop) async throws {
        do {
            let connection = try await settings.target.connect(on: loop)
            defer { connection.close() }
            var random = FastRandom(seed: 0xCAC4E)
            let populate = SetEncoding(keyPrefix: settings.target.cacheKeyPrefix, values: settings.set.values, ttl: 600)
            let batch = 1000
            var next = 0
            while next < settings.cacheKeys {
                let end = min(settings.cacheKeys, next + batch)
                for key in next..<end {
                    populate.append(key: key, to: &connection.output, random: &random)
                }
                try await connection.flush()
                for _ in next..<end {
                    if case .error(let message) = try await connection.readReplySummary() {
                        throw RedisError.server(command: "SET (pre-populating GET keys)", message: message)
                    }
                }
                next = end
            }
        } catch let error as RedisError {
            throw RedisBenchError(error)
        }
    }

    /// Hits, misses and hits / (hits + misses), counted from the replies.
    static func hitRatio(of result: WorkloadResult) -> (hits: Int, misses: Int, ratio: Double) {
        let hits = result.counter(.hits) ?? 0
        let misses = result.counter(.misses) ?? 0
        return (hits, misses, hits + misses > 0 ? Double(hits) / Double(hits + misses) : 0)
    }

    func assess(_ result: WorkloadResult) -> [Assessment] {
        let ratio = Self.hitRatio(of: result).ratio
        return throughputAssessment(result) + [
            Assessment(
                metric: "GET cache hit ratio",
                value: Format.percent(ratio),
                rating: Self.hitRatioRating.rate(ratio)
            )
        ]
    }

    func notes(for result: WorkloadResult, on loop: IOLoop) async throws -> [String] {
        let (hits, misses, ratio) = Self.hitRatio(of: result)
        return [
            "cache hit ratio \(Format.percent(ratio)) (\(Format.grouped(hits)) hits, \(Format.grouped(misses)) misses; "
                + "\(Format.grouped(settings.cacheKeys)) keys pre-populated, reads over \(Format.grouped(keyRange)))"
        ]
    }
}

/// 20% each of SET, GET, INCR, LPUSH and HSET.
struct MixedWorkload: PipelinedRedisWorkload {
    let settings: KeyValueSettings
    var name: String { "MIXED" }
    var operations: [KeyValueOperation] { KeyValueOperation.allCases }

    func makeSource(_ random: FastRandom) -> MixedRequests {
        MixedRequests(target: settings.target, set: settings.set, cacheKeys: settings.cacheKeys, random: random)
    }
}
