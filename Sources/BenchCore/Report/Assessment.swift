/// The old scripts' verdicts, kept as information next to the measured numbers.
public enum Rating: String, Sendable {
    case excellent = "EXCELLENT"
    case good = "GOOD"
    case needsImprovement = "NEEDS IMPROVEMENT"
    /// Nothing to rate: no operation succeeded (a latency of no reply is no figure).
    case noData = "NO DATA"
}

/// Two limits that turn a measured value into a `Rating`.
public struct RatingThresholds: Sendable {
    public let excellent: Double
    public let good: Double
    /// True for throughput-like values, false for latency-like ones.
    public let higherIsBetter: Bool

    public init(excellent: Double, good: Double, higherIsBetter: Bool) {
        self.excellent = excellent
        self.good = good
        self.higherIsBetter = higherIsBetter
    }

    /// Rates `value`: at or above `excellent` (below, for latencies) is EXCELLENT, and so on.
    public func rate(_ value: Double) -> Rating {
        if higherIsBetter {
            if value >= excellent { return .excellent }
            if value >= good { return .good }
        } else {
            if value < excellent { return .excellent }
            if value < good { return .good }
        }
        return .needsImprovement
    }
}

/// One rated line of the assessment ("SET throughput  123,152 ops/s  EXCELLENT").
public struct Assessment: Sendable {
    public let metric: String
    public let value: String
    public let rating: Rating

    public init(metric: String, value: String, rating: Rating) {
        self.metric = metric
        self.value = value
        self.rating = rating
    }
}
