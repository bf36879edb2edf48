/// How long each workload runs and how fast operations start: a count of operations (the default),
/// or `--duration` after an optional `--warmup` whose operations are run but not recorded; closed
/// loop (the default) or open loop at `--rate`.
public struct RunLimits: Sendable, Equatable {
    /// When set, connections run until this long after the warm-up, whatever the count.
    public var duration: Duration?
    public var warmup: Duration
    /// When set, operations start on this schedule (open loop).
    public var rate: OpenLoopRate?

    public init(duration: Duration? = nil, warmup: Duration = .zero, rate: OpenLoopRate? = nil) {
        self.duration = duration
        self.warmup = warmup
        self.rate = rate
    }

    /// `--duration`, `--warmup` (which needs `--duration`), `--rate` and `--arrival` (which needs `--rate`).
    public init(_ arguments: ParsedArguments) throws(UsageError) {
        let arrival = try arguments.optionalChoice("arrival", allowed: OpenLoopRate.Arrival.allCases.map(\.rawValue))
        if arguments.isSet("rate") {
            let perSecond = try arguments.integer("rate", default: 1, in: 1...10_000_000)
            rate = OpenLoopRate(perSecond: perSecond, arrival: arrival.flatMap(OpenLoopRate.Arrival.init) ?? .uniform)
        } else if arrival != nil {
            throw UsageError("\(arguments.command): --arrival needs --rate (without a rate the run is closed-loop)")
        }
        duration =
            arguments.raw("duration") == nil
            ? nil : try arguments.duration("duration", default: .seconds(1), in: .milliseconds(10)...(.seconds(86_400)))
        warmup = try arguments.duration("warmup", default: .zero, in: .zero...(.seconds(3600)))
        if warmup > .zero && duration == nil {
            throw UsageError(
                "\(arguments.command): --warmup needs --duration (a warm-up would otherwise use up part of the operation count)"
            )
        }
    }

    /// "closed loop" or "open loop at 5,000/s (poisson)", for the settings line.
    public var loopSummary: String { rate?.label ?? "closed loop" }

    /// "30s after a 5s warm-up", for the settings line.
    public var summary: String? {
        guard let duration else { return nil }
        return "\(DurationParser.format(duration)) per workload"
            + (warmup > .zero ? " after a \(DurationParser.format(warmup)) warm-up" : "")
    }
}

extension OptionSpec {
    /// The options `RunLimits` reads, shared by every subcommand.
    public static let runLimits: [OptionSpec] = [.duration, .warmup, .rate, .arrival]

    /// `--duration`, shared by every subcommand.
    public static let duration = OptionSpec(
        "duration",
        placeholder: "DURATION",
        help: "Run each workload this long (ms, s, m) instead of a number of operations"
    )
    /// `--warmup`, shared by every subcommand.
    public static let warmup = OptionSpec(
        "warmup",
        placeholder: "DURATION",
        default: "0s",
        help: "With --duration: run this long first without recording anything"
    )
}
