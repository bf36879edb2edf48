/// Renders a `BenchmarkReport` as the human-readable table printed on stdout.
public struct TextRenderer: ReportRenderer {
    public let style: TerminalStyle
    /// The terminal's columns (`TerminalWidth`): lines are wrapped and the table's least important
    /// columns left out so that nothing wraps; nil (a file, a pipe) keeps every line whole.
    public let width: Int?

    public init(style: TerminalStyle, width: Int? = nil) {
        self.style = style
        self.width = width
    }

    /// The columns left out first when the table is too wide, most expendable first.
    private static let expendableColumns = ["p90", "mean", "p99.9", "wall s", "attempted", "p50"]

    private static let headers = [
        "workload", "attempted", "ok", "errors", "wall s", "ops/s",
        "mean", "p50", "p90", "p95", "p99", "p99.9", "max",
    ]

    /// One table line before padding: its cells, whether it is a workload's total, whether it has errors.
    private struct Line {
        var cells: [String]
        var isTotal: Bool
        var hasErrors: Bool
    }

    public func render(_ report: BenchmarkReport) -> String {
        var lines: [String] = []
        lines.append(style.bold(report.title))
        if report.interrupted {
            lines.append(style.red("INTERRUPTED: partial results of the workloads that ran until the signal"))
        }
        if !report.settings.isEmpty { lines.append(style.dim(report.settings.joined(separator: " · "))) }
        lines.append("")
        let (tableLines, leftOut) = table(report.results)
        let tableRange = lines.count..<(lines.count + tableLines.count)
        lines.append(contentsOf: tableLines)
        var legend =
            "latencies in milliseconds per operation; ops/s = succeeded operations / wall time (from all "
            + "connections open to the last done)"
        var rateKeys: [CounterKey] = []
        for result in report.results {
            for (key, _, _) in result.counterRates where !rateKeys.contains(key) { rateKeys.append(key) }
        }
        for key in rateKeys { legend += "; the \(key.name) line: \(key.name) counted and \(key.name) / wall time" }
        if !leftOut.isEmpty {
            legend +=
                "; \(leftOut.joined(separator: ", ")) left out to fit \(width ?? 0) columns (the JSON has every one)"
        }
        lines.append(style.dim(legend))
        for result in report.results {
            let notes = Self.notes(for: result)
            guard !notes.isEmpty else { continue }
            lines.append("")
            lines.append(style.bold(result.name))
            for note in notes {
                switch note.tone {
                case .plain: lines.append("  " + note.text)
                case .warning: lines.append("  " + style.yellow(note.text))
                case .error: lines.append("  " + style.red("error") + " " + note.text)
                }
            }
        }
        if !report.failures.isEmpty {
            lines.append("")
            lines.append(style.bold("Failed"))
            for failure in report.failures { lines.append("  " + style.red(failure.description)) }
        }
        if !report.assessments.isEmpty {
            lines.append("")
            lines.append(style.bold("Assessment"))
            let metricWidth = report.assessments.map(\.metric.count).max() ?? 0
            let valueWidth = report.assessments.map(\.value.count).max() ?? 0
            for assessment in report.assessments {
                lines.append(
                    "  " + Format.leftAligned(assessment.metric, metricWidth) + "  "
                        + Format.rightAligned(assessment.value, valueWidth) + "  " + colour(assessment.rating)
                )
            }
        }
        if !report.thresholds.isEmpty {
            lines.append("")
            lines.append(style.bold("Thresholds"))
            let width = report.thresholds.map(\.threshold.text.count).max() ?? 0
            for outcome in report.thresholds {
                let verdict = outcome.passed ? style.green("PASS") : style.red("FAIL")
                lines.append(
                    "  \(verdict)  " + Format.leftAligned(outcome.threshold.text, width) + "  " + outcome.detail
                )
            }
            let failed = report.thresholds.filter { !$0.passed }.count
            lines.append(
                failed == 0
                    ? "  all \(report.thresholds.count) passed"
                    : style.red("  \(failed) of \(report.thresholds.count) failed: exit code 1")
            )
        }
        lines.append(contentsOf: report.footer.map(style.dim))
        var output: [String] = []
        for (index, line) in lines.enumerated() {
            if tableRange.contains(index) {
                output.append(line)
            } else {
                output.append(contentsOf: Format.wrap(line, width: width, indent: line.hasPrefix("  ") ? 2 : 0))
            }
        }
        return output.joined(separator: "\n") + "\n"
    }

    private func colour(_ rating: Rating) -> String {
        switch rating {
        case .excellent: return style.green(rating.rawValue)
        case .good: return style.yellow(rating.rawValue)
        case .needsImprovement: return style.red(rating.rawValue)
        case .noData: return style.dim(rating.rawValue)
        }
    }

    /// "per node: 127.0.0.1:7000 33.4% (p99 0.812 ms) · 127.0.0.1:7001 33.1% (p99 0.790 ms) · …",
    /// with each node's errors when it had some.
    /// How a line under the table is emphasised.
    enum Tone { case plain, warning, error }

    /// A workload's lines under the table, in order: its schedule, spread, nodes, saturation, notes,
    /// outages, and its errors (`.error` lines give "count × kind").
    static func notes(for result: WorkloadResult) -> [(text: String, tone: Tone)] {
        var notes: [(text: String, tone: Tone)] = []
        if let capacity = result.capacity { notes += capacityNotes(capacity).map { ($0, .plain) } }
        if let repetitions = result.repetitionsNote { notes.append((repetitions, .plain)) }
        if let rate = result.rate { notes.append((openLoopNote(result, rate: rate), .plain)) }
        if let spread = result.operationsPerConnection, spread.isUneven { notes.append((spreadNote(spread), .plain)) }
        if let nodes = nodesNote(result.nodes) { notes.append((nodes, .plain)) }
        if let saturation = saturationNote(result) { notes.append((saturation, .warning)) }
        notes += result.notes.map { ($0, .plain) }
        notes += availabilityNotes(result.availability).map { ($0, .warning) }
        notes += result.errors.map { ("\(Format.grouped($0.count)) × \($0.kind)", .error) }
        return notes
    }

    /// The capacity found, then one line per step in the order run; the table above is the step at
    /// the capacity.
    static func capacityNotes(_ capacity: CapacityOutcome) -> [String] {
        var lines = [
            capacity.summary
                + "; the table is the step at \(capacity.capacity == nil ? "the first rate" : "the capacity")"
        ]
        for (index, step) in capacity.steps.enumerated() {
            let latency = step.latency
            lines.append(
                "  step \(index + 1): \(Format.grouped(step.rate))/s, achieved \(Format.grouped(Int(step.achieved.rounded())))/s, "
                    + "p50 \(Format.milliseconds(latency.p50)) · p99 \(Format.milliseconds(latency.p99)) · p99.9 "
                    + "\(Format.milliseconds(latency.p999)) ms: "
                    + step.verdict
            )
        }
        return lines
    }

    static func nodesNote(_ nodes: [NodeResult]) -> String? {
        guard !nodes.isEmpty else { return nil }
        let total = max(1, nodes.reduce(0) { $0 + $1.succeeded })
        let parts = nodes.map { node in
            "\(node.name) \(Format.percent(Double(node.succeeded) / Double(total))) "
                + "(p99 \(Format.milliseconds(node.latency.p99)) ms"
                + (node.failed > 0 ? ", \(Format.grouped(node.failed)) errors)" : ")")
        }
        return "per node: " + parts.joined(separator: " · ")
    }

    /// "client saturated: loop 0 busy 97% of the run: ..." when a loop set the pace; nil otherwise.
    static func saturationNote(_ result: WorkloadResult) -> String? {
        let loops = result.saturatedLoops
        guard !loops.isEmpty else { return nil }
        let busy = loops.map { loop in
            var parts: [String] = []
            if result.isBusy(loop: loop) { parts.append("busy \(Format.percent(result.loopBusy[loop])) of the run") }
            if result.isBehindSchedule(loop: loop) {
                parts.append(
                    "behind schedule for \(Format.percent(result.loopBehindSchedule[loop])) of the operations it slept for"
                )
            }
            return "loop \(loop) " + parts.joined(separator: " and ")
        }.joined(separator: ", ")
        return "client saturated: \(busy), so dbbench, not the server, may have set this pace; "
            + "try more --threads (\(result.loopBusy.count) now, one per core at most), fewer --connections per "
            + "thread, or load from a second machine"
    }

    /// How unevenly the connections shared the load (shown only when they did).
    static func spreadNote(_ spread: ConnectionSpread) -> String {
        "operations per connection: \(Format.grouped(spread.minimum)) min · \(Format.grouped(spread.median)) median · "
            + "\(Format.grouped(spread.maximum)) max"
    }

    /// Shown outages at most; the JSON has every one.
    static let outagesShown = 5

    /// "unavailable 1.234 s in 1 outage; 50 reconnections, 120 failed attempts (120 × connect:
    /// Connection refused)", then a line per outage: when it began, how long, connections lost.
    static func availabilityNotes(_ availability: Availability) -> [String] {
        guard !availability.isEmpty else { return [] }
        let outages = availability.outages
        var summary =
            outages.isEmpty
            ? "no outage"
            : "unavailable \(Format.fixed(availability.unavailableSeconds, 3)) s in \(outages.count) "
                + (outages.count == 1 ? "outage" : "outages")
        summary += "; \(Format.grouped(availability.reconnections)) reconnections"
        if availability.failedReconnectCount > 0 {
            let kinds = availability.failedReconnects.prefix(3).map { "\(Format.grouped($0.count)) × \($0.kind)" }
            summary +=
                ", \(Format.grouped(availability.failedReconnectCount)) failed attempts (\(kinds.joined(separator: ", ")))"
        }
        var lines = [summary]
        for outage in outages.prefix(outagesShown) {
            let lost = outage.lostConnections == 1 ? "1 connection lost" : "\(outage.lostConnections) connections lost"
            lines.append(
                "  outage at \(Format.fixed(outage.start, 3)) s: \(Format.fixed(outage.seconds, 3)) s, \(lost)"
                    + (outage.recovered ? "" : ", not over when the run ended")
            )
        }
        if outages.count > outagesShown { lines.append("  … \(outages.count - outagesShown) more in the JSON report") }
        return lines
    }

    /// What an open-loop result's latencies mean, and how many operations started late.
    static func openLoopNote(_ result: WorkloadResult, rate: OpenLoopRate) -> String {
        let started = result.total.attempted
        let share = started == 0 ? 0 : 100 * Double(result.late) / Double(started)
        return "\(rate.label): latency from each operation's "
            + "scheduled start, service time from its send; \(Format.grouped(result.late)) of \(Format.grouped(started)) "
            + "started more than \(OpenLoopRate.lateAfterNanoseconds / 1_000_000) ms late (\(Format.fixed(share, 1))%)"
            + (result.notStarted > 0
                ? "; \(Format.grouped(result.notStarted)) more were due but never started (the run ended first)" : "")
            + (share > 1 || result.notStarted > 0
                ? " — the server, or too few --connections, did not keep up with this rate" : "")
    }

    /// The results table: every column as wide as its widest cell, numbers right-aligned; with a
    /// `width`, the most expendable columns are left out until it fits (and named).
    private func table(_ results: [WorkloadResult]) -> (lines: [String], leftOut: [String]) {
        var rows: [Line] = []
        for result in results {
            rows.append(
                line(
                    result.total,
                    label: result.name + (result.interrupted ? "*" : ""),
                    wall: result.wallSeconds,
                    throughput: result.throughput,
                    isTotal: true
                )
            )
            if let service = result.serviceTime {
                let cells = ["  service time", "", "", "", "", ""] + latencyCells(LatencySummary(service))
                rows.append(Line(cells: cells, isTotal: false, hasErrors: false))
            }
            for (key, count, perSecond) in result.counterRates {
                let cells = [
                    "  \(key.name)", "", Format.grouped(count), "", "", Format.grouped(Int(perSecond.rounded())),
                ]
                rows.append(Line(cells: cells + Array(repeating: "", count: 7), isTotal: false, hasErrors: false))
            }
            guard result.operations.count > 1 else { continue }
            for operation in result.operations {
                rows.append(
                    line(
                        operation,
                        label: "  " + operation.name,
                        wall: nil,
                        throughput: result.throughput(of: operation),
                        isTotal: false
                    )
                )
            }
        }
        var headers = Self.headers
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.cells.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        var leftOut: [String] = []
        for column in Self.expendableColumns {
            guard let width, widths[0] + widths.dropFirst().reduce(0, { $0 + $1 + 2 }) > width,
                let index = headers.firstIndex(of: column)
            else { break }
            headers.remove(at: index)
            widths.remove(at: index)
            for row in rows.indices { rows[row].cells.remove(at: index) }
            leftOut.append(column)
        }
        let errorsColumn = headers.firstIndex(of: "errors") ?? -1
        func render(_ cells: [String], emphasise: (Int, String) -> String) -> String {
            var text = ""
            for (index, cell) in cells.enumerated() {
                let padded =
                    index == 0 ? Format.leftAligned(cell, widths[0]) : Format.rightAligned(cell, widths[index] + 2)
                text += emphasise(index, padded)
            }
            return text
        }
        var output = [style.dim(render(headers) { $1 })]
        for row in rows {
            output.append(
                render(row.cells) { index, text in
                    if index == 0 && row.isTotal { return style.bold(text) }
                    if index == errorsColumn && row.hasErrors { return style.red(text) }
                    return text
                }
            )
        }
        return (output, leftOut)
    }

    private func line(
        _ operation: OperationResult,
        label: String,
        wall: Double?,
        throughput: Double?,
        isTotal: Bool
    ) -> Line {
        let cells =
            [
                label,
                Format.grouped(operation.attempted),
                Format.grouped(operation.succeeded),
                Format.grouped(operation.failed),
                wall.map { Format.fixed($0, 3) } ?? "",
                throughput.map { Format.grouped(Int($0.rounded())) } ?? "-",
            ] + latencyCells(operation.latency)
        return Line(cells: cells, isTotal: isTotal, hasErrors: operation.failed > 0)
    }

    /// mean, p50 … max in milliseconds, or dashes when nothing was measured.
    private func latencyCells(_ latency: LatencySummary) -> [String] {
        guard latency.count > 0 else { return Array(repeating: "-", count: 7) }
        return [Format.milliseconds(latency.mean)]
            + [latency.p50, latency.p90, latency.p95, latency.p99, latency.p999, latency.max]
            .map { Format.milliseconds($0) }
    }
}
