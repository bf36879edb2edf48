/// The reports of the shards of one run (`--shard I/N`) merged into the report of the run: checked
/// to be one run first (same run id, command, target and settings, every shard exactly once, the
/// same workloads), then counts, errors and counters summed and histograms added — exact, since
/// every shard records into histograms of the same settings (result files of others are refused
/// when read).
public struct ShardMerge {
    /// Settings that differ between the shards of one run by nature, not by mistake.
    static let perShardSettings: Set<String> = [
        "shard", "shards", "seed", "output", "format", "series", "hgrm", "progress",
    ]

    public let report: BenchmarkReport

    /// Merges `files`; throws `ShardMergeError` naming what makes them not one run.
    public init(_ files: [ResultFile]) throws(ShardMergeError) {
        guard let first = files.first else { throw ShardMergeError("no result files") }
        let metadata = first.report.metadata
        guard let count = metadata.shard?.count else {
            throw ShardMergeError("\(first.path) is not a shard's result (run with --shard I/N)")
        }
        var seen: [Int: String] = [:]
        for file in files {
            let other = file.report.metadata
            guard let shard = other.shard else {
                throw ShardMergeError("\(file.path) is not a shard's result (run with --shard I/N)")
            }
            guard other.runID == metadata.runID, !other.runID.isEmpty else {
                throw ShardMergeError(
                    "\(file.path) is of run \(other.runID), \(first.path) of run \(metadata.runID): not one run"
                )
            }
            guard shard.count == count, other.command == metadata.command, other.target == metadata.target else {
                throw ShardMergeError(
                    "\(file.path) differs from \(first.path) in its number of shards, command or server"
                )
            }
            if let earlier = seen[shard.index] {
                throw ShardMergeError("\(file.path) and \(earlier) are both shard \(shard.index)")
            }
            seen[shard.index] = file.path
            let differing = Self.differences(other.configuration, metadata.configuration)
            if !differing.isEmpty {
                throw ShardMergeError(
                    "\(file.path) ran with other settings than \(first.path): \(differing.joined(separator: ", "))"
                )
            }
            guard file.report.results.map(\.name) == first.report.results.map(\.name) else {
                throw ShardMergeError("\(file.path) ran other workloads than \(first.path)")
            }
        }
        let missing = (0..<count).filter { seen[$0] == nil }
        guard missing.isEmpty else {
            throw ShardMergeError(
                "shard\(missing.count > 1 ? "s" : "") \(missing.map(String.init).joined(separator: ", ")) of the "
                    + "\(count) of run \(metadata.runID) missing"
            )
        }
        let shards = files.sorted { ($0.report.metadata.shard?.index ?? 0) < ($1.report.metadata.shard?.index ?? 0) }
        var report = BenchmarkReport(
            title: first.report.title + " · \(count) shards merged",
            // The settings lines are each shard's own (its share of connections and operations).
            settings: [
                "run \(metadata.runID): \(count) shards merged, "
                    + "\(files.reduce(0) { $0 + ($1.report.results.first?.connections ?? 0) }) connections in all",
                "shard 0 ran with: "
                    + first.report.settings.filter { line in
                        !["run ", "seed ", "started at ", "clock "].contains { line.hasPrefix($0) }
                    }
                    .joined(separator: " · "),
            ],
            metadata: ReportMetadata(
                command: metadata.command,
                target: metadata.target,
                serverVersion: metadata.serverVersion,
                configuration: metadata.configuration.filter { !Self.perShardSettings.contains($0.0) },
                runID: metadata.runID,
                version: metadata.version
            )
        )
        for index in first.report.results.indices {
            report.results.append(Self.merge(shards.map { $0.report.results[index] }))
        }
        for shard in shards {
            let label = shard.report.metadata.shard?.label ?? ""
            report.failures += shard.report.failures.map {
                StepFailure(
                    workload: $0.workload,
                    step: $0.step,
                    message: "\(label): \($0.message)",
                    exitCode: $0.exitCode
                )
            }
            report.footer += shard.report.footer.map { "\(label): \($0)" }
        }
        let starts = shards.compactMap(\.report.start)
        if let scheduled = starts.first?.scheduled {
            report.start = StartTiming(scheduled: scheduled, skew: starts.compactMap(\.skew).max())
        }
        if !starts.isEmpty { report.settings.append(Self.startSpread(starts)) }
        report.startUnixTime = shards.map(\.report.startUnixTime).min() ?? 0
        report.endUnixTime = shards.map(\.report.endUnixTime).max() ?? 0
        self.report = report
    }

    /// How the shards kept `--start-at` and how their clocks stood against the server's: each by
    /// its own clock, and the spread of their starts by the server's clock.
    static func startSpread(_ starts: [StartTiming]) -> String {
        func range(_ values: [Double]) -> String {
            guard let low = values.min(), let high = values.max() else { return "-" }
            return "\(Format.fixed(low * 1000, 2)) to \(Format.fixed(high * 1000, 2)) ms"
        }
        var parts: [String] = []
        let skews = starts.compactMap(\.skew)
        if !skews.isEmpty { parts.append("shards began \(range(skews)) after --start-at by their clocks") }
        let offsets = starts.compactMap(\.clockOffset)
        if !offsets.isEmpty {
            let uncertainty = offsets.map(\.uncertainty).max() ?? 0
            parts.append(
                "clock offsets against the server \(range(offsets.map(\.seconds))) "
                    + "(± \(Format.fixed(uncertainty * 1000, 2)) ms)"
            )
        }
        let serverStarts = starts.compactMap(\.serverStart)
        if serverStarts.count == starts.count, let first = serverStarts.min(), let last = serverStarts.max() {
            parts.append("by the server's clock within \(Format.fixed((last - first) * 1000, 2)) ms of each other")
        }
        return "start: " + (parts.isEmpty ? "no shard measured its start" : parts.joined(separator: "; "))
    }

    /// The names of the settings in which `a` and `b` differ, per-shard ones left out.
    static func differences(_ a: [(String, String)], _ b: [(String, String)]) -> [String] {
        let left = Dictionary(a.filter { !perShardSettings.contains($0.0) }, uniquingKeysWith: { first, _ in first })
        let right = Dictionary(b.filter { !perShardSettings.contains($0.0) }, uniquingKeysWith: { first, _ in first })
        return Set(left.keys).union(right.keys).filter { left[$0] != right[$0] }.sorted()
    }

    /// One workload of every shard as one: counts summed, histograms added, the measured interval
    /// from the first shard's start to the last one's end, the per-second series aligned by Unix
    /// second (counts summed; a second's latency figures are the largest of the shards', an upper
    /// bound, since a second keeps percentiles, not histograms).
    static func merge(_ parts: [WorkloadResult]) -> WorkloadResult {
        let first = parts[0]
        let start = parts.map(\.startUnixTime).min() ?? 0
        let end = parts.map(\.endUnixTime).max() ?? start
        var merged = WorkloadResult.summed(
            parts,
            connections: parts.reduce(0) { $0 + $1.connections },
            wallNanoseconds: UInt64(max(0, end - start) * 1e9)
        )
        merged.startUnixTime = start
        merged.interrupted = parts.contains(where: \.interrupted)
        merged.rate = first.rate.map { OpenLoopRate(perSecond: $0.perSecond, arrival: $0.arrival) }
        merged.series = series(parts.map(\.series))
        merged.loopBusy = parts.flatMap(\.loopBusy)
        merged.loopBehindSchedule = parts.flatMap(\.loopBehindSchedule)
        merged.operationsPerConnection = ConnectionSpread(parts.compactMap(\.operationsPerConnection).flatMap(\.counts))
        merged.notes = spreadNotes(parts)
        return merged
    }

    /// The shards' throughput and how far apart they started.
    static func spreadNotes(_ parts: [WorkloadResult]) -> [String] {
        let rates = parts.map { Format.grouped(Int($0.throughput.rounded())) }
        let starts = parts.map(\.startUnixTime)
        let skew = ((starts.max() ?? 0) - (starts.min() ?? 0)) * 1000
        return [
            "\(parts.count) shards: ops/s \(rates.joined(separator: " · ")); measured intervals began within "
                + "\(Format.fixed(skew, 1)) ms of each other"
        ]
    }

    /// Per-second series aligned by Unix second.
    static func series(_ all: [PerSecondSeries]) -> PerSecondSeries {
        let withEntries = all.filter { $0.count > 0 }
        guard let origin = withEntries.map(\.startUnixTime).min() else {
            return all.first ?? PerSecondSeries(startUnixTime: 0)
        }
        func offset(_ series: PerSecondSeries) -> Int { Int((series.startUnixTime - origin).rounded()) }
        let length = withEntries.map { offset($0) + $0.count }.max() ?? 0
        let empty = SecondStatistics(succeeded: 0, failed: 0, latency: IntervalLatency(p50: 0, p90: 0, p99: 0, max: 0))
        func combine(_ a: SecondStatistics, _ b: SecondStatistics) -> SecondStatistics {
            func larger(_ x: IntervalLatency, _ y: IntervalLatency) -> IntervalLatency {
                IntervalLatency(
                    p50: max(x.p50, y.p50),
                    p90: max(x.p90, y.p90),
                    p99: max(x.p99, y.p99),
                    max: max(x.max, y.max)
                )
            }
            let service: IntervalLatency? =
                switch (a.serviceTime, b.serviceTime) {
                case (let x?, let y?): larger(x, y)
                case (let x?, nil): x
                case (nil, let y): y
                }
            return SecondStatistics(
                succeeded: a.succeeded + b.succeeded,
                failed: a.failed + b.failed,
                latency: larger(a.latency, b.latency),
                serviceTime: service
            )
        }
        var total = Array(repeating: empty, count: length)
        let kinds = withEntries.map(\.operations.count).max() ?? 0
        var operations = Array(repeating: Array(repeating: empty, count: length), count: kinds)
        var counted: [Int]? = withEntries.contains { $0.counted != nil } ? Array(repeating: 0, count: length) : nil
        for series in withEntries {
            let shift = offset(series)
            for (index, entry) in series.total.enumerated() {
                total[shift + index] = combine(total[shift + index], entry)
            }
            for (kind, entries) in series.operations.enumerated() {
                for (index, entry) in entries.enumerated() {
                    operations[kind][shift + index] = combine(operations[kind][shift + index], entry)
                }
            }
            for (index, value) in (series.counted ?? []).enumerated() { counted?[shift + index] += value }
        }
        let last = withEntries.filter { offset($0) + $0.count == length }.map(\.lastEntrySeconds).max() ?? 1
        return PerSecondSeries(
            startUnixTime: origin,
            total: total,
            operations: operations,
            counted: counted,
            lastEntrySeconds: last
        )
    }
}

/// Files that are not the shards of one run, named with what differs: exit 65.
public struct ShardMergeError: CommandFailure {
    public let description: String
    public var kind: FailureKind { .badInput }

    init(_ description: String) { self.description = "dbbench merge: " + description }
}
