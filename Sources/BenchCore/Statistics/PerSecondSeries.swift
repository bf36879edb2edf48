/// Latency figures of one interval, in microseconds (all 0 for an interval without operations).
public struct IntervalLatency: Sendable, Equatable {
    public var p50: UInt64
    public var p90: UInt64
    public var p99: UInt64
    public var max: UInt64

    public init(p50: UInt64, p90: UInt64, p99: UInt64, max: UInt64) {
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.max = max
    }

    /// The figures of `histogram`, computed as `LatencySummary` computes them.
    public init(_ histogram: LatencyHistogram) {
        guard histogram.totalCount > 0 else {
            self.init(p50: 0, p90: 0, p99: 0, max: 0)
            return
        }
        self.init(
            p50: histogram.valueAtPercentile(50),
            p90: histogram.valueAtPercentile(90),
            p99: histogram.valueAtPercentile(99),
            max: histogram.max
        )
    }
}

/// One second of a workload (or of one of its operation kinds): what finished in it.
public struct SecondStatistics: Sendable, Equatable {
    public var succeeded: Int
    public var failed: Int
    /// Of the operations that succeeded in this second; in open loop from the scheduled start.
    public var latency: IntervalLatency
    /// Open loop only: from the actual send.
    public var serviceTime: IntervalLatency?

    public init(succeeded: Int, failed: Int, latency: IntervalLatency, serviceTime: IntervalLatency? = nil) {
        self.succeeded = succeeded
        self.failed = failed
        self.latency = latency
        self.serviceTime = serviceTime
    }
}

/// A workload's timeline: one entry per second since its connections were started (warm-up
/// included), the last one covering what remained. Each entry comes from the interval histograms
/// of the loops merged for that second, so its percentiles are exact for the second, and the
/// entries' counts add up to what the run did.
public struct PerSecondSeries: Sendable {
    /// Unix time (seconds) at which the first second began.
    public var startUnixTime: Double
    /// All measured operation kinds together (not those timed before the measured interval).
    public var total: [SecondStatistics]
    /// Per operation kind, in the order of `WorkloadResult.operations`.
    public var operations: [[SecondStatistics]]
    /// The workload's rate counter (rows) in each second, when it has one.
    public var counted: [Int]?
    /// How long the last entry lasted, in seconds (1 for all others).
    public var lastEntrySeconds: Double

    public init(
        startUnixTime: Double,
        total: [SecondStatistics] = [],
        operations: [[SecondStatistics]] = [],
        counted: [Int]? = nil,
        lastEntrySeconds: Double = 1
    ) {
        self.startUnixTime = startUnixTime
        self.total = total
        self.operations = operations
        self.counted = counted
        self.lastEntrySeconds = lastEntrySeconds
    }

    public var count: Int { total.count }

    /// The Unix time at which entry `index` began.
    public func unixTime(ofEntry index: Int) -> Double { startUnixTime + Double(index) }
}
