import BenchCore
import Synchronization

/// What one connection did, for its node's line: kept by the connection task on its loop, merged
/// into the workload's `NodeStats` when it ends.
///
/// Thread confinement: owned by one connection task, on its loop.
final class ConnectionTally {
    var histogram = LatencyHistogram.latency()
    var succeeded = 0
    var failed = 0
}

/// Per primary of a cluster: the operations, errors and latency of the connections to it.
final class NodeStats: Sendable {
    private let names: [String]
    private let state: Mutex<[(succeeded: Int, failed: Int, histogram: LatencyHistogram)]>

    init(names: [String]) {
        self.names = names
        state = Mutex(names.map { _ in (0, 0, LatencyHistogram.latency()) })
    }

    func merge(_ tally: ConnectionTally, into node: Int) {
        state.withLock { nodes in
            nodes[node].succeeded += tally.succeeded
            nodes[node].failed += tally.failed
            nodes[node].histogram.add(tally.histogram)
        }
    }

    var results: [NodeResult] {
        state.withLock { nodes in
            zip(names, nodes).map {
                NodeResult(name: $0, succeeded: $1.succeeded, failed: $1.failed, histogram: $1.histogram)
            }
        }
    }
}
