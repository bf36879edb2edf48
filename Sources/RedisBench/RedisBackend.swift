import BenchCore
import IOLoop
import Redis

/// What `dbbench redis` plugs into the driver: the server named by the options, its version, and
/// the workloads of `--tests`. Each workload deletes its keys in its own teardown.
public struct RedisBackend: Backend {
    public struct Prepared: Sendable {
        let target: RedisTarget
        /// "Redis 7.0.15", "Valkey 8.0.1", or "Redis, version unknown" when INFO is not permitted.
        let server: ServerIdentity
    }

    public let options: RedisOptions
    public var run: RunOptions { options.run }
    public var command: String { RedisCommand.name }
    public var configuration: [(String, String)] { options.configuration }
    /// Closed loop: poll before sleeping, so that Redis does not pay for waking the client.
    public var pollsWhenIdle: Bool { options.run.limits.rate == nil }

    /// Resolves the host (or takes the Unix socket), connects once (which checks reachability,
    /// TLS and credentials) and reads the server's name and version.
    public func prepare(on loop: IOLoop) async throws -> Prepared {
        let addresses: [SocketAddress]
        do {
            if let path = options.socketPath {
                addresses = [try SocketAddress.unix(path: path)]
            } else {
                addresses = try SocketAddress.resolve(host: options.host, port: options.port)
            }
        } catch {
            throw UnavailableError(description: error.description)
        }
        let endpoint = RedisEndpoint(
            addresses: addresses,
            host: options.socketPath ?? options.host,
            username: options.username,
            password: options.password,
            database: options.database,
            connectTimeout: options.run.connectTimeout,
            ioTimeout: options.ioTimeout,
            tls: options.tls
        )
        let target = RedisTarget(endpoint: endpoint, keyPrefix: options.keyPrefix, runID: options.run.runID)
        do throws(RedisError) {
            let connection = try await target.connect(on: loop)
            defer { connection.close() }
            let info = try await connection.send(["INFO", "server"])
            // An ACL user may lack the right to INFO, which only names the server: the run goes on.
            if case .error(let message) = info, !message.hasPrefix("NOPERM") {
                throw .server(command: "INFO", message: message)
            }
            return Prepared(target: target, server: ServerIdentity(info: info.string))
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
            title: "dbbench redis → \(address) (\(prepared.server.label))",
            target: address,
            serverVersion: prepared.server.label,
            settings: connectionSettings + [
                "\(options.connections) connections", "\(options.run.threads) threads", "pipeline \(options.pipeline)",
                limits.summary ?? "\(Format.grouped(options.operations)) operations per workload",
                "\(Format.grouped(options.cacheKeys)) cache keys", "values \(values) B",
                options.ttl > 0 ? "TTL \(options.ttl) s" : "no TTL", limits.loopSummary,
            ]
        )
    }

    /// TLS and the user, when the run uses them.
    private var connectionSettings: [String] {
        var settings: [String] = []
        if let tls = options.tls {
            settings.append(tls.configuration.verifiesServer ? "TLS" : "TLS without verifying the server (--insecure)")
        }
        if let user = options.username { settings.append("user \(user)") }
        return settings
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
