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

/// A workload whose connections each drive a `RedisRequestSource` through `PipelinedDriver`.
protocol PipelinedRedisWorkload: Workload {
    associatedtype Source: RedisRequestSource
    var settings: KeyValueSettings { get }
    func makeSource(_ random: FastRandom) -> Source
}

extension PipelinedRedisWorkload {
    var connections: Int { settings.connections }
    var totalOperations: Int { settings.operations }

    func setup(on loop: IOLoop) async throws { try await settings.target.ping(on: loop) }

    func runConnection(_ context: ConnectionContext) async throws {
        let connection = try await settings.target.connect(on: context.loop)
        defer { connection.close() }
        await context.ready()
        var source = makeSource(context.makeRandom())
        await PipelinedDriver.run(
            &source,
            connection: connection,
            operations: context.operations,
            pipeline: settings.pipeline,
            context: context
        )
    }

    func teardown(on loop: IOLoop) async throws { try await settings.target.cleanUp(on: loop) }
}

/// SET with a 300 s TTL over the cache keys.
struct SetWorkload: PipelinedRedisWorkload {
    let settings: KeyValueSettings
    var name: String { "SET" }
    var operationNames: [String] { ["SET"] }

    func makeSource(_ random: FastRandom) -> SetRequests {
        SetRequests(encoding: settings.set, cacheKeys: settings.cacheKeys, random: random)
    }
}

/// GET over pre-populated cache keys (TTL 600 s), reading from `keyRange` keys.
struct GetWorkload: PipelinedRedisWorkload {
    let settings: KeyValueSettings
    let keyRange: Int
    var name: String { "GET" }
    var operationNames: [String] { ["GET"] }
    var counterNames: [String] { ["hits", "misses"] }

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
        let hits = result.counters["hits"] ?? 0
        let misses = result.counters["misses"] ?? 0
        return (hits, misses, hits + misses > 0 ? Double(hits) / Double(hits + misses) : 0)
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
    var operationNames: [String] { MixedRequests.operationNames }

    func makeSource(_ random: FastRandom) -> MixedRequests {
        MixedRequests(target: settings.target, set: settings.set, cacheKeys: settings.cacheKeys, random: random)
    }
}
