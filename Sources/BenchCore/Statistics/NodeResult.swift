/// One server's share of a workload that spread its connections over several (the primaries of a
/// Redis Cluster), so that a hot or slow shard shows.
public struct NodeResult: Sendable {
    /// "127.0.0.1:7000".
    public let name: String
    public let succeeded: Int
    public let failed: Int
    public let latency: LatencySummary

    public init(name: String, succeeded: Int, failed: Int, histogram: LatencyHistogram) {
        self.name = name
        self.succeeded = succeeded
        self.failed = failed
        latency = LatencySummary(histogram)
    }

    public init(name: String, succeeded: Int, failed: Int, latency: LatencySummary) {
        self.name = name
        self.succeeded = succeeded
        self.failed = failed
        self.latency = latency
    }
}
