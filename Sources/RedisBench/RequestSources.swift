import BenchCore
import Redis

/// Random values of 10 to 20 bytes, sliced from a fixed pool so that no value is allocated.
enum ValuePool {
    static let bytes: [UInt8] = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_0123456789abcdef".utf8)

    @inline(__always)
    static func append(to output: inout RESPWriter, random: inout FastRandom) {
        let length = random.within(10...20)
        let offset = random.below(bytes.count - length)
        bytes.withUnsafeBytes { pool in
            output.bulk(UnsafeRawBufferPointer(rebasing: pool[offset..<(offset + length)]))
        }
    }
}

/// `SET <prefix>key:<n> <value> EX 300` over `cacheKeys` keys.
struct SetRequests: RedisRequestSource {
    let keyPrefix: [UInt8]
    let cacheKeys: Int
    var random: FastRandom

    mutating func appendNext(to output: inout RESPWriter) -> Int {
        output.arrayHeader(5)
        output.bulk("SET")
        output.bulk(prefix: keyPrefix, decimal: random.below(cacheKeys))
        ValuePool.append(to: &output, random: &random)
        output.bulk("EX")
        output.bulk("300")
        return 0
    }
}

/// `GET <prefix>key:<n>` over `keyRange` keys, counting hits (a value) and misses (nil).
struct GetRequests: RedisRequestSource {
    static let hits = 0, misses = 1

    let keyPrefix: [UInt8]
    let keyRange: Int
    var random: FastRandom

    mutating func appendNext(to output: inout RESPWriter) -> Int {
        output.arrayHeader(2)
        output.bulk("GET")
        output.bulk(prefix: keyPrefix, decimal: random.below(keyRange))
        return 0
    }

    func observe(_ reply: RedisReplySummary, operation: Int, recorder: OperationRecorder) {
        recorder.add(counter: reply == .null ? Self.misses : Self.hits)
    }
}

/// 20% each of SET and GET over the cache keys, INCR over 100 counters, LPUSH over 100 lists and
/// HSET over 100 hashes.
struct MixedRequests: RedisRequestSource {
    static let operationNames = ["SET", "GET", "INCR", "LPUSH", "HSET"]
    static let structureKeys = 100

    let target: RedisTarget
    let cacheKeys: Int
    var random: FastRandom

    mutating func appendNext(to output: inout RESPWriter) -> Int {
        let operation = random.below(5)
        switch operation {
        case 0:
            output.arrayHeader(5)
            output.bulk("SET")
            output.bulk(prefix: target.cacheKeyPrefix, decimal: random.below(cacheKeys))
            ValuePool.append(to: &output, random: &random)
            output.bulk("EX")
            output.bulk("300")
        case 1:
            output.arrayHeader(2)
            output.bulk("GET")
            output.bulk(prefix: target.cacheKeyPrefix, decimal: random.below(cacheKeys))
        case 2:
            output.arrayHeader(2)
            output.bulk("INCR")
            output.bulk(prefix: target.counterPrefix, decimal: random.below(Self.structureKeys))
        case 3:
            output.arrayHeader(3)
            output.bulk("LPUSH")
            output.bulk(prefix: target.listPrefix, decimal: random.below(Self.structureKeys))
            ValuePool.append(to: &output, random: &random)
        default:
            output.arrayHeader(4)
            output.bulk("HSET")
            output.bulk(prefix: target.hashPrefix, decimal: random.below(Self.structureKeys))
            output.bulk(prefix: Array("field:".utf8), decimal: random.below(10))
            ValuePool.append(to: &output, random: &random)
        }
        return operation
    }
}
