import Glibc
import Histogram

/// What the JSON and CSV outputs add to a report: who measured what, with which settings.
public struct ReportMetadata: Sendable {
    public let version: String
    /// "redis", "timescale".
    public let command: String
    /// The server measured ("127.0.0.1:6379").
    public let target: String
    public let serverVersion: String
    /// The effective options (flag, environment or default), passwords left out.
    public let configuration: [(String, String)]

    public init(
        command: String,
        target: String,
        serverVersion: String,
        configuration: [(String, String)],
        version: String = dbbenchVersion
    ) {
        self.version = version
        self.command = command
        self.target = target
        self.serverVersion = serverVersion
        self.configuration = configuration
    }
}

/// `--format json` (schema in Docs/output.md) and `--format csv`.
public enum MachineReporter {
    /// Version of the JSON layout; bumped on incompatible changes.
    public static let schemaVersion = 1

    public static func json(_ report: BenchmarkReport, metadata: ReportMetadata, exitCode: Int32) -> String {
        let document: JSONValue = .object([
            ("schema_version", .integer(schemaVersion)),
            ("tool", .string("dbbench")),
            ("version", .string(metadata.version)),
            ("command", .string(metadata.command)),
            ("target", .string(metadata.target)),
            ("server_version", .string(metadata.serverVersion)),
            ("configuration", .object(metadata.configuration.map { ($0.0, .string($0.1)) })),
            ("interrupted", .bool(report.results.contains(where: \.interrupted))),
            ("exit_code", .integer(Int(exitCode))),
            ("workloads", .array(report.results.map(workload))),
            (
                "assessment",
                .array(
                    report.assessments.map {
                        .object([
                            ("metric", .string($0.metric)), ("value", .string($0.value)),
                            ("rating", .string($0.rating.rawValue)),
                        ])
                    }
                )
            ),
            (
                "thresholds",
                .array(
                    report.thresholds.map {
                        .object([
                            ("expression", .string($0.threshold.text)), ("workload", .string($0.workload)),
                            ("passed", .bool($0.passed)), ("detail", .string($0.detail)),
                        ])
                    }
                )
            ),
        ])
        return document.text + "\n"
    }

    static func workload(_ result: WorkloadResult) -> JSONValue {
        .object([
            ("name", .string(result.name)),
            ("connections", .integer(result.connections)),
            ("wall_seconds", .number(result.wallSeconds)),
            ("interrupted", .bool(result.interrupted)),
            ("attempted", .integer(result.total.attempted)),
            ("succeeded", .integer(result.total.succeeded)),
            ("failed", .integer(result.total.failed)),
            ("throughput_per_second", .number(result.throughput)),
            ("errors", .object(result.errors.map { ($0.kind, .integer($0.count)) })),
            ("counters", .object(result.counters.sorted { $0.key < $1.key }.map { ($0.key, .integer($0.value)) })),
            ("latency_us", latency(result.total.latency)),
            ("histogram", histogram(result.total.histogram)),
            (
                "open_loop",
                result.rate.map { rate in
                    .object([
                        ("rate_per_second", .integer(rate.perSecond)), ("arrival", .string(rate.arrival.rawValue)),
                    ])
                } ?? .null
            ),
            ("late", .integer(result.late)),
            ("service_time_us", result.serviceTime.map { latency(LatencySummary($0)) } ?? .null),
            ("service_time_histogram", result.serviceTime.map(histogram) ?? .null),
            ("per_second", .array(result.perSecond.map { .integer($0) })),
            (
                "operations_per_connection",
                result.operationsPerConnection.map { spread in
                    .object([
                        ("min", .integer(spread.minimum)), ("median", .integer(spread.median)),
                        ("max", .integer(spread.maximum)),
                    ])
                } ?? .null
            ),
            ("notes", .array(result.notes.map { .string($0) })),
            (
                "operations",
                .array(
                    result.operations.map { operation in
                        .object([
                            ("name", .string(operation.name)),
                            ("before_measured_interval", .bool(operation.isPreStart)),
                            ("attempted", .integer(operation.attempted)),
                            ("succeeded", .integer(operation.succeeded)),
                            ("failed", .integer(operation.failed)),
                            ("latency_us", latency(operation.latency)),
                            ("histogram", histogram(operation.histogram)),
                        ])
                    }
                )
            ),
        ])
    }

    static func latency(_ summary: LatencySummary) -> JSONValue {
        .object([
            ("count", .integer(Int(summary.count))), ("mean", .number(summary.mean)),
            ("p50", .integer(Int(summary.p50))), ("p90", .integer(Int(summary.p90))),
            ("p95", .integer(Int(summary.p95))),
            ("p99", .integer(Int(summary.p99))), ("p99_9", .integer(Int(summary.p999))),
            ("max", .integer(Int(summary.max))),
        ])
    }

    /// The histogram as its configuration and the non-empty buckets: `[value, count]` pairs, where
    /// `value` is the highest value of the bucket in microseconds. Recording each pair
    /// (`record(value, count:)`) into a histogram of the same configuration rebuilds it exactly, so
    /// histograms of several runs can be merged.
    static func histogram(_ histogram: LatencyHistogram) -> JSONValue {
        var buckets: [JSONValue] = []
        for bucket in histogram.recordedValues() {
            buckets.append(.array([.integer(Int(bucket.value)), .integer(Int(bucket.count))]))
        }
        return .object([
            ("unit", .string("us")),
            ("lowest_discernible_value", .integer(Int(histogram.lowestDiscernibleValue))),
            ("highest_trackable_value", .integer(Int(histogram.highestTrackableValue))),
            ("significant_digits", .integer(Int(histogram.numberOfSignificantValueDigits.rawValue))),
            ("total_count", .integer(Int(histogram.totalCount))),
            ("buckets", .array(buckets)),
        ])
    }

    /// One line per workload and per operation kind.
    public static func csv(_ report: BenchmarkReport) -> String {
        var lines = [
            "workload,operation,connections,wall_seconds,attempted,succeeded,failed,throughput_per_second,"
                + "mean_us,p50_us,p90_us,p95_us,p99_us,p99_9_us,max_us,interrupted,late,service_p50_us,service_p99_us"
        ]
        for result in report.results {
            for operation in [result.total] + (result.operations.count > 1 ? result.operations : []) {
                let latency = operation.latency
                let cells: [String] =
                    [
                        result.name, operation.name == result.name ? "" : operation.name, String(result.connections),
                        Format.fixed(result.wallSeconds, 6), String(operation.attempted), String(operation.succeeded),
                        String(operation.failed), Format.fixed(result.throughput(of: operation) ?? 0, 1),
                        Format.fixed(latency.mean, 1), String(latency.p50),
                        String(latency.p90), String(latency.p95), String(latency.p99), String(latency.p999),
                        String(latency.max),
                        result.interrupted ? "true" : "false",
                    ] + Self.openLoopCells(result, isTotal: operation.name == result.name)
                lines.append(cells.map(csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Late starts and service time, on a workload's total line of an open-loop run.
    private static func openLoopCells(_ result: WorkloadResult, isTotal: Bool) -> [String] {
        guard isTotal, let service = result.serviceTime else { return ["", "", ""] }
        let summary = LatencySummary(service)
        return [String(result.late), String(summary.p50), String(summary.p99)]
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingQuotes() + "\""
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        var result = ""
        for character in self { result += character == "\"" ? "\"\"" : String(character) }
        return result
    }
}
