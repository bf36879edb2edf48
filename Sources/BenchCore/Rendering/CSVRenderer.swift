/// `--format csv`: one line per workload (its total) and, for workloads of several kinds, one per
/// operation kind.
public struct CSVRenderer: ReportRenderer {
    public init() {}

    static let header =
        "workload,operation,connections,wall_seconds,attempted,succeeded,failed,throughput_per_second,"
        + "mean_us,p50_us,p90_us,p95_us,p99_us,p99_9_us,max_us,interrupted,late,service_p50_us,service_p99_us,"
        + "rows_per_second,unavailable_seconds,reconnections"

    public func render(_ report: BenchmarkReport) -> String {
        var lines = [Self.header]
        for result in report.results {
            lines.append(Self.line(result, operation: result.total, isTotal: true))
            guard result.operations.count > 1 else { continue }
            for operation in result.operations {
                lines.append(Self.line(result, operation: operation, isTotal: false))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func line(_ result: WorkloadResult, operation: OperationResult, isTotal: Bool) -> String {
        let latency = operation.latency
        let cells: [String] =
            [
                result.name, isTotal ? "" : operation.name, String(result.connections),
                Format.fixed(result.wallSeconds, 6), String(operation.attempted), String(operation.succeeded),
                String(operation.failed), Format.fixed(result.throughput(of: operation) ?? 0, 1),
                Format.fixed(latency.mean, 1), String(latency.p50), String(latency.p90), String(latency.p95),
                String(latency.p99), String(latency.p999), String(latency.max), result.interrupted ? "true" : "false",
            ] + openLoopCells(result, isTotal: isTotal)
            + [isTotal ? (result.rate(of: .rows).map { Format.fixed($0, 1) } ?? "") : ""]
            + (isTotal
                ? [Format.fixed(result.availability.unavailableSeconds, 3), String(result.availability.reconnections)]
                : ["", ""])
        return cells.map(field).joined(separator: ",")
    }

    /// Late starts and service time, on a workload's total line of an open-loop run.
    private static func openLoopCells(_ result: WorkloadResult, isTotal: Bool) -> [String] {
        guard isTotal, let service = result.serviceTime else { return ["", "", ""] }
        let summary = LatencySummary(service)
        return [String(result.late), String(summary.p50), String(summary.p99)]
    }

    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        var quoted = "\""
        for character in text { quoted += character == "\"" ? "\"\"" : String(character) }
        return quoted + "\""
    }
}

extension CSVRenderer {
    static let seriesHeader =
        "workload,operation,second,time,succeeded,failed,p50_us,p90_us,p99_us,max_us,"
        + "service_p50_us,service_p99_us,service_max_us,rows"

    /// `--series FILE`: one line per second of each workload (`operation` empty) and, for workloads
    /// with several kinds, of each kind; `time` is the second's start as Unix time.
    public static func series(_ report: BenchmarkReport) -> String {
        var lines = [seriesHeader]
        for result in report.results {
            let series = result.series
            lines += seriesLines(result.name, "", series.total, series, counted: series.counted)
            guard result.operations.count > 1 else { continue }
            for (index, operation) in result.operations.enumerated() where index < series.operations.count {
                lines += seriesLines(result.name, operation.name, series.operations[index], series, counted: nil)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func seriesLines(
        _ workload: String,
        _ operation: String,
        _ entries: [SecondStatistics],
        _ series: PerSecondSeries,
        counted: [Int]?
    ) -> [String] {
        entries.enumerated().map { second, entry in
            let service = entry.serviceTime.map { [String($0.p50), String($0.p99), String($0.max)] } ?? ["", "", ""]
            let cells =
                [
                    workload, operation, String(second), Format.fixed(series.unixTime(ofEntry: second), 3),
                    String(entry.succeeded), String(entry.failed), String(entry.latency.p50),
                    String(entry.latency.p90), String(entry.latency.p99), String(entry.latency.max),
                ] + service + [counted.map { second < $0.count ? String($0[second]) : "" } ?? ""]
            return cells.map(field).joined(separator: ",")
        }
    }
}
