/// `--fail-if 'p99>+10%'`, `--fail-if 'ops<-5%'`, `--fail-if 'set.p99>+10%'`: the change a
/// candidate may show before `dbbench compare` fails it.
public struct ComparisonGate: Sendable, Equatable {
    public let text: String
    /// Lower-case workload name, or nil for every workload.
    public let workload: String?
    public let metric: ComparedMetric
    /// True for `>` (fails on a rise beyond `limit`), false for `<` (on a fall).
    public let rising: Bool
    /// The change allowed, as a fraction (+0.10, −0.05).
    public let limit: Double

    /// The gates used when none is given.
    public static let defaults = ["ops<-10%", "p99>+20%"]

    public init(parsing text: String) throws(UsageError) {
        self.text = text
        let expression = text.filter { $0 != " " }.lowercased()
        let usage = "dbbench compare: --fail-if '\(text)'"
        guard let comparison = expression.firstIndex(where: { $0 == ">" || $0 == "<" }) else {
            throw UsageError("\(usage) needs > or < and a change in %, such as 'p99>+10%' or 'ops<-5%'")
        }
        rising = expression[comparison] == ">"
        let left = String(expression[..<comparison])
        var right = String(expression[expression.index(after: comparison)...])
        guard right.hasSuffix("%"), let number = Double(right.dropLast().replacing("+", with: "")) else {
            throw UsageError("\(usage): the limit must be a change in percent, such as +10% or -5%")
        }
        right.removeLast()
        let names = ComparedMetric.allCases.map(\.rawValue)
        // The metric follows the last dot: "p99.9" itself has one, "mixed.get.p99" names a kind.
        let metricName =
            names.first { left == $0 } ?? names.sorted { $0.count > $1.count }.first { left.hasSuffix("." + $0) }
            ?? String(left.split(separator: ".").last ?? "")
        guard let metric = ComparedMetric(rawValue: metricName) else {
            throw UsageError("\(usage): unknown metric '\(metricName)'; use one of \(names.joined(separator: ", "))")
        }
        self.metric = metric
        workload = left == metricName ? nil : String(left.dropLast(metricName.count + 1))
        limit = number / 100
        if metric.higherIsWorse != rising {
            throw UsageError(
                "\(usage): \(metric.rawValue) gets worse as it \(metric.higherIsWorse ? "rises" : "falls"); "
                    + "write '\(metric.rawValue)\(metric.higherIsWorse ? ">+" : "<-")N%'"
            )
        }
    }

    /// What a gate said of one workload.
    public enum Outcome: String, Sendable {
        case passed, failed
        /// The change is beyond the limit but the data cannot tell it from noise (too few
        /// replicates).
        case undecided
    }

    /// The outcome for `row` (of this gate's metric and workload) and a line saying why.
    public func judge(_ row: MetricComparison, noise: Double) -> (outcome: Outcome, detail: String) {
        let change = row.change ?? (rising ? .infinity : -.infinity)
        let beyond = rising ? change > limit : change < limit
        let shown = row.change.map(Format.signedPercent) ?? "from 0"
        let evidence =
            row.p.map { "p = \(Format.fixed($0, 3)), \(row.baselineReplicates) vs \(row.candidateReplicates) runs" }
            ?? "\(row.baselineReplicates) vs \(row.candidateReplicates) runs"
        guard beyond else { return (.passed, "\(row.workload) \(metric.rawValue) \(shown), within \(text)") }
        switch row.verdict {
        case .regression:
            return (.failed, "\(row.workload) \(metric.rawValue) \(shown): a significant regression (\(evidence))")
        case .noChange, .improvement:
            return (.passed, "\(row.workload) \(metric.rawValue) \(shown), but not significant (\(evidence))")
        case .inconclusive:
            return (
                .undecided,
                "\(row.workload) \(metric.rawValue) \(shown): cannot tell from noise with \(evidence) "
                    + "(use --repeat \(Comparison.minimumReplicates) on both sides, or a --noise below "
                    + "\(Format.fixed(noise * 100, 0))%)"
            )
        }
    }
}
