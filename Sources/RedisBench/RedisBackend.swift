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
        let (server, topology) = try await identify(endpoint, on: loop)
        guard let topology else {
            return Prepared(
                target: RedisTarget(endpoint: endpoint, keyPrefix: options.keyPrefix, runID: options.run.dataID),
                server: server
            )
        }
        if options.database != 0 {
            throw UsageError(
                "dbbench \(RedisCommand.name): --db \(options.database): a Redis Cluster has only database 0; leave --db out"
            )
        }
        do throws(RedisError) {
            var nodeEndpoints: [RedisEndpoint] = []
            for node in topology.primaries {
                do {
                    nodeEndpoints.append(try endpoint.at(host: node.host, port: node.port))
                } catch {
                    throw .protocolError("the cluster names a node that does not resolve: \(error.description)")
                }
            }
            let target = RedisTarget(
                endpoint: endpoint,
                keyPrefix: options.keyPrefix,
                runID: options.run.dataID,
                cluster: topology,
                nodeEndpoints: nodeEndpoints
            )
            return Prepared(target: target, server: server)
        } catch {
            throw RedisBenchError(error)
        }
    }

    /// Connects once (which checks reachability, TLS and credentials), reads the server's name and
    /// version, and, for a Redis Cluster (`cluster_enabled:1`, or `--cluster`), its topology.
    private func identify(
        _ endpoint: RedisEndpoint,
        on loop: IOLoop
    ) async throws -> (ServerIdentity, ClusterTopology?) {
        do throws(RedisError) {
            // Database 0 first: a cluster refuses SELECT, and says so better below.
            var first = endpoint
            first.database = 0
            let connection = try await RedisConnection.connect(to: first, on: loop)
            defer { connection.close() }
            let clusterInfo = try await connection.send(["INFO", "cluster"]).string ?? ""
            let isCluster = options.cluster || clusterInfo.contains("cluster_enabled:1")
            if endpoint.database != 0 && !isCluster {
                try await connection.execute(["SELECT", String(endpoint.database)])
            }
            let info = try await connection.send(["INFO", "server"])
            // An ACL user may lack the right to INFO, which only names the server: the run goes on.
            if case .error(let message) = info, !message.hasPrefix("NOPERM") {
                throw .server(command: "INFO", message: message)
            }
            guard isCluster else { return (ServerIdentity(info: info.string), nil) }
            return (
                ServerIdentity(info: info.string),
                try await ClusterTopology.discover(over: connection, host: options.host)
            )
        } catch {
            throw RedisBenchError(error)
        }
    }

    /// Redis shards share nothing (each writes and deletes only keys under its own namespace), so
    /// preparing is checking that the server answers.
    public func preparationSummary(_ prepared: Prepared) -> [String] {
        [
            "\(header(prepared).title)",
            "prepared run \(options.run.runID): nothing to create (each shard writes and deletes only its own keys, "
                + "under \(options.keyPrefix)\(options.run.runID)-<shard>:)",
        ]
    }

    /// Deletes what any shard of the run left (a shard killed before its teardown).
    public func cleanUpDistributedRun(on loop: IOLoop) async throws -> [String] {
        let target = try await prepare(on: loop).target.includingShards()
        let deleted = try await target.cleanUp(on: loop)
        return [
            "run \(options.run.runID): deleted \(Format.grouped(deleted)) key\(deleted == 1 ? "" : "s") left under "
                + "'\(target.namespace)' and the shards' '\(options.keyPrefix)\(options.run.runID)-<shard>:'"
        ]
    }

    /// The offset against `TIME` of the server (a cluster's first primary).
    public func clockOffset(_ prepared: Prepared, on loop: IOLoop) async throws -> ClockOffset? {
        let connection = try await prepared.target.connect(on: loop)
        defer { connection.close() }
        return try await ClockOffset.measure {
            let reply = try await connection.send(["TIME"])
            guard case .array(let parts) = reply, parts.count == 2, let seconds = parts[0].string.flatMap(Double.init),
                let microseconds = parts[1].string.flatMap(Double.init)
            else { throw RedisBenchError(.protocolError("unexpected TIME reply")) }
            return seconds + microseconds / 1e6
        }
    }

    /// In a cluster: its primaries, and how the connections are spread over them.
    public func notices(_ prepared: Prepared) -> [String] {
        guard let cluster = prepared.target.cluster else { return [] }
        let nodes = cluster.primaries.map(\.description).joined(separator: ", ")
        return [
            "Redis Cluster with \(cluster.primaries.count) primaries (\(nodes)): the \(options.connections) "
                + "connections are spread over them, connection i to primary i mod \(cluster.primaries.count), each "
                + "sending only keys of its primary's slots"
        ]
    }

    public func header(_ prepared: Prepared) -> ReportHeader {
        let limits = options.run.limits
        let ttl = options.ttl
        let expiry =
            ttl.upperBound == 0
            ? "no TTL" : ttl.count == 1 ? "TTL \(ttl.lowerBound) s" : "TTL \(ttl.lowerBound)-\(ttl.upperBound) s"
        let address = prepared.target.endpoint.address.description
        var settings = connectionSettings
        if let cluster = prepared.target.cluster { settings.append("cluster of \(cluster.primaries.count) primaries") }
        settings += [
            "\(options.connections) connections", "\(options.run.threads) threads", "pipeline \(options.pipeline)",
            limits.summary ?? "\(Format.grouped(options.operations)) operations per workload",
        ]
        settings += [
            "\(Format.grouped(options.cacheKeys)) cache keys", "keys \(options.keyDistribution)",
            "values \(options.valueSize) B", expiry, limits.loopSummary,
            "seed \(limits.seed)",
        ]
        return ReportHeader(
            title: "dbbench redis → \(address) (\(prepared.server.label))",
            target: address,
            serverVersion: prepared.server.label,
            settings: settings
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
            ),
            nodeKeys: NodeKeys.perNode(of: target, cacheKeys: options.cacheKeys, keyRange: options.keyRange),
            distribution: options.keyDistribution
        )
        return options.tests.map { test -> any Workload in
            switch test {
            case .set: return SetWorkload(settings: settings, nodeStats: settings.makeNodeStats())
            case .get:
                return GetWorkload(settings: settings, nodeStats: settings.makeNodeStats(), keyRange: options.keyRange)
            case .mixed: return MixedWorkload(settings: settings, nodeStats: settings.makeNodeStats())
            case .custom:
                return CustomWorkload(
                    settings: settings,
                    nodeStats: settings.makeNodeStats(),
                    templates: options.commands
                )
            case .setget:
                return SetGetWorkload(
                    settings: settings,
                    nodeStats: settings.makeNodeStats(),
                    sets: options.ratio.sets,
                    gets: options.ratio.gets
                )
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
