import BenchCore
import IOLoop
import Redis

extension CounterKey {
    /// Requests a cluster node redirected (MOVED, ASK) and that were sent again where it said.
    static let redirects = CounterKey("redirects")
}

/// Follows a cluster's redirects for one connection task: a request answered with `MOVED slot
/// host:port` is sent again to that node, one answered with `ASK slot host:port` is sent there
/// after `ASKING`. Connections to the nodes named are opened when first needed and kept; a request
/// is redirected at most `budget` times, so that a cluster that keeps redirecting ends as errors.
///
/// Thread confinement: owned by one connection task, on its loop.
final class ClusterRedirects {
    static let budget = 5

    private let target: RedisTarget
    private let loop: IOLoop
    private var connections: [String: RedisConnection] = [:]

    init(target: RedisTarget, loop: IOLoop) {
        self.target = target
        self.loop = loop
    }

    deinit { for connection in connections.values { connection.close() } }

    /// True for an error reply that is a redirect.
    static func isRedirect(_ message: String) -> Bool { message.hasPrefix("MOVED ") || message.hasPrefix("ASK ") }

    /// Sends `request` (its RESP bytes) where `message` says, following further redirects up to the
    /// budget, and returns the final reply.
    nonisolated(nonsending)
        func follow(_ request: [UInt8], redirect message: String) async throws(RedisError) -> RedisReplySummary
    {
        var message = message
        for _ in 0..<Self.budget {
            let parts = message.split(separator: " ")
            guard parts.count == 3, let colon = parts[2].lastIndex(of: ":"),
                let port = Int(parts[2][colon...].dropFirst())
            else { throw .protocolError("a redirect without an address: \(RedisError.errorKind(of: message))") }
            let host = String(parts[2][..<colon])
            let connection = try await connection(host: host.isEmpty ? target.endpoint.host : host, port: port)
            if parts[0] == "ASK" { connection.output.command(["ASKING"]) }
            connection.output.raw(request)
            try await connection.flush()
            if parts[0] == "ASK", case .error(let refused) = try await connection.readReplySummary() {
                throw .server(command: "ASKING", message: refused)
            }
            let reply = try await connection.readReplySummary()
            guard case .error(let next) = reply, Self.isRedirect(next) else { return reply }
            message = next
        }
        throw .server(command: "redirect", message: "still redirected after \(Self.budget) redirects: \(message)")
    }

    nonisolated(nonsending)
        private func connection(host: String, port: Int) async throws(RedisError) -> RedisConnection
    {
        let key = "\(host):\(port)"
        if let open = connections[key] { return open }
        let endpoint: RedisEndpoint
        do {
            endpoint = try target.endpoint.at(host: host, port: port)
        } catch {
            throw .protocolError("a redirect to a node that does not resolve: \(error.description)")
        }
        let connection = try await RedisConnection.connect(to: endpoint, on: loop)
        connections[key] = connection
        return connection
    }
}
