/// How long each workload runs and how fast operations start: a count of operations (the default),
/// or `--duration` after an optional `--warmup` whose operations are run but not recorded; closed
/// loop (the default) or open loop at `--rate`.
public struct RunLimits: Sendable, Equatable {
    /// When set, connections run until this long after the warm-up, whatever the count.
    public var duration: Duration?
    public var warmup: Duration
    /// When set, operations start on this schedule (open loop).
    public var rate: OpenLoopRate?
    /// False with `--no-reconnect`.
    public var reconnect: Bool
    /// `--start-at`, as Unix seconds: when the first workload's measured interval begins. The
    /// driver clears it after the first workload.
    public var startAt: Double?
    /// `--seed`, or one drawn for this run: what every connection's random choices (keys, values,
    /// arrivals) start from, so that a run can be replayed.
    public var seed: UInt64

    public init(
        duration: Duration? = nil,
        warmup: Duration = .zero,
        rate: OpenLoopRate? = nil,
        reconnect: Bool = true,
        seed: UInt64 = 0x5EED_0000,
        startAt: Double? = nil
    ) {
        self.startAt = startAt
        self.duration = duration
        self.warmup = warmup
        self.rate = rate
        self.reconnect = reconnect
        self.seed = seed
    }

    /// True when a lost connection is opened again: in a `--duration` run, which lasts its duration
    /// whatever the server does, unless `--no-reconnect`. A counted run ends a lost connection's share.
    public var reconnects: Bool { reconnect && duration != nil }

    /// `--duration`, `--warmup` (which needs `--duration`), `--rate` and `--arrival` (which needs `--rate`).
    public init(_ arguments: ParsedArguments) throws(UsageError) {
        let arrival = try arguments[Self.arrival]
        if let perSecond = try arguments[Self.rate] {
            rate = OpenLoopRate(perSecond: perSecond, arrival: arrival ?? .uniform)
        } else if arrival != nil {
            throw UsageError("\(arguments.command): --arrival needs --rate (without a rate the run is closed-loop)")
        }
        duration = try arguments[Self.duration]
        warmup = try arguments[Self.warmup]
        reconnect = try !arguments[Self.noReconnect]
        if let text = try arguments[StartTiming.option] {
            guard let time = StartTiming.parseTime(text) else {
                throw UsageError(
                    "\(arguments.command): --start-at takes RFC 3339 (2026-12-03T10:00:00Z) or Unix seconds, got '\(text)'"
                )
            }
            guard time < WallClock.unixTime() + StartTiming.mostAhead else {
                throw UsageError("\(arguments.command): --start-at \(text) is more than a day ahead")
            }
            startAt = time
        }
        if let given = try arguments[Self.seed] {
            seed = UInt64(given)
        } else {
            var system = SystemRandomNumberGenerator()
            seed = UInt64.random(in: 1...999_999_999, using: &system)
        }
        if warmup > .zero && duration == nil {
            throw UsageError(
                "\(arguments.command): --warmup needs --duration (a warm-up would otherwise use up part of the "
                    + "operation count)"
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
            + (reconnect ? "" : ", no reconnect")
    }
}

extension RunLimits {
    public static let duration = Option.optionalDuration(
        "duration",
        in: .milliseconds(10)...(.seconds(86_400)),
        help: "Run each workload this long (ms, s, m) instead of a number of operations"
    )
    public static let warmup = Option.duration(
        "warmup",
        default: .zero,
        in: .zero...(.seconds(3600)),
        help: "With --duration: run this long first without recording anything"
    )
    public static let rate = Option.optionalInteger(
        "rate",
        in: 1...10_000_000,
        help: "Open loop: start N operations per second in total, on a schedule, and count latency from "
            + "the scheduled start (default: closed loop)"
    )
    public static let arrival: Option<OpenLoopRate.Arrival?> = Option.optionalChoice(
        "arrival",
        defaultLabel: "uniform",
        help: "With --rate: evenly spaced starts, or random (Poisson) arrivals with the same mean rate"
    )

    public static let noReconnect = Option.flag(
        "no-reconnect",
        help: "With --duration: end a connection the server closed or stopped answering, instead of opening it "
            + "again with a growing wait (20 ms to 0.5 s) until the duration is over"
    )

    public static let seed = Option.optionalInteger(
        "seed",
        defaultLabel: "a new one per run, printed in the settings",
        in: 0...Int.max,
        help: "Start every random choice (keys, values, arrivals) from N, to replay a run"
    )

    /// The options `RunLimits` reads, shared by every subcommand.
    public static let specs: [OptionSpec] = [
        duration.spec, warmup.spec, rate.spec, arrival.spec, noReconnect.spec, seed.spec, StartTiming.option.spec,
    ]
}
