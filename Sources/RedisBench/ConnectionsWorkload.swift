import BenchCore
import IOLoop
import Redis

/// CONNECTIONS: every connection opened at once (TCP connect plus AUTH/SELECT), held, then PINGed;
/// in a cluster, spread over its primaries as the other workloads' are.
struct ConnectionsWorkload: ConnectionTestWorkload {
    let target: RedisTarget
    let connections: Int
    var name: String { "CONNECTIONS" }
    var probeName: String { "PING" }

    func setup(on loop: IOLoop) async throws { try await target.ping(on: loop) }

    func open(on loop: IOLoop, index: Int) async throws -> RedisConnection {
        try await target.connect(on: loop, node: index % target.nodeCount)
    }

    func probe(_ connection: RedisConnection) async -> String? {
        do {
            if case .error(let message) = try await connection.send(["PING"]) {
                return RedisError.errorKind(of: message)
            }
            return nil
        } catch {
            return error.kind
        }
    }

    func close(_ connection: RedisConnection) { connection.close() }

    /// With `maxclients` reached, Redis accepts the connection, sends this error and closes it.
    func isRefusal(_ failure: String) -> Bool { failure.hasPrefix("ERR max number of clients reached") }
}
