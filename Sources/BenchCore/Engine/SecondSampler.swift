import IOLoop

/// Builds a workload's per-second series from the loops' interval histograms, as HdrHistogram's
/// interval recorders do but without a lock: each loop records into its own interval, and once a
/// second the sampler hops onto every loop in turn to take the interval and start the next, then
/// merges what the loops handed over into one entry per operation kind.
struct SecondSampler: Sendable {
    let loops: [IOLoop]
    let recorders: [OperationRecorder]
    let shape: WorkloadShape

    /// What one `sample()` gave: the entries of the second, and for the progress line the rate
    /// counter's amount.
    struct Sample: Sendable {
        var total: SecondStatistics
        var operations: [SecondStatistics]
        var counted: Int
    }

    /// Takes every loop's interval (on the loop's own thread) and merges them.
    func sample() async -> Sample {
        var intervals: [OperationRecorder.Interval] = []
        for (loop, recorder) in zip(loops, recorders) {
            intervals.append(await withTaskExecutorPreference(loop) { await recorder.takeInterval() })
        }
        return merge(intervals)
    }

    /// One entry per operation kind of the workload, and all measured kinds together.
    func merge(_ intervals: [OperationRecorder.Interval]) -> Sample {
        let openLoop = intervals.contains { !$0.serviceHistograms.isEmpty }
        var everything = LatencyHistogram.latency()
        var everythingService = LatencyHistogram.latency()
        var totalSucceeded = 0
        var totalFailed = 0
        var operations: [SecondStatistics] = []
        for operation in shape.operations {
            var histogram = LatencyHistogram.latency()
            var service = LatencyHistogram.latency()
            var failed = 0
            for interval in intervals {
                histogram.add(interval.histograms[operation.slot])
                if openLoop { service.add(interval.serviceHistograms[operation.slot]) }
                failed += interval.failed[operation.slot]
            }
            let succeeded = Int(histogram.totalCount)
            operations.append(
                SecondStatistics(
                    succeeded: succeeded,
                    failed: failed,
                    latency: IntervalLatency(histogram),
                    serviceTime: openLoop ? IntervalLatency(service) : nil
                )
            )
            guard !operation.isBeforeMeasuredInterval else { continue }
            everything.add(histogram)
            if openLoop { everythingService.add(service) }
            totalSucceeded += succeeded
            totalFailed += failed
        }
        let counted = shape.rateCounter.map { counter in intervals.reduce(0) { $0 + $1.counters[counter.slot] } } ?? 0
        return Sample(
            total: SecondStatistics(
                succeeded: totalSucceeded,
                failed: totalFailed,
                latency: IntervalLatency(everything),
                serviceTime: openLoop ? IntervalLatency(everythingService) : nil
            ),
            operations: operations,
            counted: counted
        )
    }
}

extension PerSecondSeries {
    /// Appends one second (or the shorter last part) sampled from the loops.
    mutating func append(_ sample: SecondSampler.Sample, hasRateCounter: Bool) {
        total.append(sample.total)
        if operations.isEmpty { operations = sample.operations.map { _ in [] } }
        for (index, entry) in sample.operations.enumerated() { operations[index].append(entry) }
        if hasRateCounter { counted = (counted ?? []) + [sample.counted] }
    }
}
