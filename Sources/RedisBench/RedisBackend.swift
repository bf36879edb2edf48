import BenchCore
import IOLoop
import Redis

/// What `dbbench redis` plugs into the driver: the server named by the options, its version, and
/// the workloads of `--tests`. Each workload deletes its keys in its own teardown.
public struct RedisBackend: Backend {
    public struct Prepared: Sendable {
        let target: RedisTarget
        let version: String
    }

    public let options: RedisOptions
    public var run: RunOptions { options.run }
    public var command: String { RedisCommand.name }
    public var configuration: [(String, String)] { options.configuration }
    /// Closed loop: poll before sleeping, so that Redis does not pay for waking the client.
    public var pollsWhenIdle: Bool { options.run.limits.rate == nil }

    /// Resolves the host, connects once (which checks reachability and credentials) and reads
    /// `redis_version`.
    public func prepare(on loop: IOLoop) async throws -> Prepared {
        let addresses: [SocketAddress]
        do {
            addresses = try SocketAddress.resolve(host: options.host, port: options.port)
        } catch {
            throw UnavailableError(description: error.description)
        }
        let endpoint = RedisEndpoint(
            address: addresses[0],
            password: options.password,
            database: options.database,
            connectTimeout: options.run.connectTimeout,
            ioTimeout: options.ioTimeout
        )
        let target = RedisTarget(endpoint: endpoint, keyPrefix: options.keyPrefix, runID: options.run.runID)
        do {
            let connection = try await target.connect(on: loop)
            defer { connection.close() }
            let info = try await connection.execute(["INFO", "server"]).string ?? ""
            for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("redis_version:") {
                return Prepared(target: target, version: String(line.dropFirst("redis_version:".count)))
            }
            return Prepared(target: target, version: "unknown version")
        } catch {
            throw RedisBenchError(error)
        }
    }

    public func header(_ prepared: Prepared) -> ReportHeader {
        let limits = options.run.limits
        let sizes = options.valueSize
        let values = sizes.count == 1 ? "\(sizes.lowerBound)" : "\(sizes.lowerBound)-\(sizes.upperBound)"
        let address = prepared.target.endpoint.address.description
        return ReportHeader(
            title: "dbbench redis → \(address) (Redis \(prepared.version))",
            target: address,
            serverVersion: prepared.version,
            settings: [
                "\(options.connections) connections", "\(options.run.threads) threads", "pipeline \(options.pipeline)",
                limits.summary ?? "\(Format.grouped(options.operations)) operations per workload",
                "\(Format.grouped(options.cacheKeys)) cache keys", "values \(values) B",
                options.ttl > 0 ? "TTL \(options.ttl) s" : "no TTL", limits.loopSummary,
            ]
        )
    }

    public func workloads(_ prepared: Prepared) -> [any Workload] {
        let target = prepared.target
        let settings = KeyValueSettings(
            target: target,
            connections: options.connections,
            operations: options.operations,
            cacheKeys: options.cacheKeys,
            pipeline: options.pipeline,
            set: SetEncoding(
                keyPrefix: target.cacheKeyPrefix,
                values: ValueSource(sizes: options.valueSize),
                ttl: options.ttl
            )
        )
        return options.tests.map { test -> any Workload in
            switch test {
            case .set: return SetWorkload(settings: settings)
            case .get: return GetWorkload(settings: settings, keyRange: options.keyRange)
            case .mixed: return MixedWorkload(settings: settings)
            case .connections: return ConnectionsWorkload(target: target, connections: options.connections)
            }
        }
    }

    public func stillAnswers(_ prepared: Prepared, on loop: IOLoop) async -> Bool {
        (try? await prepared.target.ping(on: loop)) != nil
    }

    public func leftBehind(_ prepared: Prepared) -> [String] {
        [
            "left behind: keys of this run under '\(prepared.target.namespace)' may remain "
                + "(SCAN MATCH '\(prepared.target.matchPattern)' finds them)"
        ]
    }
}
