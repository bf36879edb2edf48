/// One `--assert` expression: `[workload.]metric OP value`, e.g. `p99<5ms`, `ops>=50000`,
/// `errors==0`, `error_rate<1%`, `set.p99.9<=2ms`. Latencies take `us`, `ms` (the default) or `s`.
public struct Threshold: Sendable, Equatable {
    public enum Metric: String, CaseIterable, Sendable {
        case mean, p50, p90, p95, p99
        case p999 = "p99.9"
        case max
        /// Successful operations per second of wall time.
        case ops
        /// Rows per second (rows inserted, or returned by queries).
        case rows
        /// Failures of every kind, counted.
        case errors
        /// Failed operations as a percentage of those attempted.
        case errorRate = "error_rate"
        /// Operations that started more than 1 ms after their scheduled time (open loop), counted.
        case late
        /// 1 when an I/O loop was busy more than 90% of the run (the client set the pace), else 0.
        case clientSaturated = "client_saturated"

        var isLatency: Bool { ![.ops, .rows, .errors, .errorRate, .late, .clientSaturated].contains(self) }
    }

    public enum Comparison: String, CaseIterable, Sendable {
        case lessOrEqual = "<="
        case greaterOrEqual = ">="
        case equal = "=="
        case less = "<"
        case greater = ">"

        func holds(_ value: Double, _ limit: Double) -> Bool {
            switch self {
            case .less: return value < limit
            case .lessOrEqual: return value <= limit
            case .greater: return value > limit
            case .greaterOrEqual: return value >= limit
            case .equal: return value == limit
            }
        }
    }

    /// The expression as written.
    public let text: String
    /// Lower-case workload name, or `nil` for every workload.
    public let workload: String?
    public let metric: Metric
    public let comparison: Comparison
    /// Microseconds for latencies; the plain number otherwise.
    public let limit: Double

    /// Parses `text`; `workloads` are the names a prefix may use (lower case), `countingRows` the
    /// workloads of this run that count rows (a `rows` threshold on any other is refused).
    public init(
        parsing text: String,
        workloads: [String],
        countingRows: [String]? = nil,
        command: String
    ) throws(UsageError) {
        self.text = text
        let expression = text.filter { $0 != " " }
        guard let comparison = Comparison.allCases.first(where: { expression.contains($0.rawValue) }),
            let range = expression.firstRange(of: comparison.rawValue)
        else {
            throw UsageError("\(command): --assert '\(text)' needs a comparison: <, <=, >, >= or ==")
        }
        self.comparison = comparison
        let left = String(expression[..<range.lowerBound]).lowercased()
        let right = String(expression[range.upperBound...]).lowercased()
        let metrics = Metric.allCases.map(\.rawValue).joined(separator: ", ")
        guard
            let metric = Metric.allCases.sorted(by: { $0.rawValue.count > $1.rawValue.count })
                .first(where: { left == $0.rawValue || left.hasSuffix("." + $0.rawValue) })
        else {
            throw UsageError(
                "\(command): --assert '\(text)': unknown metric '\(left)'; use one of \(metrics), optionally after a workload and a dot"
            )
        }
        self.metric = metric
        let prefix = left == metric.rawValue ? nil : String(left.dropLast(metric.rawValue.count + 1))
        if let prefix, !workloads.contains(prefix) {
            throw UsageError(
                "\(command): --assert '\(text)': unknown workload '\(prefix)'; choose from \(workloads.joined(separator: ", "))"
            )
        }
        workload = prefix
        if metric == .rows, let countingRows {
            if let prefix, !countingRows.contains(prefix) {
                throw UsageError("\(command): --assert '\(text)': \(prefix) counts no rows")
            }
            if prefix == nil && countingRows.isEmpty {
                throw UsageError(
                    "\(command): --assert '\(text)': none of the workloads of this run counts rows; "
                        + "rows/s is measured by insert, query and sql of dbbench timescale"
                )
            }
        }
        var number = Substring(right)
        if metric == .errorRate && number.hasSuffix("%") { number = number.dropLast() }
        var scale = 1.0
        if metric.isLatency {
            scale = 1000  // milliseconds unless told otherwise
            for (suffix, factor) in [("us", 1.0), ("µs", 1.0), ("ms", 1000.0), ("s", 1_000_000.0)]
            where right.hasSuffix(suffix) {
                number = right.dropLast(suffix.count)
                scale = factor
                break
            }
        }
        guard let value = Double(number), value >= 0 else {
            throw UsageError(
                "\(command): --assert '\(text)': '\(right)' is not a number\(metric.isLatency ? " with an optional unit (us, ms, s)" : "")"
            )
        }
        limit = value * scale
    }

    /// What this metric measured in `result`, or why there is nothing to compare.
    enum Measurement: Equatable {
        case value(Double)
        /// The workload keeps no such count (rows of SET): skipped unless the threshold names it.
        case notCounted
        /// Nothing to take the figure from (a percentile of no successful operation): fails.
        case noData(String)
    }

    func measurement(in result: WorkloadResult) -> Measurement {
        let latency = result.total.latency
        if metric.isLatency && result.total.succeeded == 0 {
            return .noData("\(result.name) has no successful operation to take \(metric.rawValue) from")
        }
        switch metric {
        case .mean: return .value(latency.mean)
        case .p50: return .value(Double(latency.p50))
        case .p90: return .value(Double(latency.p90))
        case .p95: return .value(Double(latency.p95))
        case .p99: return .value(Double(latency.p99))
        case .p999: return .value(Double(latency.p999))
        case .max: return .value(Double(latency.max))
        case .ops: return .value(result.throughput)
        case .rows: return result.rate(of: .rows).map(Measurement.value) ?? .notCounted
        case .errors: return .value(Double(result.errors.reduce(0) { $0 + $1.count }))
        case .errorRate:
            let attempted = result.total.attempted
            guard attempted > 0 else { return .noData("\(result.name) attempted no operation") }
            return .value(100 * Double(result.total.failed) / Double(attempted))
        case .late: return .value(Double(result.late))  // always 0 in closed loop, which has no schedule
        case .clientSaturated: return .value(result.saturatedLoops.isEmpty ? 0 : 1)
        }
    }

    /// `value` in the threshold's own terms: "0.512 ms", "123,456 ops/s", "0".
    func format(_ value: Double) -> String {
        switch metric {
        case .ops: return "\(Format.grouped(Int(value.rounded()))) ops/s"
        case .rows: return "\(Format.grouped(Int(value.rounded()))) rows/s"
        case .errors, .late, .clientSaturated: return Format.grouped(Int(value))
        case .errorRate: return Format.fixed(value, 2) + "%"
        default: return "\(Format.milliseconds(value)) ms"
        }
    }
}

/// Whether one threshold held for one workload.
public struct ThresholdOutcome: Sendable {
    public let threshold: Threshold
    public let workload: String
    public let passed: Bool
    /// "SET p99 = 0.512 ms", or why there is nothing to compare.
    public let detail: String

    public init(threshold: Threshold, workload: String, passed: Bool, detail: String) {
        self.threshold = threshold
        self.workload = workload
        self.passed = passed
        self.detail = detail
    }

    /// Checks every threshold against every workload it names (all of them when it names none).
    /// A threshold naming a workload that did not run fails.
    public static func evaluate(_ thresholds: [Threshold], results: [WorkloadResult]) -> [ThresholdOutcome] {
        var outcomes: [ThresholdOutcome] = []
        for threshold in thresholds {
            let matching = results.filter { threshold.workload == nil || $0.name.lowercased() == threshold.workload }
            if matching.isEmpty {
                outcomes.append(
                    ThresholdOutcome(
                        threshold: threshold,
                        workload: threshold.workload ?? "-",
                        passed: false,
                        detail: "workload \(threshold.workload ?? "") did not run"
                    )
                )
            }
            for result in matching {
                let detail: String
                let passed: Bool
                switch threshold.measurement(in: result) {
                case .value(let value):
                    passed = threshold.comparison.holds(value, threshold.limit)
                    detail = "\(result.name) \(threshold.metric.rawValue) = \(threshold.format(value))"
                case .notCounted:
                    guard threshold.workload != nil else { continue }
                    passed = false
                    detail = "\(result.name) counts no \(threshold.metric.rawValue)"
                case .noData(let reason):
                    passed = false
                    detail = reason
                }
                outcomes.append(
                    ThresholdOutcome(threshold: threshold, workload: result.name, passed: passed, detail: detail)
                )
            }
        }
        return outcomes
    }
}
