import BenchCore
import Redis

/// Values of `--value-size` bytes, sliced from a pool of random printable bytes so that no value is
/// allocated per request.
struct ValueSource: Sendable {
    let sizes: ValueSizes
    private let pool: [UInt8]

    init(sizes: ValueSizes) {
        self.sizes = sizes
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_".utf8)
        var random = FastRandom(seed: 0x7A1_0E5)
        pool = (0..<(sizes.largest + 256)).map { _ in alphabet[random.below(alphabet.count)] }
    }

    @inline(__always)
    func append(to output: inout RESPWriter, random: inout FastRandom) {
        let length = sizes.draw(&random)
        let offset = random.below(pool.count - length)
        pool.withUnsafeBytes { pool in
            output.bulk(UnsafeRawBufferPointer(rebasing: pool[offset..<(offset + length)]))
        }
    }
}

/// Encodes `SET <prefix>key:<n> <value> [EX ttl]`, shared by SET and MIXED; with a TTL range
/// (`--ttl 60-600`) each SET draws its expiry from it.
struct SetEncoding: Sendable {
    let keyPrefix: [UInt8]
    let values: ValueSource
    private let head: [UInt8]
    /// `EX <ttl>` for a fixed TTL, or `EX` alone when each SET draws one from `ttlRange`.
    private let expiry: [UInt8]
    private let ttlRange: ClosedRange<Int>?

    init(keyPrefix: [UInt8], values: ValueSource, ttl: ClosedRange<Int>) {
        self.keyPrefix = keyPrefix
        self.values = values
        let expires = ttl.upperBound > 0
        head = RESPEncoded.head(count: expires ? 5 : 3, ["SET"])
        ttlRange = expires && ttl.count > 1 ? ttl : nil
        expiry =
            !expires
            ? []
            : ttl.count > 1 ? RESPEncoded.arguments(["EX"]) : RESPEncoded.arguments(["EX", String(ttl.lowerBound)])
    }

    @inline(__always)
    func append(key: Int, to output: inout RESPWriter, random: inout FastRandom) {
        output.raw(head)
        output.bulk(prefix: keyPrefix, decimal: key)
        values.append(to: &output, random: &random)
        output.raw(expiry)
        if let ttlRange { output.bulk(decimal: random.within(ttlRange)) }
    }
}

/// `SET <prefix>key:<n> <value> EX <ttl>` over the cache keys (those of one node in a cluster).
struct SetRequests: RedisRequestSource {
    typealias Owner = SetWorkload
    let encoding: SetEncoding
    var keys: KeyPicker
    var random: FastRandom

    mutating func appendNext(to output: inout RESPWriter) -> KeyValueOperation {
        encoding.append(key: keys.draw(&random), to: &output, random: &random)
        return .set
    }
}

/// `GET <prefix>key:<n>` over `keyRange` keys, counting hits (a value) and misses (nil).
struct GetRequests: RedisRequestSource {
    typealias Owner = GetWorkload
    static let head = RESPEncoded.head(count: 2, ["GET"])

    let keyPrefix: [UInt8]
    /// Over `--key-range` (those of one node in a cluster).
    var keys: KeyPicker
    var random: FastRandom

    mutating func appendNext(to output: inout RESPWriter) -> KeyValueOperation {
        output.raw(Self.head)
        output.bulk(prefix: keyPrefix, decimal: keys.draw(&random))
        return .get
    }

    func observe(_ reply: RedisReplySummary, of operation: KeyValueOperation, recorder: Recorder<GetWorkload>) {
        recorder.add(reply == .null ? .misses : .hits)
    }
}

/// SETs and GETs over the cache keys in the ratio of `--ratio SETS:GETS` (memtier's `--ratio`),
/// counting the GETs' hits and misses.
struct SetGetRequests: RedisRequestSource {
    typealias Owner = SetGetWorkload
    let encoding: SetEncoding
    let sets: Int
    let gets: Int
    var keys: KeyPicker
    var random: FastRandom

    mutating func appendNext(to output: inout RESPWriter) -> KeyValueOperation {
        let key = keys.draw(&random)
        if random.below(sets + gets) < sets {
            encoding.append(key: key, to: &output, random: &random)
            return .set
        }
        output.raw(GetRequests.head)
        output.bulk(prefix: encoding.keyPrefix, decimal: key)
        return .get
    }

    func observe(_ reply: RedisReplySummary, of operation: KeyValueOperation, recorder: Recorder<SetGetWorkload>) {
        if operation == .get { recorder.add(reply == .null ? .misses : .hits) }
    }
}

/// 20% each of SET and GET over the cache keys, INCR over 100 counters, LPUSH over 100 lists and
/// HSET over 100 hashes (10 fields each).
struct MixedRequests: RedisRequestSource {
    typealias Owner = MixedWorkload
    static let structureKeys = 100
    static let incrHead = RESPEncoded.head(count: 2, ["INCR"])
    static let lpushHead = RESPEncoded.head(count: 3, ["LPUSH"])
    static let hsetHead = RESPEncoded.head(count: 4, ["HSET"])
    static let fieldPrefix = Array("field:".utf8)

    let target: RedisTarget
    let set: SetEncoding
    /// The keys of the connection's node.
    var keys: NodeKeys
    var random: FastRandom

    mutating func appendNext(to output: inout RESPWriter) -> KeyValueOperation {
        let operation = KeyValueOperation(rawValue: random.below(5)) ?? .set
        switch operation {
        case .set:
            set.append(key: keys.cache.draw(&random), to: &output, random: &random)
        case .get:
            output.raw(GetRequests.head)
            output.bulk(prefix: target.cacheKeyPrefix, decimal: keys.cache.draw(&random))
        case .incr:
            output.raw(Self.incrHead)
            output.bulk(prefix: target.counterPrefix, decimal: keys.counters.draw(&random))
        case .lpush:
            output.raw(Self.lpushHead)
            output.bulk(prefix: target.listPrefix, decimal: keys.lists.draw(&random))
            set.values.append(to: &output, random: &random)
        case .hset:
            output.raw(Self.hsetHead)
            output.bulk(prefix: target.hashPrefix, decimal: keys.hashes.draw(&random))
            output.bulk(prefix: Self.fieldPrefix, decimal: random.below(10))
            set.values.append(to: &output, random: &random)
        }
        return operation
    }
}

/// The keys a connection to one node draws from: all of them, or in a cluster those the node
/// serves (cache keys, `--key-range`, and MIXED's counters, lists and hashes).
struct NodeKeys: Sendable {
    var cache: KeyPicker
    var range: KeyPicker
    var counters: KeyPicker
    var lists: KeyPicker
    var hashes: KeyPicker

    /// For connection `connection` of the `connections` of a node: the cache keys and the GET
    /// range drawn by `distribution` (MIXED's 100 counters, lists and hashes stay uniform).
    func drawing(_ distribution: KeyDistribution, connection: Int, of connections: Int) -> NodeKeys {
        var keys = self
        keys.cache = cache.drawing(distribution, connection: connection, of: connections)
        keys.range = range.drawing(distribution, connection: connection, of: connections)
        return keys
    }

    /// For every node of `target` (one without a cluster).
    static func perNode(of target: RedisTarget, cacheKeys: Int, keyRange: Int) -> [NodeKeys] {
        (0..<target.nodeCount).map { node in
            NodeKeys(
                cache: target.keyNumbers(count: cacheKeys, prefix: target.cacheKeyPrefix, node: node),
                range: target.keyNumbers(count: keyRange, prefix: target.cacheKeyPrefix, node: node),
                counters: target.keyNumbers(
                    count: MixedRequests.structureKeys,
                    prefix: target.counterPrefix,
                    node: node
                ),
                lists: target.keyNumbers(count: MixedRequests.structureKeys, prefix: target.listPrefix, node: node),
                hashes: target.keyNumbers(count: MixedRequests.structureKeys, prefix: target.hashPrefix, node: node)
            )
        }
    }
}
