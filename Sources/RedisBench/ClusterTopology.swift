import IOLoop
import Redis

/// A Redis Cluster's primaries and which of them serves each of the 16384 slots, read from
/// `CLUSTER SHARDS` (Redis 7) or, on older servers, `CLUSTER SLOTS`.
struct ClusterTopology: Sendable, Equatable {
    struct Node: Sendable, Equatable {
        let host: String
        let port: Int
        var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    let primaries: [Node]
    /// For each slot, the index in `primaries` of the node serving it.
    let owners: [UInt8]

    init(primaries: [Node], owners: [UInt8]) {
        self.primaries = primaries
        self.owners = owners
    }

    /// The index of the primary serving `key`.
    func node(for key: some Collection<UInt8>) -> Int { Int(owners[HashSlot.of(key)]) }

    /// Reads the topology over `connection`; `host` replaces an empty or unusable node address (a
    /// node may announce none, meaning "the address you reached me at").
    static func discover(over connection: RedisConnection, host: String) async throws(RedisError) -> ClusterTopology {
        let shards = try await connection.send(["CLUSTER", "SHARDS"])
        if case .array(let entries) = shards, let topology = fromShards(entries, host: host) { return topology }
        let slots = try await connection.execute(["CLUSTER", "SLOTS"])
        guard case .array(let ranges) = slots, let topology = fromSlots(ranges, host: host) else {
            throw .protocolError("CLUSTER SLOTS: not a slot table")
        }
        return topology
    }

    /// `CLUSTER SHARDS`: per shard a map with `slots` (start, end, ...) and `nodes` (maps with
    /// `endpoint`/`ip`, `port`, `role`, `health`).
    static func fromShards(_ shards: [RedisReply], host: String) -> ClusterTopology? {
        var builder = Builder()
        for shard in shards {
            let fields = map(shard)
            guard case .array(let bounds)? = fields["slots"], case .array(let nodes)? = fields["nodes"] else {
                return nil
            }
            let primary = nodes.map(map).first { $0["role"]?.string == "master" && $0["health"]?.string != "fail" }
            guard let primary, let port = primary["port"].flatMap(integer) else { continue }
            let address =
                [primary["endpoint"]?.string, primary["ip"]?.string].compactMap { $0 }
                .first { !$0.isEmpty && $0 != "?" } ?? host
            let index = builder.index(of: Node(host: address, port: port))
            var position = 0
            while position + 1 < bounds.count {
                guard let start = integer(bounds[position]), let end = integer(bounds[position + 1]) else { return nil }
                builder.assign(start...end, to: index)
                position += 2
            }
        }
        return builder.topology
    }

    /// `CLUSTER SLOTS`: per range `[start, end, [ip, port, id, ...], replicas...]`.
    static func fromSlots(_ ranges: [RedisReply], host: String) -> ClusterTopology? {
        var builder = Builder()
        for range in ranges {
            guard case .array(let parts) = range, parts.count >= 3, let start = integer(parts[0]),
                let end = integer(parts[1]), case .array(let primary) = parts[2], primary.count >= 2,
                let port = integer(primary[1])
            else { return nil }
            let address = primary[0].string.flatMap { $0.isEmpty || $0 == "?" ? nil : $0 } ?? host
            builder.assign(start...end, to: builder.index(of: Node(host: address, port: port)))
        }
        return builder.topology
    }

    private struct Builder {
        var primaries: [Node] = []
        var owners = [UInt8](repeating: .max, count: HashSlot.count)

        mutating func index(of node: Node) -> Int {
            if let index = primaries.firstIndex(of: node) { return index }
            primaries.append(node)
            return primaries.count - 1
        }

        mutating func assign(_ slots: ClosedRange<Int>, to index: Int) {
            for slot in slots where slot >= 0 && slot < HashSlot.count { owners[slot] = UInt8(index) }
        }

        /// Nil unless every slot has a primary (a cluster that is not `cluster_state:ok`).
        var topology: ClusterTopology? {
            guard !primaries.isEmpty, primaries.count < 255, !owners.contains(.max) else { return nil }
            return ClusterTopology(primaries: primaries, owners: owners)
        }
    }

    /// A RESP2 map (a flat array of names and values) as a dictionary.
    private static func map(_ reply: RedisReply) -> [String: RedisReply] {
        guard case .array(let items) = reply else { return [:] }
        var fields: [String: RedisReply] = [:]
        var index = 0
        while index + 1 < items.count {
            if let name = items[index].string { fields[name] = items[index + 1] }
            index += 2
        }
        return fields
    }

    private static func integer(_ reply: RedisReply) -> Int? {
        if case .integer(let value) = reply { return value }
        return reply.string.flatMap { Int($0) }
    }
}
