/// `--find-capacity --slo EXPR`: the highest open-loop rate at which a workload still meets its
/// service-level objective, found with short steps: doubling from `--rate` until a step misses, then
/// bisecting between the highest rate that met and the lowest that missed (halving first when even
/// the first step missed).
///
/// It decides only which rate comes next; the driver runs each step, so the search is tested
/// against made-up outcomes.
public struct CapacitySearch: Sendable {
    public struct Settings: Sendable, Equatable {
        /// What every step must meet (`--slo`, as many as given).
        public var slo: [Threshold]
        /// The first step's rate (`--rate`, default 1,000/s).
        public var startRate: Int
        public var stepDuration: Duration
        public var maxSteps: Int

        public init(slo: [Threshold], startRate: Int, stepDuration: Duration, maxSteps: Int) {
            self.slo = slo
            self.startRate = startRate
            self.stepDuration = stepDuration
            self.maxSteps = maxSteps
        }

        /// Bisection stops once the highest rate that met is within this fraction of the lowest
        /// that missed.
        public static let resolution = 0.05
        /// A step whose achieved rate falls short of its rate by more than this did not meet it.
        public static let rateShortfall = 0.03

        /// "capacity search: p99<1ms, at most 12 steps of 2s", for the settings line.
        public var label: String {
            "capacity search: \(slo.map(\.text).joined(separator: ", ")), from \(Format.grouped(startRate))/s, "
                + "at most \(maxSteps) steps of \(DurationParser.format(stepDuration))"
        }
    }

    /// One step of the search: the rate asked for, what was achieved, and whether it met the SLO.
    public struct Step: Sendable {
        public let rate: Int
        /// Successful operations per second.
        public let achieved: Double
        public let latency: LatencySummary
        public let failed: Int
        /// Why the step did not meet the SLO ("p99 = 1.234 ms", "achieved 4% below the rate",
        /// "12 errors"); empty when it met it.
        public let missed: [String]

        public var met: Bool { missed.isEmpty }

        /// "met", or "missed (p99 = 1.234 ms)", with the saturation caveat: how every report of a
        /// step ends.
        public var verdict: String {
            (met ? "met" : "missed (\(missed.joined(separator: ", ")))")
                + (clientSaturated ? "; the client was saturated" : "")
        }

        /// The client may have set the pace (`WorkloadResult.saturatedLoops`): a caveat on the step,
        /// not a miss, since whether it met the SLO is still measured (the latency and the achieved
        /// rate show when the client held it back).
        public let clientSaturated: Bool

        public init(
            rate: Int,
            achieved: Double,
            latency: LatencySummary,
            failed: Int,
            missed: [String],
            clientSaturated: Bool = false
        ) {
            self.rate = rate
            self.achieved = achieved
            self.latency = latency
            self.failed = failed
            self.missed = missed
            self.clientSaturated = clientSaturated
        }

        /// The step of `result`, run at `rate`, judged against `slo`.
        public init(rate: Int, result: WorkloadResult, slo: [Threshold]) {
            var missed = ThresholdOutcome.evaluate(slo, results: [result]).filter { !$0.passed }.map(\.detail)
            if result.throughput < Double(rate) * (1 - Settings.rateShortfall) {
                missed.append(
                    "achieved \(Format.grouped(Int(result.throughput.rounded())))/s, "
                        + "\(Format.percent(1 - result.throughput / Double(rate))) below the rate"
                )
            }
            if result.total.failed > 0 { missed.append("\(Format.grouped(result.total.failed)) errors") }
            self.init(
                rate: rate,
                achieved: result.throughput,
                latency: result.total.latency,
                failed: result.total.failed,
                missed: missed,
                clientSaturated: !result.saturatedLoops.isEmpty
            )
        }
    }

    public let settings: Settings
    public private(set) var steps: [Step] = []
    /// The highest rate that met the SLO, and the lowest that did not.
    public private(set) var capacity: Int?
    public private(set) var lowestMissed: Int?

    public init(settings: Settings) { self.settings = settings }

    /// The rate of the next step, or nil when the search is over: `maxSteps` run, the bracket
    /// narrower than `Settings.resolution`, or nothing left below a rate of 1.
    public var nextRate: Int? {
        guard steps.count < settings.maxSteps else { return nil }
        switch (capacity, lowestMissed) {
        case (nil, nil): return settings.startRate
        case (let met?, nil): return met > Int.max / 4 ? nil : met * 2
        case (nil, let missed?): return missed > 1 ? missed / 2 : nil
        case (let met?, let missed?):
            guard Double(missed - met) > Double(met) * Settings.resolution, missed - met > 1 else { return nil }
            return met + (missed - met) / 2
        }
    }

    public mutating func record(_ step: Step) {
        steps.append(step)
        if step.met {
            capacity = max(capacity ?? 0, step.rate)
        } else {
            lowestMissed = min(lowestMissed ?? .max, step.rate)
        }
    }

    /// The search as the report keeps it.
    public var outcome: CapacityOutcome {
        CapacityOutcome(slo: settings.slo.map(\.text), steps: steps, capacity: capacity, lowestMissed: lowestMissed)
    }
}

/// What a capacity search found, for the report: the SLO, every step in the order run, the highest
/// rate that met it (nil when none did) and the lowest that did not.
public struct CapacityOutcome: Sendable {
    public var slo: [String]
    public var steps: [CapacitySearch.Step]
    public var capacity: Int?
    public var lowestMissed: Int?

    public init(slo: [String], steps: [CapacitySearch.Step], capacity: Int?, lowestMissed: Int?) {
        self.slo = slo
        self.steps = steps
        self.capacity = capacity
        self.lowestMissed = lowestMissed
    }

    /// "capacity 41,250/s meeting p99<1ms (82,500/s did not: p99 = 12.3 ms); 9 steps", or that no
    /// step met it.
    public var summary: String {
        let slo = self.slo.joined(separator: ", ")
        let missed = lowestMissed.flatMap { rate in steps.first { $0.rate == rate } }
        let missedText =
            missed.map { "; \(Format.grouped($0.rate))/s did not: \($0.missed.joined(separator: ", "))" } ?? ""
        guard let capacity else {
            return "capacity: no step met \(slo)\(missedText) (\(steps.count) steps)"
        }
        return "capacity \(Format.grouped(capacity))/s meeting \(slo)\(missedText) (\(steps.count) steps)"
    }
}
