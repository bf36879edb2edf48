import Glibc

/// A result file that `--format json` wrote (Docs/output.md), read back into the report model, so
/// that the offline subcommands render and compare saved runs with the same renderers. Every
/// figure comes from the file's histograms and counts, not from formatted numbers.
public struct ResultFile: Sendable {
    /// As given on the command line.
    public let path: String
    public let report: BenchmarkReport

    /// Reads and decodes the file at `path`.
    public static func read(_ path: String) throws(ResultFileError) -> ResultFile {
        try ResultFile(path: path, text: try readText(path))
    }

    /// The text of the file at `path` (`-`: standard input).
    static func readText(_ path: String) throws(ResultFileError) -> String {
        guard let file = path == "-" ? fdopen(dup(STDIN_FILENO), "r") : fopen(path, "r") else {
            throw ResultFileError(path: path, reason: String(cString: strerror(errno)), kind: .cannotReadInput)
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count > 0 { bytes += buffer[0..<count] }
            if count < buffer.count {
                if ferror(file) != 0 {
                    throw ResultFileError(path: path, reason: String(cString: strerror(errno)), kind: .cannotReadInput)
                }
                break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public init(path: String, text: String) throws(ResultFileError) {
        self.path = path
        let document: JSONValue
        do {
            document = try JSONValue(parsing: text)
        } catch {
            throw ResultFileError(path: path, reason: "not JSON: \(error)")
        }
        do {
            report = try ReportDecoder().report(document)
        } catch let error as ResultFileError.Reason {
            throw ResultFileError(path: path, reason: error.text)
        } catch {
            throw ResultFileError(path: path, reason: "\(error)")
        }
    }
}

/// A result file that cannot be read (66) or is not one dbbench wrote (65).
public struct ResultFileError: CommandFailure, Equatable {
    public let path: String
    public let reason: String
    public var kind: FailureKind = .badInput

    public var description: String { "\(path): \(reason)" }

    /// What is wrong inside a document, before the file's path is known to the decoder.
    struct Reason: Error {
        let text: String
    }
}

/// Turns a parsed result document into a `BenchmarkReport`.
struct ReportDecoder {
    /// The schema versions this dbbench reads: 2, and 1 without per-second latencies.
    static let readableVersions = 1...JSONRenderer.schemaVersion

    func report(_ document: JSONValue) throws -> BenchmarkReport {
        guard document["tool"]?.stringValue == "dbbench" else {
            throw ResultFileError.Reason(
                text: "not a dbbench result (no \"tool\": \"dbbench\"; write one with --format json)"
            )
        }
        let version = try integer(document, "schema_version")
        guard Self.readableVersions.contains(version) else {
            throw ResultFileError.Reason(
                text: "schema version \(version), newer than this dbbench reads (\(Self.readableVersions.upperBound))"
            )
        }
        let configuration = (document["configuration"]?.objectValue ?? []).map { ($0.0, $0.1.stringValue ?? "") }
        let metadata = ReportMetadata(
            command: try string(document, "command"),
            target: try string(document, "target"),
            serverVersion: document["server_version"]?.stringValue ?? "",
            configuration: configuration,
            runID: document["run_id"]?.stringValue ?? "",
            shard: document["shard"].flatMap { shard in
                guard let index = shard["index"]?.intValue, let count = shard["count"]?.intValue else { return nil }
                return Shard(index: index, count: count)
            },
            version: document["version"]?.stringValue ?? ""
        )
        let results = try (document["workloads"]?.arrayValue ?? []).map(workload)
        var report = BenchmarkReport(
            title: document["title"]?.stringValue ?? "dbbench \(metadata.command) → \(metadata.target)",
            settings: (document["settings"]?.arrayValue ?? []).compactMap(\.stringValue),
            metadata: metadata,
            results: results,
            assessments: (document["assessment"]?.arrayValue ?? []).compactMap { item in
                guard let metric = item["metric"]?.stringValue, let value = item["value"]?.stringValue,
                    let rating = item["rating"]?.stringValue.flatMap(Rating.init(rawValue:))
                else { return nil }
                return Assessment(metric: metric, value: value, rating: rating)
            }
        )
        if let start = document["start"], start.objectValue != nil {
            func seconds(_ key: String) -> Double? { start[key]?.doubleValue.map { $0 / 1e6 } }
            report.start = StartTiming(
                scheduled: start["at"]?.doubleValue,
                skew: seconds("skew_us"),
                clockOffset: seconds("clock_offset_us").map {
                    ClockOffset(seconds: $0, uncertainty: seconds("clock_offset_uncertainty_us") ?? 0)
                }
            )
        }
        let names = results.map { $0.name.lowercased() }
        report.thresholds = (document["thresholds"]?.arrayValue ?? []).compactMap { item in
            guard let text = item["expression"]?.stringValue, let workload = item["workload"]?.stringValue,
                let threshold = try? Threshold(
                    parsing: text,
                    workloads: names + [workload.lowercased()],
                    command: "dbbench report"
                )
            else { return nil }
            return ThresholdOutcome(
                threshold: threshold,
                workload: workload,
                passed: item["passed"]?.boolValue ?? false,
                detail: item["detail"]?.stringValue ?? ""
            )
        }
        report.failures = (document["failures"]?.arrayValue ?? []).compactMap { item in
            guard let step = item["step"]?.stringValue.flatMap(StepFailure.Step.init(rawValue:)) else { return nil }
            return StepFailure(
                workload: item["workload"]?.stringValue ?? "-",
                step: step,
                message: item["error"]?.stringValue ?? "",
                exitCode: Int32(item["exit_code"]?.intValue ?? 0)
            )
        }
        report.footer = (document["footer"]?.arrayValue ?? []).compactMap(\.stringValue)
        report.exitCode = Int32(document["exit_code"]?.intValue ?? 0)
        report.startUnixTime = document["started_at"]?.doubleValue ?? 0
        report.endUnixTime = document["ended_at"]?.doubleValue ?? 0
        return report
    }

    func workload(_ json: JSONValue) throws -> WorkloadResult {
        let name = try string(json, "name")
        let rates = Set((json["counters_per_second"]?.objectValue ?? []).map(\.0))
        let counters = (json["counters"]?.objectValue ?? []).map { key, value in
            (key: CounterKey(key, isRate: rates.contains(key)), value: value.intValue ?? 0)
        }
        let operations = try (json["operations"]?.arrayValue ?? []).enumerated().map { slot, operation in
            OperationResult(
                name: try string(operation, "name"),
                slot: slot,
                succeeded: try integer(operation, "succeeded"),
                failed: try integer(operation, "failed"),
                histogram: try histogram(operation["histogram"], of: name),
                isPreStart: operation["before_measured_interval"]?.boolValue ?? false
            )
        }
        let wall = json["wall_seconds"]?.doubleValue ?? 0
        var result = WorkloadResult(
            name: name,
            connections: json["connections"]?.intValue ?? 0,
            operations: operations,
            total: OperationResult(
                name: name,
                succeeded: try integer(json, "succeeded"),
                failed: try integer(json, "failed"),
                histogram: try histogram(json["histogram"], of: name)
            ),
            errors: (json["errors"]?.objectValue ?? []).map { (kind: $0.0, count: $0.1.intValue ?? 0) },
            counters: counters,
            wallNanoseconds: UInt64(max(0, wall * 1e9).rounded()),
            serviceTime: try json["service_time_histogram"].flatMap { $0 == .null ? nil : try histogram($0, of: name) },
            late: json["late"]?.intValue ?? 0,
            notStarted: json["not_started"]?.intValue ?? 0
        )
        result.replicates = try (json["replicates"]?.arrayValue ?? []).map(workload)
        result.interrupted = json["interrupted"]?.boolValue ?? false
        result.startUnixTime = json["started_at"]?.doubleValue ?? 0
        result.notes = (json["notes"]?.arrayValue ?? []).compactMap(\.stringValue)
        result.series = series(json)
        result.availability = availability(json["availability"])
        result.loopBusy = (json["client"]?["loop_busy"]?.arrayValue ?? []).compactMap(\.doubleValue)
        result.loopBehindSchedule =
            (json["client"]?["loop_behind_schedule"]?.arrayValue ?? []).compactMap(\.doubleValue)
        result.nodes = (json["nodes"]?.arrayValue ?? []).compactMap { node in
            guard let name = node["name"]?.stringValue else { return nil }
            return NodeResult(
                name: name,
                succeeded: node["succeeded"]?.intValue ?? 0,
                failed: node["failed"]?.intValue ?? 0,
                latency: latencySummary(node["latency_us"])
            )
        }
        if let spread = json["operations_per_connection"], spread != .null {
            let counts = spread["counts"]?.arrayValue?.compactMap(\.intValue)
            result.operationsPerConnection = ConnectionSpread(
                counts ?? [spread["min"], spread["median"], spread["max"]].compactMap { $0?.intValue }
            )
        }
        if let capacity = json["capacity"], capacity != .null {
            result.capacity = CapacityOutcome(
                slo: (capacity["slo"]?.arrayValue ?? []).compactMap(\.stringValue),
                steps: (capacity["steps"]?.arrayValue ?? []).map { step in
                    CapacitySearch.Step(
                        rate: step["rate_per_second"]?.intValue ?? 0,
                        achieved: step["achieved_per_second"]?.doubleValue ?? 0,
                        latency: latencySummary(step["latency_us"]),
                        failed: step["failed"]?.intValue ?? 0,
                        missed: (step["missed"]?.arrayValue ?? []).compactMap(\.stringValue),
                        clientSaturated: step["client_saturated"]?.boolValue ?? false
                    )
                },
                capacity: capacity["capacity_per_second"]?.intValue,
                lowestMissed: capacity["lowest_missed_per_second"]?.intValue
            )
        }
        if let rate = json["open_loop"], rate != .null, let perSecond = rate["rate_per_second"]?.intValue {
            result.rate = OpenLoopRate(
                perSecond: perSecond,
                arrival: rate["arrival"]?.stringValue.flatMap(OpenLoopRate.Arrival.init(rawValue:)) ?? .uniform
            )
        }
        return result
    }

    /// The per-second series; schema 1 had the counts only (`per_second` integers and
    /// `errors_per_second`), read with zero latencies.
    func series(_ json: JSONValue) -> PerSecondSeries {
        let entries = json["per_second"]?.arrayValue ?? []
        var series = PerSecondSeries(
            startUnixTime: entries.first?["time"]?.doubleValue ?? json["started_at"]?.doubleValue ?? 0,
            lastEntrySeconds: json["per_second_last_entry_seconds"]?.doubleValue ?? 1
        )
        if let counts = entries.first?.intValue.map({ _ in entries.compactMap(\.intValue) }) {
            let failed = (json["errors_per_second"]?.arrayValue ?? []).compactMap(\.intValue)
            series.total = counts.enumerated().map { index, count in
                SecondStatistics(
                    succeeded: count,
                    failed: index < failed.count ? failed[index] : 0,
                    latency: IntervalLatency(p50: 0, p90: 0, p99: 0, max: 0)
                )
            }
            return series
        }
        series.total = entries.map(second)
        series.operations = (json["operations"]?.arrayValue ?? []).map {
            ($0["per_second"]?.arrayValue ?? []).map(second)
        }
        if entries.contains(where: { $0["rows"] != nil }) {
            series.counted = entries.map { $0["rows"]?.intValue ?? 0 }
        }
        return series
    }

    func second(_ json: JSONValue) -> SecondStatistics {
        SecondStatistics(
            succeeded: json["succeeded"]?.intValue ?? 0,
            failed: json["failed"]?.intValue ?? 0,
            latency: intervalLatency(json["latency_us"]),
            serviceTime: json["service_time_us"].map(intervalLatency)
        )
    }

    /// The microseconds of `key` in a latency object (0 when absent).
    private func microseconds(_ json: JSONValue?, _ key: String) -> UInt64 {
        UInt64(max(0, json?[key]?.intValue ?? 0))
    }

    func intervalLatency(_ json: JSONValue?) -> IntervalLatency {
        func value(_ key: String) -> UInt64 { microseconds(json, key) }
        return IntervalLatency(p50: value("p50"), p90: value("p90"), p99: value("p99"), max: value("max"))
    }

    func latencySummary(_ json: JSONValue?) -> LatencySummary {
        func value(_ key: String) -> UInt64 { microseconds(json, key) }
        return LatencySummary(
            count: value("count"),
            mean: json?["mean"]?.doubleValue ?? 0,
            p50: value("p50"),
            p90: value("p90"),
            p95: value("p95"),
            p99: value("p99"),
            p999: value("p99_9"),
            max: value("max")
        )
    }

    func availability(_ json: JSONValue?) -> Availability {
        guard let json else { return Availability() }
        return Availability(
            outages: (json["outages"]?.arrayValue ?? []).map { outage in
                Outage(
                    start: outage["start_seconds"]?.doubleValue ?? 0,
                    seconds: outage["seconds"]?.doubleValue ?? 0,
                    lostConnections: outage["lost_connections"]?.intValue ?? 0,
                    recovered: outage["recovered"]?.boolValue ?? true
                )
            },
            reconnections: json["reconnections"]?.intValue ?? 0,
            failedReconnects: (json["failed_reconnects"]?.objectValue ?? []).map { ($0.0, $0.1.intValue ?? 0) }
        )
    }

    /// Rebuilds a histogram from its buckets, as Docs/output.md describes; one of other settings
    /// than dbbench's cannot be merged with the others and is refused.
    func histogram(_ json: JSONValue?, of workload: String) throws -> LatencyHistogram {
        guard let json, json != .null else { return .latency() }
        var histogram = LatencyHistogram.latency()
        guard json["lowest_discernible_value"]?.intValue == Int(histogram.lowestDiscernibleValue),
            json["highest_trackable_value"]?.intValue == Int(histogram.highestTrackableValue),
            json["significant_digits"]?.intValue == Int(histogram.numberOfSignificantValueDigits.rawValue)
        else {
            throw ResultFileError.Reason(text: "\(workload): a histogram of other settings than 1 µs..60 s, 3 digits")
        }
        for bucket in json["buckets"]?.arrayValue ?? [] {
            guard let pair = bucket.arrayValue, pair.count == 2, let value = pair[0].intValue,
                let count = pair[1].intValue,
                value > 0, count > 0, histogram.record(UInt64(value), count: UInt64(count))
            else { throw ResultFileError.Reason(text: "\(workload): a histogram bucket that is not [value, count]") }
        }
        if let total = json["total_count"]?.intValue, total != Int(histogram.totalCount) {
            throw ResultFileError.Reason(text: "\(workload): histogram buckets do not add up to its total_count")
        }
        return histogram
    }

    private func string(_ json: JSONValue, _ key: String) throws -> String {
        guard let value = json[key]?.stringValue else { throw ResultFileError.Reason(text: "no \"\(key)\" string") }
        return value
    }

    private func integer(_ json: JSONValue, _ key: String) throws -> Int {
        guard let value = json[key]?.intValue else { throw ResultFileError.Reason(text: "no \"\(key)\" integer") }
        return value
    }
}
