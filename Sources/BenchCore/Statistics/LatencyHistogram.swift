import Histogram

/// The HdrHistogram every latency goes into: microseconds from 1 µs to 60 s, 3 significant digits.
public typealias LatencyHistogram = Histogram<UInt64>

extension Histogram where Count == UInt64 {
    /// An empty latency histogram with dbbench's range and precision.
    public static func latency() -> Histogram<UInt64> {
        Histogram<UInt64>(
            lowestDiscernibleValue: 1,
            highestTrackableValue: 60_000_000,
            numberOfSignificantValueDigits: .three
        )
    }

    /// The histograms added into one (of dbbench's settings, as every latency histogram is).
    public static func sum(_ histograms: [Histogram<UInt64>]) -> Histogram<UInt64> {
        var sum = latency()
        for histogram in histograms { sum.add(histogram) }
        return sum
    }

    /// Records a latency given in nanoseconds, rounded to the microsecond and clamped to the range.
    @inline(__always)
    public mutating func recordNanoseconds(_ nanoseconds: UInt64) {
        let micros = Swift.min(Swift.max((nanoseconds &+ 500) / 1_000, 1), 60_000_000)
        _ = record(micros)
    }
}

/// The figures reported for one set of latencies, in microseconds.
public struct LatencySummary: Sendable, Equatable {
    public let count: UInt64
    public let mean: Double
    public let p50: UInt64
    public let p90: UInt64
    public let p95: UInt64
    public let p99: UInt64
    public let p999: UInt64
    public let max: UInt64

    /// Figures as a result file gives them (a node's, which has no histogram).
    public init(
        count: UInt64,
        mean: Double,
        p50: UInt64,
        p90: UInt64,
        p95: UInt64,
        p99: UInt64,
        p999: UInt64,
        max: UInt64
    ) {
        self.count = count
        self.mean = mean
        self.p50 = p50
        self.p90 = p90
        self.p95 = p95
        self.p99 = p99
        self.p999 = p999
        self.max = max
    }

    public init(_ histogram: LatencyHistogram) {
        count = histogram.totalCount
        guard count > 0 else {
            mean = 0
            p50 = 0
            p90 = 0
            p95 = 0
            p99 = 0
            p999 = 0
            max = 0
            return
        }
        mean = histogram.mean
        p50 = histogram.valueAtPercentile(50)
        p90 = histogram.valueAtPercentile(90)
        p95 = histogram.valueAtPercentile(95)
        p99 = histogram.valueAtPercentile(99)
        p999 = histogram.valueAtPercentile(99.9)
        max = histogram.max
    }
}
