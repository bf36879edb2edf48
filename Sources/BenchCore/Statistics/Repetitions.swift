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
        func added(_ histograms: [LatencyHistogram]) -> LatencyHistogram {
            var merged = LatencyHistogram.latency()
            for histogram in histograms { merged.add(histogram) }
            return merged
        }
        let operations = first.operations.indices.map { index in
            let kinds = repetitions.compactMap { $0.operations.indices.contains(index) ? $0.operations[index] : nil }
            return OperationResult(
                name: first.operations[index].name,
                slot: first.operations[index].slot,
                succeeded: kinds.reduce(0) { $0 + $1.succeeded },
                failed: kinds.reduce(0) { $0 + $1.failed },
                histogram: added(kinds.map(\.histogram)),
                isPreStart: first.operations[index].isPreStart
            )
        }
        var errors: [String: Int] = [:]
        for repetition in repetitions {
            for error in repetition.errors { errors[error.kind, default: 0] += error.count }
        }
        let services = repetitions.compactMap(\.serviceTime)
        self.init(
            name: first.name,
            connections: first.connections,
            operations: operations,
            total: OperationResult(
                name: first.name,
                succeeded: repetitions.reduce(0) { $0 + $1.total.succeeded },
                failed: repetitions.reduce(0) { $0 + $1.total.failed },
                histogram: added(repetitions.map(\.total.histogram))
            ),
            errors: errors.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { (kind: $0.key, count: $0.value) },
            counters: first.counters.map { counter in
                (counter.key, repetitions.reduce(0) { $0 + ($1.counter(counter.key) ?? 0) })
            },
            wallNanoseconds: repetitions.reduce(0) { $0 + $1.wallNanoseconds },
            serviceTime: services.isEmpty ? nil : added(services),
            late: repetitions.reduce(0) { $0 + $1.late },
            notStarted: repetitions.reduce(0) { $0 + $1.notStarted }
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
