/// `dbbench compare`'s output: the table, the JSON document, and the HTML page that puts the two
/// sides' reports after the comparison and overlays their spectra.
struct ComparisonRenderer {
    let baseline: String
    let candidate: String
    let comparison: Comparison
    let gates: [(text: String, workload: String, outcome: ComparisonGate.Outcome, detail: String)]
    let alpha: Double
    let noise: Double
    let exitCode: Int32

    static func percent(_ fraction: Double?) -> String { fraction.map(Format.signedPercent) ?? "n/a" }

    func interval(_ row: MetricComparison) -> String {
        row.interval.map { "[\(Self.percent($0.low)), \(Self.percent($0.high))]" } ?? "-"
    }

    /// The cells of each row: workload, metric, baseline, candidate, change, interval, p, runs, verdict.
    func cells() -> [[String]] {
        comparison.rows.map { row in
            [
                row.workload, row.metric.rawValue, row.metric.format(row.baseline), row.metric.format(row.candidate),
                Self.percent(row.change), interval(row), row.p.map { Format.fixed($0, 3) } ?? "-",
                "\(row.baselineReplicates)/\(row.candidateReplicates)", row.verdict.rawValue,
            ]
        }
    }

    static let headers = ["workload", "metric", "baseline", "candidate", "change", "interval", "p", "runs", "verdict"]

    func text() -> String {
        var lines = ["dbbench compare: baseline \(baseline) → candidate \(candidate)", ""]
        let rows = [Self.headers] + cells()
        let widths = Self.headers.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            lines.append(
                row.enumerated().map { column, cell in
                    column < 2 || column == 8
                        ? Format.leftAligned(cell, widths[column]) : Format.rightAligned(cell, widths[column])
                }.joined(separator: "  ").trimmingSpaces()
            )
        }
        lines.append(
            "values of all runs of a side merged (histograms added); interval: "
                + "\(Format.fixed((1 - alpha) * 100, 0))% or better for the change (Hodges-Lehmann, from the runs); "
                + "p: Mann-Whitney U, two-sided, decides with \(Comparison.minimumReplicates)+ runs a side "
                + "(alpha \(Format.fixed(alpha, 3))); fewer runs: inconclusive within "
                + "\(Format.fixed(noise * 100, 0))% (--noise)"
        )
        lines.append("")
        lines.append("Gates")
        for gate in gates {
            let verdict = gate.outcome == .passed ? "PASS" : gate.outcome == .failed ? "FAIL" : "UNDECIDED"
            lines.append("  \(Format.leftAligned(verdict, 9)) \(gate.text): \(gate.detail)")
        }
        switch exitCode {
        case ExitCode.thresholdFailed:
            lines.append("exit 1: a gated change is a significant regression beyond its limit")
        case ExitCode.undecided: lines.append("exit 2: the data cannot decide a gated change")
        default: lines.append("exit 0: no gated regression")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func json() -> String {
        let document: JSONValue = .object([
            ("tool", .string("dbbench")), ("kind", .string("comparison")), ("version", .string(dbbenchVersion)),
            ("baseline", .string(baseline)), ("candidate", .string(candidate)), ("alpha", .number(alpha)),
            ("noise", .number(noise)),
            (
                "metrics",
                .array(
                    comparison.rows.map { row in
                        .object([
                            ("workload", .string(row.workload)), ("metric", .string(row.metric.rawValue)),
                            ("baseline", .number(row.baseline)), ("candidate", .number(row.candidate)),
                            ("change", row.change.map { .number($0) } ?? .null),
                            ("interval", row.interval.map { .array([.number($0.low), .number($0.high)]) } ?? .null),
                            ("p", row.p.map { .number($0) } ?? .null),
                            ("baseline_runs", .integer(row.baselineReplicates)),
                            ("candidate_runs", .integer(row.candidateReplicates)),
                            ("verdict", .string(row.verdict.rawValue)),
                        ])
                    }
                )
            ),
            (
                "gates",
                .array(
                    gates.map {
                        .object([
                            ("expression", .string($0.text)), ("workload", .string($0.workload)),
                            ("outcome", .string($0.outcome.rawValue)), ("detail", .string($0.detail)),
                        ])
                    }
                )
            ),
            ("exit_code", .integer(Int(exitCode))),
        ])
        return document.text + "\n"
    }

    func html(baseline baselineReport: BenchmarkReport, candidate candidateReport: BenchmarkReport) -> String {
        var table = "<section class=\"comparison\"><h2>Baseline against candidate</h2><table><caption>"
        table += "\(HTML.escape(baseline)) → \(HTML.escape(candidate))</caption><thead><tr>"
        table += Self.headers.map { "<th scope=\"col\">\($0)</th>" }.joined() + "</tr></thead><tbody>"
        for (row, cells) in zip(comparison.rows, cells()) {
            let tone =
                row.verdict == .regression ? " class=\"fail\"" : row.verdict == .improvement ? " class=\"pass\"" : ""
            table +=
                "<tr>"
                + cells.enumerated().map { column, cell in
                    "<td\(column == 8 ? tone : "")>\(HTML.escape(cell))</td>"
                }.joined() + "</tr>"
        }
        table += "</tbody></table><ul class=\"notes\">"
        for gate in gates {
            let tone = gate.outcome == .failed ? "fail" : gate.outcome == .passed ? "pass" : "warning"
            table += "<li><span class=\"\(tone)\">\(gate.outcome.rawValue)</span> \(HTML.escape(gate.text)): "
            table += "\(HTML.escape(gate.detail))</li>"
        }
        table += "</ul></section>\n"
        return HTMLRenderer().render(
            [
                HTMLRenderer.Run(label: "baseline", report: baselineReport),
                HTMLRenderer.Run(label: "candidate", report: candidateReport),
            ],
            preamble: table
        )
    }
}
