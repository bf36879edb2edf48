/// Counts and latencies of one kind of operation.
public struct OperationResult: Sendable {
    public let name: String
    public let succeeded: Int
    public let failed: Int
    public let histogram: LatencyHistogram
    public let latency: LatencySummary
    /// Timed before the measured interval (e.g. connecting): not part of totals or throughput.
    public let isPreStart: Bool

    public init(name: String, succeeded: Int, failed: Int, histogram: LatencyHistogram, isPreStart: Bool = false) {
        self.name = name
        self.isPreStart = isPreStart
        self.succeeded = succeeded
        self.failed = failed
        self.histogram = histogram
        self.latency = LatencySummary(histogram)
    }

    public var attempted: Int { succeeded + failed }
}

/// What one workload measured, merged over all loops.
public struct WorkloadResult: Sendable {
    public let name: String
    public let connections: Int
    /// One entry per operation kind (one for SET, five for MIXED).
    public let operations: [OperationResult]
    /// All kinds together, except those timed before the measured interval.
    public let total: OperationResult
    /// Failures by kind, most frequent first.
    public let errors: [(kind: String, count: Int)]
    public let counters: [String: Int]
    /// Counters of the `--warmup` phase, kept apart from the results.
    public let warmupCounters: [String: Int]
    /// From the moment every connection was ready to the end of the last one.
    public let wallNanoseconds: UInt64
    /// Workload-specific lines for the report ("cache hit ratio ...").
    public var notes: [String] = []
    /// Stopped early by Ctrl-C: the counts are what was done until then.
    public var interrupted = false
    /// Work finished in each second since the workload's connections were started (warm-up included).
    public var perSecond: [Int] = []
    /// How evenly the connections shared the load; nil for workloads that do one fixed thing per
    /// connection (the connection test).
    public var operationsPerConnection: ConnectionSpread?
    /// The schedule of an open-loop run (`--rate`); nil for a closed-loop run.
    public var rate: OpenLoopRate?
    /// Open loop: from the actual send to the reply, all kinds together (`total` counts from the
    /// scheduled start). Nil in closed loop, where the two are the same.
    public let serviceTime: LatencyHistogram?
    /// Open loop: operations that started more than `OpenLoopRate.lateAfterNanoseconds` late.
    public let late: Int

    public var wallSeconds: Double { Double(wallNanoseconds) / 1e9 }

    /// Successful operations per second of wall-clock time.
    public var throughput: Double {
        wallNanoseconds == 0 ? 0 : Double(total.succeeded) / wallSeconds
    }

    /// Succeeded operations of one kind per second of wall time; nil for an operation that runs
    /// before the measured interval, or when no time was measured.
    public func throughput(of operation: OperationResult) -> Double? {
        operation.isPreStart || wallNanoseconds == 0 ? nil : Double(operation.succeeded) / wallSeconds
    }

    /// Merges the per-loop recorders of one run.
    public init(
        name: String,
        connections: Int,
        recorders: [OperationRecorder],
        wallNanoseconds: UInt64,
        preStartOperationNames: Set<String> = []
    ) {
        self.name = name
        self.connections = connections
        self.wallNanoseconds = wallNanoseconds
        let names = recorders.first?.operationNames ?? []
        var operations: [OperationResult] = []
        var everything = LatencyHistogram.latency()
        let openLoop = recorders.contains { !$0.serviceHistograms.isEmpty }
        var service = LatencyHistogram.latency()
        var totalSucceeded = 0
        var totalFailed = 0
        for (index, operationName) in names.enumerated() {
            var histogram = LatencyHistogram.latency()
            var succeeded = 0
            var failed = 0
            for recorder in recorders {
                histogram.add(recorder.histograms[index])
                succeeded += recorder.succeeded[index]
                failed += recorder.failed[index]
            }
            let isPreStart = preStartOperationNames.contains(operationName)
            if !isPreStart {
                for recorder in recorders where !recorder.serviceHistograms.isEmpty {
                    service.add(recorder.serviceHistograms[index])
                }
                everything.add(histogram)
                totalSucceeded += succeeded
                totalFailed += failed
            }
            operations.append(
                OperationResult(
                    name: operationName,
                    succeeded: succeeded,
                    failed: failed,
                    histogram: histogram,
                    isPreStart: isPreStart
                )
            )
        }
        self.operations = operations
        self.total = OperationResult(name: name, succeeded: totalSucceeded, failed: totalFailed, histogram: everything)
        self.serviceTime = openLoop ? service : nil
        self.late = recorders.reduce(0) { $0 + $1.late }
        var errors: [String: Int] = [:]
        var counters: [String: Int] = [:]
        var warmupCounters: [String: Int] = [:]
        for recorder in recorders {
            errors.merge(recorder.errors, uniquingKeysWith: +)
            for (index, counter) in recorder.counterNames.enumerated() {
                counters[counter, default: 0] += recorder.counters[index]
                warmupCounters[counter, default: 0] += recorder.warmupCounters[index]
            }
        }
        self.warmupCounters = warmupCounters
        self.errors = errors.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { (kind: $0.key, count: $0.value) }
        self.counters = counters
    }
}
