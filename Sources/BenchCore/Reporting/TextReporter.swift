/// Everything one invocation prints on stdout.
public struct BenchmarkReport: Sendable {
    /// "dbbench redis → 127.0.0.1:6379".
    public var title: String
    /// Settings that shape the numbers ("100 connections", "pipeline 1", ...).
    public var settings: [String]
    public var results: [WorkloadResult]
    public var assessments: [Assessment]

    public init(title: String, settings: [String], results: [WorkloadResult] = [], assessments: [Assessment] = []) {
        self.title = title
        self.settings = settings
        self.results = results
        self.assessments = assessments
    }
}

/// Renders a `BenchmarkReport` as the human-readable table printed on stdout.
public struct TextReporter: Sendable {
    public let style: TerminalStyle

    public init(style: TerminalStyle) { self.style = style }

    private static let columns: [(title: String, width: Int)] = [
        ("workload", 13), ("attempted", 11), ("ok", 11), ("errors", 8), ("wall s", 8), ("ops/s", 11),
        ("mean", 8), ("p50", 8), ("p90", 8), ("p95", 8), ("p99", 8), ("p99.9", 8), ("max", 9),
    ]

    public func render(_ report: BenchmarkReport) -> String {
        var lines: [String] = []
        lines.append(style.bold(report.title))
        if !report.settings.isEmpty { lines.append(style.dim(report.settings.joined(separator: " · "))) }
        lines.append("")
        lines.append(header())
        for result in report.results {
            lines.append(row(result.total, label: result.name, wall: result.wallSeconds, throughput: result.throughput, bold: true))
            if result.operations.count > 1 {
                for operation in result.operations {
                    let rate: Double? = operation.isPreStart || result.wallSeconds == 0
                        ? nil : Double(operation.succeeded) / result.wallSeconds
                    lines.append(row(operation, label: "  " + operation.name, wall: nil, throughput: rate, bold: false))
                }
            }
        }
        lines.append(style.dim("latencies in milliseconds per operation; ops/s = succeeded operations / wall time (from all connections open to the last done)"))
        for result in report.results where !result.notes.isEmpty || !result.errors.isEmpty {
            lines.append("")
            lines.append(style.bold(result.name))
            for note in result.notes { lines.append("  " + note) }
            for error in result.errors {
                lines.append("  " + style.red("error") + " \(Format.grouped(error.count)) × \(error.kind)")
            }
        }
        if !report.assessments.isEmpty {
            lines.append("")
            lines.append(style.bold("Assessment"))
            let metricWidth = report.assessments.map(\.metric.count).max() ?? 0
            let valueWidth = report.assessments.map(\.value.count).max() ?? 0
            for assessment in report.assessments {
                lines.append("  " + Format.right(assessment.metric, metricWidth) + "  "
                             + Format.left(assessment.value, valueWidth) + "  " + colour(assessment.rating))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func colour(_ rating: Rating) -> String {
        switch rating {
        case .excellent: return style.green(rating.rawValue)
        case .good: return style.yellow(rating.rawValue)
        case .needsImprovement: return style.red(rating.rawValue)
        }
    }

    private func header() -> String {
        var text = ""
        for (index, column) in Self.columns.enumerated() {
            text += index == 0 ? Format.right(column.title, column.width) : Format.left(column.title, column.width)
        }
        return style.dim(text)
    }

    private func row(_ operation: OperationResult, label: String, wall: Double?, throughput: Double?, bold: Bool) -> String {
        let latency = operation.latency
        let hasLatency = latency.count > 0
        let cells: [String] = [
            Format.grouped(operation.attempted),
            Format.grouped(operation.succeeded),
            Format.grouped(operation.failed),
            wall.map { Format.fixed($0, 3) } ?? "",
            throughput.map { Format.grouped(Int($0.rounded())) } ?? "-",
            hasLatency ? Format.milliseconds(latency.mean) : "-",
            hasLatency ? Format.milliseconds(latency.p50) : "-",
            hasLatency ? Format.milliseconds(latency.p90) : "-",
            hasLatency ? Format.milliseconds(latency.p95) : "-",
            hasLatency ? Format.milliseconds(latency.p99) : "-",
            hasLatency ? Format.milliseconds(latency.p999) : "-",
            hasLatency ? Format.milliseconds(latency.max) : "-",
        ]
        var text = Format.right(bold ? style.bold(label) : label, Self.columns[0].width + (bold && style.enabled ? 8 : 0))
        for (index, cell) in cells.enumerated() {
            let cell = (index == 2 && operation.failed > 0) ? style.red(Format.left(cell, Self.columns[index + 1].width)) : Format.left(cell, Self.columns[index + 1].width)
            text += cell
        }
        return text
    }
}
