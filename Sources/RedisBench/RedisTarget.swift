import BenchCore
import IOLoop
import Redis

/// What every Redis workload shares: the server endpoint, the run's key namespace and the key names.
public struct RedisTarget: Sendable {
    public let endpoint: RedisEndpoint
    /// `--key-prefix`.
    public let keyPrefix: String
    /// `<prefix><run-id>:` — every key of this run starts with it, and cleanup deletes only keys
    /// under it: keys that were under the prefix before, and other runs' keys, are never touched.
    public let namespace: String
    /// `<namespace>key:` — the cache keys SET, GET and MIXED use, followed by a number.
    let cacheKeyPrefix: [UInt8]
    /// `<namespace>counter:`, `<namespace>list:`, `<namespace>hash:` — MIXED's 100 keys of each type.
    let counterPrefix: [UInt8]
    let listPrefix: [UInt8]
    let hashPrefix: [UInt8]
    /// The cluster's slot map when the server is a Redis Cluster, else nil.
    let cluster: ClusterTopology?
    /// With a cluster: the endpoint of each of its primaries, in `cluster.primaries`' order.
    let nodeEndpoints: [RedisEndpoint]
    /// `--phase cleanup`: the keys of every shard of the run (`<prefix><run id>-<I>:`) are the
    /// run's too.
    private(set) var includesShards = false

    public init(endpoint: RedisEndpoint, keyPrefix: String, runID: String) {
        self.init(endpoint: endpoint, keyPrefix: keyPrefix, runID: runID, cluster: nil, nodeEndpoints: [])
    }

    init(
        endpoint: RedisEndpoint,
        keyPrefix: String,
        runID: String,
        cluster: ClusterTopology?,
        nodeEndpoints: [RedisEndpoint]
    ) {
        self.cluster = cluster
        self.nodeEndpoints = nodeEndpoints
        self.endpoint = endpoint
        self.keyPrefix = keyPrefix
        namespace = keyPrefix + runID + ":"
        cacheKeyPrefix = Array((namespace + "key:").utf8)
        counterPrefix = Array((namespace + "counter:").utf8)
        listPrefix = Array((namespace + "list:").utf8)
        hashPrefix = Array((namespace + "hash:").utf8)
    }

    /// Opens a connection on `loop` (to primary `node` of a cluster); the calling task must run on it.
    public func connect(on loop: IOLoop, node: Int = 0) async throws(RedisError) -> RedisConnection {
        try await RedisConnection.connect(to: cluster == nil ? endpoint : nodeEndpoints[node], on: loop)
    }

    /// The same target, its cleanup taking the keys of every shard of the run as well.
    func includingShards() -> RedisTarget {
        var copy = self
        copy.includesShards = true
        return copy
    }

    /// The servers keys live on: the cluster's primaries, or the one server.
    var nodeCount: Int { cluster?.primaries.count ?? 1 }

    /// The numbers `0..<count` whose key `<prefix><n>` lives on primary `node` (all of them
    /// without a cluster), so that a connection to that node only sends keys it serves.
    func keyNumbers(count: Int, prefix: [UInt8], node: Int) -> KeyPicker {
        guard let cluster else { return KeyPicker(count: count) }
        var numbers: [Int32] = []
        var key = prefix
        for number in 0..<count {
            key.removeSubrange(prefix.count...)
            key.append(contentsOf: String(number).utf8)
            if cluster.node(for: key) == node { numbers.append(Int32(number)) }
        }
        return KeyPicker(count: count, subset: numbers)
    }

    /// The `SCAN MATCH` pattern for every key of this run (under `namespace`), glob characters escaped.
    ///
    /// Escaped per Unicode scalar, not per character: a `*` followed by a combining mark or a
    /// variation selector is one Swift character but still a glob `*` to Redis, which matches bytes.
    public var matchPattern: String {
        var pattern = String.UnicodeScalarView()
        // A shard's namespace is `<prefix><run id>-<I>:`, the run's without its colon before it.
        for scalar in (includesShards ? String(namespace.dropLast()) : namespace).unicodeScalars {
            if "*?[]\\".unicodeScalars.contains(scalar) { pattern.append("\\") }
            pattern.append(scalar)
        }
        return String(pattern) + "*"
    }

    /// The keys of a SCAN reply that start with `prefix` (the namespace) byte for byte. The pattern
    /// only filters on the server's side; whatever it matched, no key outside the namespace is ever
    /// unlinked (nor one whose name is not UTF-8, which could not be named back exactly).
    /// With `shards`, also those under `<namespace without its colon>-<digits>:`.
    static func ownKeys(_ keys: [RedisReply], prefix: [UInt8], shards: Bool = false) -> [String] {
        keys.compactMap { key in
            guard case .bulk(let bytes) = key, bytes.starts(with: prefix) || (shards && isShardKey(bytes, of: prefix))
            else { return nil }
            let name = String(decoding: bytes, as: UTF8.self)
            return Array(name.utf8) == bytes ? name : nil
        }
    }

    /// Whether `key` lies under `<prefix without its colon>-<digits>:`, a shard's namespace.
    static func isShardKey(_ key: [UInt8], of prefix: [UInt8]) -> Bool {
        let base = prefix.dropLast()
        guard key.starts(with: base), key.count > base.count + 2, key[base.count] == UInt8(ascii: "-") else {
            return false
        }
        var index = base.count + 1
        while index < key.count, key[index] >= 48, key[index] <= 57 { index += 1 }
        return index > base.count + 1 && index < key.count && key[index] == UInt8(ascii: ":")
    }

    /// Deletes every key of this run with `SCAN MATCH` + `UNLINK` (never FLUSHDB/FLUSHALL) and
    /// returns how many were deleted.
    ///
    /// In a cluster, keys of several slots in one UNLINK are refused (CROSSSLOT): `oneKeyPerCommand`
    /// sends one UNLINK per key instead, pipelined.
    @discardableResult
    public func deleteKeys(
        using connection: RedisConnection,
        oneKeyPerCommand: Bool = false
    ) async throws(RedisError) -> Int {
        var cursor = "0"
        var deleted = 0
        repeat {
            let reply = try await connection.execute(["SCAN", cursor, "MATCH", matchPattern, "COUNT", "1000"])
            guard case .array(let parts) = reply, parts.count == 2,
                let next = parts[0].string, case .array(let keys) = parts[1]
            else {
                throw .protocolError("unexpected SCAN reply")
            }
            cursor = next
            let names = Self.ownKeys(keys, prefix: Array(namespace.utf8), shards: includesShards)
            if oneKeyPerCommand {
                for name in names { connection.output.command(["UNLINK", name]) }
                try await connection.flush()
                for _ in names {
                    switch try await connection.readReply() {
                    case .integer(let count): deleted += count
                    case .error(let message): throw .server(command: "UNLINK", message: message)
                    default: break
                    }
                }
            } else if !names.isEmpty {
                if case .integer(let count) = try await connection.execute(["UNLINK"] + names) { deleted += count }
            }
        } while cursor != "0"
        return deleted
    }

    /// Deletes the run's keys on a fresh connection to every node: every workload's teardown.
    /// Returns how many were deleted.
    @discardableResult
    func cleanUp(on loop: IOLoop) async throws -> Int {
        do {
            var deleted = 0
            for node in 0..<nodeCount {
                let connection = try await connect(on: loop, node: node)
                defer { connection.close() }
                deleted += try await deleteKeys(using: connection, oneKeyPerCommand: cluster != nil)
            }
            return deleted
        } catch {
            throw RedisBenchError(error)
        }
    }

    /// Checks that every node answers (and accepts the credentials): every workload's first step.
    func ping(on loop: IOLoop) async throws {
        do {
            for node in 0..<nodeCount {
                let connection = try await connect(on: loop, node: node)
                defer { connection.close() }
                try await connection.execute(["PING"])
            }
        } catch {
            throw RedisBenchError(error)
        }
    }
}

/// A Redis failure that ends the run; `kind` decides the exit code.
public struct RedisBenchError: CommandFailure {
    public let underlying: RedisError

    public init(_ error: RedisError) { underlying = error }

    public var description: String { underlying.description }

    public var kind: FailureKind {
        switch underlying {
        case .authentication: return .permissionDenied
        case .server(_, let message) where message.hasPrefix("NOAUTH") || message.hasPrefix("WRONGPASS"):
            return .permissionDenied
        case .tls(_, .clientCertificateRejected): return .permissionDenied
        case .connect, .io, .server, .tls: return .unavailable
        case .protocolError: return .internalError
        }
    }
}

extension RedisError: ErrorKindLabelled {}
