extension WorkloadResult {
    /// The repetitions of one workload (`--repeat`) merged into one result: histograms, counts,
    /// errors and counters added, wall times summed (so the throughput is that of all of them),
    /// with every repetition kept in `replicates`. The per-second series, nodes and loop figures
    /// are the first repetition's (each replicate keeps its own). Nil for no repetition; one
    /// repetition is itself.
    public init?(repetitions: [WorkloadResult]) {
        guard let first = repetitions.first else { return nil }
        guard repetitions.count > 1 else {
            self = first
            return
        }
        self = Self.summed(
            repetitions,
            connections: first.connections,
            wallNanoseconds: repetitions.reduce(0) { $0 + $1.wallNanoseconds }
        )
        replicates = repetitions
        interrupted = repetitions.contains(where: \.interrupted)
        startUnixTime = first.startUnixTime
        series = first.series
        nodes = first.nodes
        // A loop that set the pace in any repetition did so for the whole.
        loopBusy = Self.largest(repetitions.map(\.loopBusy))
        loopBehindSchedule = Self.largest(repetitions.map(\.loopBehindSchedule))
        rate = first.rate
        var notes: [String] = []
        for note in repetitions.flatMap(\.notes) where !notes.contains(note) { notes.append(note) }
        self.notes = notes
        availability = Availability(
            outages: repetitions.flatMap(\.availability.outages),
            reconnections: repetitions.reduce(0) { $0 + $1.availability.reconnections },
            failedReconnects: repetitions.flatMap(\.availability.failedReconnects)
        )
        let counts = repetitions.compactMap(\.operationsPerConnection).flatMap(\.counts)
        operationsPerConnection = ConnectionSpread(counts)
    }

    /// Results of one workload added up — histograms, counts, errors, counters, late and not-started
    /// operations — with `connections` and `wallNanoseconds` as the caller counts them: repetitions
    /// one after another (`init(repetitions:)`) or shards side by side (`ShardMerge`).
    static func summed(_ parts: [WorkloadResult], connections: Int, wallNanoseconds: UInt64) -> WorkloadResult {
        let first = parts[0]
        let operations = first.operations.indices.map { index in
            let kinds = parts.compactMap { $0.operations.indices.contains(index) ? $0.operations[index] : nil }
            return OperationResult(
                name: first.operations[index].name,
                slot: first.operations[index].slot,
                succeeded: kinds.reduce(0) { $0 + $1.succeeded },
                failed: kinds.reduce(0) { $0 + $1.failed },
                histogram: .sum(kinds.map(\.histogram)),
                isPreStart: first.operations[index].isPreStart
            )
        }
        var errors: [String: Int] = [:]
        for part in parts {
            for error in part.errors { errors[error.kind, default: 0] += error.count }
        }
        let services = parts.compactMap(\.serviceTime)
        return WorkloadResult(
            name: first.name,
            connections: connections,
            operations: operations,
            total: OperationResult(
                name: first.name,
                succeeded: parts.reduce(0) { $0 + $1.total.succeeded },
                failed: parts.reduce(0) { $0 + $1.total.failed },
                histogram: .sum(parts.map(\.total.histogram))
            ),
            errors: errors.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { (kind: $0.key, count: $0.value) },
            counters: first.counters.map { counter in
                (counter.key, parts.reduce(0) { $0 + ($1.counter(counter.key) ?? 0) })
            },
            wallNanoseconds: wallNanoseconds,
            serviceTime: services.isEmpty ? nil : .sum(services),
            late: parts.reduce(0) { $0 + $1.late },
            notStarted: parts.reduce(0) { $0 + $1.notStarted }
        )
    }

    /// Per index, the largest of the lists' values.
    private static func largest(_ lists: [[Double]]) -> [Double] {
        let count = lists.map(\.count).max() ?? 0
        return (0..<count).map { index in lists.compactMap { index < $0.count ? $0[index] : nil }.max() ?? 0 }
    }

    /// "3 repetitions: ops/s median 52,000 (50,100 to 53,900); p99 median 0.412 ms (0.398 to
    /// 0.455)", or nil for a single run.
    public var repetitionsNote: String? {
        guard replicates.count > 1 else { return nil }
        let rates = replicates.map(\.throughput).sorted()
        let p99s = replicates.map(\.total.latency.p99).sorted()
        func median<T>(_ values: [T]) -> T { values[values.count / 2] }
        return "\(replicates.count) repetitions: ops/s median \(Format.grouped(Int(median(rates).rounded()))) "
            + "(\(Format.grouped(Int(rates[0].rounded()))) to \(Format.grouped(Int(rates[rates.count - 1].rounded())))); "
            + "p99 median \(Format.milliseconds(median(p99s))) ms "
            + "(\(Format.milliseconds(p99s[0])) to \(Format.milliseconds(p99s[p99s.count - 1])))"
    }
}
