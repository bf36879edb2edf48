/// How long each workload runs: a count of operations (the default), or `--duration` after an
/// optional `--warmup` whose operations are run but not recorded.
public struct RunLimits: Sendable, Equatable {
    /// When set, connections run until this long after the warm-up, whatever the count.
    public var duration: Duration?
    public var warmup: Duration

    public init(duration: Duration? = nil, warmup: Duration = .zero) {
        self.duration = duration
        self.warmup = warmup
    }

    /// `--duration` and `--warmup` (which needs `--duration`).
    public init(_ arguments: ParsedArguments) throws(UsageError) {
        duration = arguments.raw("duration") == nil
            ? nil : try arguments.duration("duration", default: .seconds(1), in: .milliseconds(10)...(.seconds(86_400)))
        warmup = try arguments.duration("warmup", default: .zero, in: .zero...(.seconds(3600)))
        if warmup > .zero && duration == nil {
            throw UsageError("\(arguments.command): --warmup needs --duration (a warm-up would otherwise use up part of the operation count)")
        }
    }

    /// "30s after a 5s warm-up", for the settings line.
    public var summary: String? {
        guard let duration else { return nil }
        return "\(DurationParser.format(duration)) per workload" + (warmup > .zero ? " after a \(DurationParser.format(warmup)) warm-up" : "")
    }
}

extension OptionSpec {
    /// `--duration`, shared by every subcommand.
    public static let duration = OptionSpec(
        "duration", placeholder: "DURATION",
        help: "Run each workload this long (ms, s, m) instead of a number of operations")
    /// `--warmup`, shared by every subcommand.
    public static let warmup = OptionSpec(
        "warmup", placeholder: "DURATION", default: "0s",
        help: "With --duration: run this long first without recording anything")
}
