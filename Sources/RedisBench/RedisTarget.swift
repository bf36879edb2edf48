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

    public init(endpoint: RedisEndpoint, keyPrefix: String, runID: String) {
        self.endpoint = endpoint
        self.keyPrefix = keyPrefix
        namespace = keyPrefix + runID + ":"
        cacheKeyPrefix = Array((namespace + "key:").utf8)
        counterPrefix = Array((namespace + "counter:").utf8)
        listPrefix = Array((namespace + "list:").utf8)
        hashPrefix = Array((namespace + "hash:").utf8)
    }

    /// Opens a connection on `loop`; the calling task must run on it.
    public func connect(on loop: IOLoop) async throws(RedisError) -> RedisConnection {
        try await RedisConnection.connect(to: endpoint, on: loop)
    }

    /// The `SCAN MATCH` pattern for every key of this run (under `namespace`), glob characters escaped.
    ///
    /// Escaped per Unicode scalar, not per character: a `*` followed by a combining mark or a
    /// variation selector is one Swift character but still a glob `*` to Redis, which matches bytes.
    public var matchPattern: String {
        var pattern = String.UnicodeScalarView()
        for scalar in namespace.unicodeScalars {
            if "*?[]\\".unicodeScalars.contains(scalar) { pattern.append("\\") }
            pattern.append(scalar)
        }
        return String(pattern) + "*"
    }

    /// The keys of a SCAN reply that start with `prefix` (the namespace) byte for byte. The pattern
    /// only filters on the server's side; whatever it matched, no key outside the namespace is ever
    /// unlinked (nor one whose name is not UTF-8, which could not be named back exactly).
    static func ownKeys(_ keys: [RedisReply], prefix: [UInt8]) -> [String] {
        keys.compactMap { key in
            guard case .bulk(let bytes) = key, bytes.starts(with: prefix) else { return nil }
            let name = String(decoding: bytes, as: UTF8.self)
            return Array(name.utf8) == bytes ? name : nil
        }
    }

    /// Deletes every key of this run with `SCAN MATCH` + `UNLINK` (never FLUSHDB/FLUSHALL) and
    /// returns how many were deleted.
    @discardableResult
    public func deleteKeys(using connection: RedisConnection) async throws(RedisError) -> Int {
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
            let names = Self.ownKeys(keys, prefix: Array(namespace.utf8))
            if !names.isEmpty {
                if case .integer(let count) = try await connection.execute(["UNLINK"] + names) { deleted += count }
            }
        } while cursor != "0"
        return deleted
    }

    /// Deletes the run's keys on a fresh connection: every workload's teardown.
    func cleanUp(on loop: IOLoop) async throws {
        do {
            let connection = try await connect(on: loop)
            defer { connection.close() }
            try await deleteKeys(using: connection)
        } catch {
            throw RedisBenchError(error)
        }
    }

    /// Checks that the server answers (and accepts the credentials): every workload's first step.
    func ping(on loop: IOLoop) async throws {
        do {
            let connection = try await connect(on: loop)
            defer { connection.close() }
            try await connection.execute(["PING"])
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
