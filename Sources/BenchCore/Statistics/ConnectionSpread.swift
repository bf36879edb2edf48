/// How many operations each connection started: the fewest, the median and the most.
///
/// A closed-loop client that keeps every connection equally busy puts the server under the
/// concurrency it was asked for; one that serves some connections far more often than others
/// (as pgbench's -T runs do, Docs/performance.md) loads the server with fewer effective
/// connections than it claims. With `--num-operations` the shares are fixed and
/// the spread only shows connections that failed or were interrupted; with `--duration` it shows
/// how fairly the connections were served.
public struct ConnectionSpread: Sendable, Equatable {
    public let minimum: Int
    public let median: Int
    public let maximum: Int
    /// Every connection's count, fewest first.
    public let counts: [Int]

    /// Nil for no connections.
    public init?(_ counts: [Int]) {
        guard !counts.isEmpty else { return nil }
        let sorted = counts.sorted()
        self.counts = sorted
        minimum = sorted[0]
        median = sorted[sorted.count / 2]
        maximum = sorted[sorted.count - 1]
    }

    /// True when some connection did more than another.
    public var isUneven: Bool { minimum != maximum }
}
