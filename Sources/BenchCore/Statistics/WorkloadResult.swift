/// Counts and latencies of one kind of operation.
public struct OperationResult: Sendable {
    public let name: String
    /// The kind's `OperationKind.slot` (-1 for a workload's total).
    public let slot: Int
    public let succeeded: Int
    public let failed: Int
    public let histogram: LatencyHistogram
    public let latency: LatencySummary
    /// Timed before the measured interval (e.g. connecting): not part of totals or throughput.
    public let isPreStart: Bool

    public init(
        name: String,
        slot: Int = -1,
        succeeded: Int,
        failed: Int,
        histogram: LatencyHistogram,
        isPreStart: Bool = false
    ) {
        self.name = name
        self.slot = slot
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
    /// The counters the workload declared, in declaration order.
    public let counters: [(key: CounterKey, value: Int)]
    /// Counters of the `--warmup` phase, kept apart from the results.
    public let warmupCounters: [(key: CounterKey, value: Int)]
    /// From the moment every connection was ready to the end of the last one.
    public let wallNanoseconds: UInt64
    /// Workload-specific lines for the report ("cache hit ratio ...").
    public var notes: [String] = []
    /// Stopped early by Ctrl-C: the counts are what was done until then.
    public var interrupted = false
    /// Every second since the workload's connections were started (warm-up included): counts and
    /// latencies, a gap showing when the server was unavailable.
    public var series = PerSecondSeries(startUnixTime: 0)
    /// Unix time at which the measured interval began (after the warm-up).
    public var startUnixTime: Double = 0
    /// Unix time at which the last connection finished.
    public var endUnixTime: Double { startUnixTime + wallSeconds }
    /// Operations that succeeded in each second of `series`.
    public var perSecond: [Int] { series.total.map(\.succeeded) }
    /// Operations that failed in each second of `series`.
    public var errorsPerSecond: [Int] { series.total.map(\.failed) }
    /// How evenly the connections shared the load; nil for workloads that do one fixed thing per
    /// connection (the connection test).
    public var operationsPerConnection: ConnectionSpread?
    /// Per I/O loop, the fraction of the workload's wall time it was busy (running tasks and
    /// dispatching events rather than waiting for the server).
    public var loopBusy: [Double] = []

    /// Open loop, per I/O loop: the fraction of the operations its connections slept for that it
    /// started more than `OpenLoopRate.lateAfterNanoseconds` after they were due because it was still
    /// running other work (0 with too few to tell, and in closed loop): lateness that is dbbench's
    /// alone, since the connection was idle and the loop not waiting.
    public var loopBehindSchedule: [Double] = []

    /// Busy more than this fraction of the run, a loop is what set the pace: the client was the
    /// bottleneck, not the server.
    public static let saturatedAbove = 0.9
    /// Late for more than this fraction of its timed starts, a loop could not keep the schedule.
    public static let behindScheduleAbove = 0.1

    /// The loops that were busy more than `saturatedAbove` of the run, or behind schedule more than
    /// `behindScheduleAbove` of their timed starts.
    public var saturatedLoops: [Int] {
        let count = max(loopBusy.count, loopBehindSchedule.count)
        return (0..<count).filter { isBusy(loop: $0) || isBehindSchedule(loop: $0) }
    }

    func isBusy(loop: Int) -> Bool { loop < loopBusy.count && loopBusy[loop] > Self.saturatedAbove }

    func isBehindSchedule(loop: Int) -> Bool {
        loop < loopBehindSchedule.count && loopBehindSchedule[loop] > Self.behindScheduleAbove
    }

    /// With `--find-capacity`: every step of the search; this result is the step at the capacity.
    public var capacity: CapacityOutcome?

    /// With `--repeat`: every repetition, of which this result is the merge; empty otherwise.
    public var replicates: [WorkloadResult] = []

    /// Per server when the connections were spread over several (a cluster's primaries), else empty.
    public var nodes: [NodeResult] = []
    /// Outages and reconnections, as the connections saw them.
    public var availability = Availability()
    /// The schedule of an open-loop run (`--rate`); nil for a closed-loop run.
    public var rate: OpenLoopRate?
    /// Open loop: from the actual send to the reply, all kinds together (`total` counts from the
    /// scheduled start). Nil in closed loop, where the two are the same.
    public let serviceTime: LatencyHistogram?
    /// Open loop: operations that started more than `OpenLoopRate.lateAfterNanoseconds` late.
    public let late: Int
    /// Open loop: operations that were due before the run ended but never started.
    public let notStarted: Int

    public var wallSeconds: Double { Double(wallNanoseconds) / 1e9 }

    /// `count` per second of wall time (0 when no time was measured).
    private func perSecond(_ count: Int) -> Double { wallNanoseconds == 0 ? 0 : Double(count) / wallSeconds }

    /// Successful operations per second of wall-clock time.
    public var throughput: Double { perSecond(total.succeeded) }

    /// Succeeded operations of one kind per second of wall time; nil for an operation that runs
    /// before the measured interval, or when no time was measured.
    public func throughput(of operation: OperationResult) -> Double? {
        operation.isPreStart || wallNanoseconds == 0 ? nil : perSecond(operation.succeeded)
    }

    /// The figures of one of the workload's operation kinds.
    public func result(of operation: some OperationKind) -> OperationResult? {
        operations.first { $0.slot == operation.slot }
    }

    /// The count of `key`, or `nil` when the workload keeps no such counter.
    public func counter(_ key: CounterKey) -> Int? { counters.first { $0.key == key }?.value }

    /// What the warm-up added to `key` (0 without a warm-up or such a counter).
    public func warmupCounter(_ key: CounterKey) -> Int { warmupCounters.first { $0.key == key }?.value ?? 0 }

    /// The counters shown as rates (rows/s): each with its count and its count per second of wall time.
    public var counterRates: [(key: CounterKey, count: Int, perSecond: Double)] {
        counters.filter(\.key.isRate).map { ($0.key, $0.value, perSecond($0.value)) }
    }

    /// `key` per second of wall time, or `nil` when the workload keeps no such counter.
    public func rate(of key: CounterKey) -> Double? { counter(key).map(perSecond) }

    /// A result read back from a result file: its figures as they were written.
    public init(
        name: String,
        connections: Int,
        operations: [OperationResult],
        total: OperationResult,
        errors: [(kind: String, count: Int)],
        counters: [(key: CounterKey, value: Int)],
        wallNanoseconds: UInt64,
        serviceTime: LatencyHistogram?,
        late: Int,
        notStarted: Int
    ) {
        self.name = name
        self.connections = connections
        self.operations = operations
        self.total = total
        self.errors = errors
        self.counters = counters
        self.warmupCounters = []
        self.wallNanoseconds = wallNanoseconds
        self.serviceTime = serviceTime
        self.late = late
        self.notStarted = notStarted
    }

    /// Merges the per-loop recorders of one run of a workload of `shape`.
    init(name: String, shape: WorkloadShape, connections: Int, recorders: [OperationRecorder], wallNanoseconds: UInt64)
    {
        self.name = name
        self.connections = connections
        self.wallNanoseconds = wallNanoseconds
        var operations: [OperationResult] = []
        var everything = LatencyHistogram.latency()
        let openLoop = recorders.contains(where: \.isOpenLoop)
        var service = LatencyHistogram.latency()
        var totalSucceeded = 0
        var totalFailed = 0
        for operation in shape.operations {
            var histogram = LatencyHistogram.latency()
            var failed = 0
            for recorder in recorders {
                histogram.add(recorder.histogram(slot: operation.slot))
                failed += recorder.failed[operation.slot]
            }
            // Every measured success is one count of the histogram.
            let succeeded = Int(histogram.totalCount)
            if !operation.isBeforeMeasuredInterval {
                for recorder in recorders {
                    if let histogram = recorder.serviceHistogram(slot: operation.slot) { service.add(histogram) }
                }
                everything.add(histogram)
                totalSucceeded += succeeded
                totalFailed += failed
            }
            operations.append(
                OperationResult(
                    name: operation.name,
                    slot: operation.slot,
                    succeeded: succeeded,
                    failed: failed,
                    histogram: histogram,
                    isPreStart: operation.isBeforeMeasuredInterval
                )
            )
        }
        self.operations = operations
        self.total = OperationResult(name: name, succeeded: totalSucceeded, failed: totalFailed, histogram: everything)
        self.serviceTime = openLoop ? service : nil
        self.late = recorders.reduce(0) { $0 + $1.late }
        if openLoop { loopBehindSchedule = recorders.map(\.behindSchedule) }
        self.notStarted = recorders.reduce(0) { $0 + $1.notStarted }
        var errors: [String: Int] = [:]
        for recorder in recorders { errors.merge(recorder.errors, uniquingKeysWith: +) }
        self.errors = errors.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { (kind: $0.key, count: $0.value) }
        counters = shape.counters.map { counter in
            (counter.key, recorders.reduce(0) { $0 + $1.counters[counter.slot] })
        }
        warmupCounters = shape.counters.map { counter in
            (counter.key, recorders.reduce(0) { $0 + $1.warmupCounters[counter.slot] })
        }
    }
}
