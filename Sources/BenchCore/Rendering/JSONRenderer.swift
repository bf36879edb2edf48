import Histogram

/// `--format json`: the report as one JSON document (schema in Docs/output.md), histograms included.
public struct JSONRenderer: ReportRenderer {
    public init() {}

    /// Version of the JSON layout; bumped on incompatible changes (fields may be added without).
    public static let schemaVersion = 2

    /// `--start-at` and the clock against the server's: `at` in Unix seconds, the rest in µs.
    static func start(_ start: StartTiming) -> JSONValue {
        func micro(_ seconds: Double?) -> JSONValue { seconds.map { .number(($0 * 1e7).rounded() / 10) } ?? .null }
        return .object([
            ("at", start.scheduled.map { .number(milliseconds($0)) } ?? .null),
            ("skew_us", micro(start.skew)),
            ("clock_offset_us", micro(start.clockOffset?.seconds)),
            ("clock_offset_uncertainty_us", micro(start.clockOffset?.uncertainty)),
        ])
    }

    public func render(_ report: BenchmarkReport) -> String {
        let metadata = report.metadata
        let document: JSONValue = .object([
            ("schema_version", .integer(Self.schemaVersion)),
            ("tool", .string("dbbench")),
            ("version", .string(metadata.version)),
            ("command", .string(metadata.command)),
            ("target", .string(metadata.target)),
            ("server_version", .string(metadata.serverVersion)),
            ("run_id", .string(metadata.runID)),
            (
                "shard",
                metadata.shard.map { .object([("index", .integer($0.index)), ("count", .integer($0.count))]) } ?? .null
            ),
            ("start", report.start.map(Self.start) ?? .null),
            ("title", .string(report.title)),
            ("settings", .array(report.settings.map { .string($0) })),
            ("started_at", .number(Self.milliseconds(report.startUnixTime))),
            ("ended_at", .number(Self.milliseconds(report.endUnixTime))),
            ("configuration", .object(metadata.configuration.map { ($0.0, .string($0.1)) })),
            ("interrupted", .bool(report.interrupted)),
            ("exit_code", .integer(Int(report.exitCode))),
            ("workloads", .array(report.results.map(Self.workload))),
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
            (
                "failures",
                .array(
                    report.failures.map {
                        .object([
                            ("workload", .string($0.workload)), ("step", .string($0.step.rawValue)),
                            ("error", .string($0.message)), ("exit_code", .integer(Int($0.exitCode))),
                        ])
                    }
                )
            ),
            ("footer", .array(report.footer.map { .string($0) })),
        ])
        return document.text + "\n"
    }

    static func workload(_ result: WorkloadResult) -> JSONValue {
        guard case .object(var members) = singleWorkload(result) else { return .null }
        if !result.replicates.isEmpty { members.append(("replicates", .array(result.replicates.map(singleWorkload)))) }
        if let capacity = result.capacity { members.append(("capacity", Self.capacity(capacity))) }
        return .object(members)
    }

    /// `--find-capacity`: the SLO, the rate found (null when no step met it), every step.
    static func capacity(_ capacity: CapacityOutcome) -> JSONValue {
        .object([
            ("slo", .array(capacity.slo.map { .string($0) })),
            ("capacity_per_second", capacity.capacity.map { .integer($0) } ?? .null),
            ("lowest_missed_per_second", capacity.lowestMissed.map { .integer($0) } ?? .null),
            (
                "steps",
                .array(
                    capacity.steps.map { step in
                        .object([
                            ("rate_per_second", .integer(step.rate)), ("achieved_per_second", .number(step.achieved)),
                            ("latency_us", latency(step.latency)), ("failed", .integer(step.failed)),
                            ("met", .bool(step.met)), ("missed", .array(step.missed.map { .string($0) })),
                            ("client_saturated", .bool(step.clientSaturated)),
                        ])
                    }
                )
            ),
        ])
    }

    static func singleWorkload(_ result: WorkloadResult) -> JSONValue {
        .object([
            ("name", .string(result.name)),
            ("connections", .integer(result.connections)),
            ("wall_seconds", .number(result.wallSeconds)),
            ("started_at", .number(milliseconds(result.startUnixTime))),
            ("ended_at", .number(milliseconds(result.endUnixTime))),
            ("interrupted", .bool(result.interrupted)),
            ("attempted", .integer(result.total.attempted)),
            ("succeeded", .integer(result.total.succeeded)),
            ("failed", .integer(result.total.failed)),
            ("throughput_per_second", .number(result.throughput)),
            ("errors", .object(result.errors.map { ($0.kind, .integer($0.count)) })),
            (
                "counters",
                .object(result.counters.sorted { $0.key.name < $1.key.name }.map { ($0.key.name, .integer($0.value)) })
            ),
            ("counters_per_second", .object(result.counterRates.map { ($0.key.name, .number($0.perSecond)) })),
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
            ("not_started", .integer(result.notStarted)),
            ("service_time_us", result.serviceTime.map { latency(LatencySummary($0)) } ?? .null),
            ("service_time_histogram", result.serviceTime.map(histogram) ?? .null),
            ("per_second", perSecond(result.series.total, of: result.series, counted: result.series.counted)),
            ("per_second_last_entry_seconds", .number(milliseconds(result.series.lastEntrySeconds))),
            ("availability", availability(result.availability)),
            (
                "client",
                .object([
                    ("loop_busy", .array(result.loopBusy.map { .number($0) })),
                    ("loop_behind_schedule", .array(result.loopBehindSchedule.map { .number($0) })),
                    ("saturated", .bool(!result.saturatedLoops.isEmpty)),
                ])
            ),
            (
                "nodes",
                .array(
                    result.nodes.map { node in
                        .object([
                            ("name", .string(node.name)), ("succeeded", .integer(node.succeeded)),
                            ("failed", .integer(node.failed)), ("latency_us", latency(node.latency)),
                        ])
                    }
                )
            ),
            (
                "operations_per_connection",
                result.operationsPerConnection.map { spread in
                    .object([
                        ("min", .integer(spread.minimum)), ("median", .integer(spread.median)),
                        ("max", .integer(spread.maximum)), ("counts", .array(spread.counts.map { .integer($0) })),
                    ])
                } ?? .null
            ),
            ("notes", .array(result.notes.map { .string($0) })),
            ("operations", .array(result.operations.indices.map { operation(at: $0, of: result) })),
        ])
    }

    /// One of the workload's operation kinds.
    static func operation(at index: Int, of result: WorkloadResult) -> JSONValue {
        let operation = result.operations[index]
        let series = index < result.series.operations.count ? result.series.operations[index] : []
        return .object([
            ("name", .string(operation.name)),
            ("before_measured_interval", .bool(operation.isPreStart)),
            ("attempted", .integer(operation.attempted)),
            ("succeeded", .integer(operation.succeeded)),
            ("failed", .integer(operation.failed)),
            ("latency_us", latency(operation.latency)),
            ("histogram", histogram(operation.histogram)),
            ("per_second", perSecond(series, of: result.series)),
        ])
    }

    /// One object per second: when it began (Unix time), what succeeded and failed in it, its
    /// latency percentiles (and service time in open loop), and the rate counter (rows).
    static func perSecond(_ entries: [SecondStatistics], of series: PerSecondSeries, counted: [Int]? = nil) -> JSONValue
    {
        .array(
            entries.enumerated().map { index, entry in
                var members: [(String, JSONValue)] = [
                    ("time", .number(milliseconds(series.unixTime(ofEntry: index)))),
                    ("succeeded", .integer(entry.succeeded)), ("failed", .integer(entry.failed)),
                    ("latency_us", intervalLatency(entry.latency)),
                ]
                if let service = entry.serviceTime { members.append(("service_time_us", intervalLatency(service))) }
                if let counted, index < counted.count { members.append(("rows", .integer(counted[index]))) }
                return .object(members)
            }
        )
    }

    static func intervalLatency(_ latency: IntervalLatency) -> JSONValue {
        .object([
            ("p50", .integer(Int(latency.p50))), ("p90", .integer(Int(latency.p90))),
            ("p99", .integer(Int(latency.p99))), ("max", .integer(Int(latency.max))),
        ])
    }

    /// Seconds rounded to the millisecond.
    static func milliseconds(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }

    /// Outages (seconds from the start of the measured interval) and reconnections.
    static func availability(_ availability: Availability) -> JSONValue {
        .object([
            ("unavailable_seconds", .number(availability.unavailableSeconds)),
            (
                "outages",
                .array(
                    availability.outages.map { outage in
                        .object([
                            ("start_seconds", .number(outage.start)), ("seconds", .number(outage.seconds)),
                            ("lost_connections", .integer(outage.lostConnections)),
                            ("recovered", .bool(outage.recovered)),
                        ])
                    }
                )
            ),
            ("reconnections", .integer(availability.reconnections)),
            ("failed_reconnects", .object(availability.failedReconnects.map { ($0.kind, .integer($0.count)) })),
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
}
