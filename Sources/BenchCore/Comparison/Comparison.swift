/// A metric `dbbench compare` judges, computed from a result's histogram and counts.
public enum ComparedMetric: String, CaseIterable, Sendable {
    case ops, p50, p90, p99
    case p999 = "p99.9"
    case max
    case errorRate = "error_rate"

    /// True when a larger value is worse (latencies, errors).
    public var higherIsWorse: Bool { self != .ops }

    /// The metric of one result: throughput per second, a latency percentile in microseconds (from
    /// the histogram itself, never a printed figure), or the failed share of attempts.
    public func value(of result: WorkloadResult) -> Double {
        let histogram = result.total.histogram
        switch self {
        case .ops: return result.throughput
        case .p50: return Double(histogram.totalCount == 0 ? 0 : histogram.valueAtPercentile(50))
        case .p90: return Double(histogram.totalCount == 0 ? 0 : histogram.valueAtPercentile(90))
        case .p99: return Double(histogram.totalCount == 0 ? 0 : histogram.valueAtPercentile(99))
        case .p999: return Double(histogram.totalCount == 0 ? 0 : histogram.valueAtPercentile(99.9))
        case .max: return Double(histogram.totalCount == 0 ? 0 : histogram.max)
        case .errorRate:
            return result.total.attempted == 0 ? 0 : Double(result.total.failed) / Double(result.total.attempted)
        }
    }

    /// "105,300 ops/s", "0.412 ms", "0.10%".
    public func format(_ value: Double) -> String {
        switch self {
        case .ops: return Format.grouped(Int(value.rounded())) + " ops/s"
        case .errorRate: return Format.fixed(value * 100, 2) + "%"
        default: return Format.milliseconds(value) + " ms"
        }
    }
}

/// What the data says of one metric's change.
public enum ComparisonVerdict: String, Sendable {
    /// Worse: significant (at least 4 replicates a side), or beyond the noise floor (fewer).
    case regression
    case improvement
    /// At least 4 replicates a side and no significant difference.
    case noChange = "no change"
    /// Fewer than 4 replicates a side and a change within the noise floor.
    case inconclusive
}

/// One metric of one workload, baseline against candidate.
public struct MetricComparison: Sendable {
    public let workload: String
    public let metric: ComparedMetric
    /// Of all the side's replicates merged (histograms added, counts summed).
    public let baseline: Double
    public let candidate: Double
    /// (candidate − baseline) / baseline; nil when the baseline is 0.
    public let change: Double?
    /// The confidence interval of the change (the Hodges–Lehmann shift of the replicates, relative
    /// to the baseline), when there are enough replicates.
    public let interval: (low: Double, high: Double)?
    /// Mann–Whitney's two-sided p-value over the replicates.
    public let p: Double?
    public let baselineReplicates: Int
    public let candidateReplicates: Int
    public let verdict: ComparisonVerdict
}

/// The statistics of `dbbench compare`: every workload both sides ran, every metric, a verdict.
public struct Comparison: Sendable {
    /// At least this many replicates a side for Mann–Whitney to decide.
    public static let minimumReplicates = 4

    public let rows: [MetricComparison]

    /// `baseline` and `candidate`: per workload name, its replicates on each side, in the order
    /// the baseline ran them.
    public init(
        baseline: [(name: String, replicates: [WorkloadResult])],
        candidate: [(name: String, replicates: [WorkloadResult])],
        alpha: Double,
        noise: Double
    ) {
        var rows: [MetricComparison] = []
        for (name, before) in baseline {
            guard let after = candidate.first(where: { $0.name == name })?.replicates, let first = before.first else {
                continue
            }
            rows += Self.compare(name, before, after, alpha: alpha, noise: noise)
            // A workload of several kinds (MIXED): each kind as well, "MIXED.GET".
            guard first.operations.count > 1 else { continue }
            for operation in first.operations where !operation.isPreStart {
                let kindBefore = before.compactMap { $0.kind(operation.name) }
                let kindAfter = after.compactMap { $0.kind(operation.name) }
                guard !kindAfter.isEmpty else { continue }
                rows += Self.compare("\(name).\(operation.name)", kindBefore, kindAfter, alpha: alpha, noise: noise)
            }
        }
        self.rows = rows
    }

    /// Every metric of one workload (or kind), from its replicates on both sides.
    static func compare(
        _ name: String,
        _ before: [WorkloadResult],
        _ after: [WorkloadResult],
        alpha: Double,
        noise: Double
    ) -> [MetricComparison] {
        guard let mergedBefore = WorkloadResult(repetitions: before),
            let mergedAfter = WorkloadResult(repetitions: after)
        else { return [] }
        var rows: [MetricComparison] = []
        for metric in ComparedMetric.allCases {
            let a = before.map(metric.value)
            let b = after.map(metric.value)
            let base = metric.value(of: mergedBefore)
            let cand = metric.value(of: mergedAfter)
            let change: Double? = base == 0 ? (cand == 0 ? 0 : nil) : (cand - base) / base
            let test = MannWhitney.test(a, b)
            let decides = a.count >= Self.minimumReplicates && b.count >= Self.minimumReplicates
            let interval = MannWhitney.shift(from: a, to: b, alpha: alpha).flatMap { shift in
                base == 0 ? nil : (low: shift.low / base, high: shift.high / base)
            }
            let worse = metric.higherIsWorse ? cand > base : cand < base
            let verdict: ComparisonVerdict
            if decides {
                verdict = (test?.p ?? 1) < alpha && cand != base ? (worse ? .regression : .improvement) : .noChange
            } else if let change, abs(change) > noise {
                verdict = worse ? .regression : .improvement
            } else if change == nil {
                verdict = worse ? .regression : .improvement
            } else {
                verdict = .inconclusive
            }
            rows.append(
                MetricComparison(
                    workload: name,
                    metric: metric,
                    baseline: base,
                    candidate: cand,
                    change: change,
                    interval: interval,
                    p: test?.p,
                    baselineReplicates: a.count,
                    candidateReplicates: b.count,
                    verdict: verdict
                )
            )
        }
        return rows
    }
}

extension WorkloadResult {
    /// One of the workload's operation kinds as a result of its own (same wall time), for comparing
    /// kinds; nil when it has no such kind.
    func kind(_ name: String) -> WorkloadResult? {
        guard let operation = operations.first(where: { $0.name == name }) else { return nil }
        return WorkloadResult(
            name: name,
            connections: connections,
            operations: [operation],
            total: operation,
            errors: [],
            counters: [],
            wallNanoseconds: wallNanoseconds,
            serviceTime: nil,
            late: 0,
            notStarted: 0
        )
    }
}
