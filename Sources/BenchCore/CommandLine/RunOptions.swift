import IOLoop

/// The options every subcommand shares, read once here for the driver: I/O threads, the connect
/// timeout, how long and how fast workloads run (`RunLimits`), `--assert`, `--progress`,
/// `--format` and `--output`.
public struct RunOptions: Sendable {
    public var threads: Int
    public var connectTimeout: Duration
    public var limits: RunLimits
    public var thresholds: [Threshold]
    public var progress: ProgressSetting
    public var output: ReportOutput
    /// `--repeat N`: each workload runs N times in a row, and the report keeps every repetition.
    public var repetitions: Int
    /// `--find-capacity`: each workload's highest rate meeting `--slo`, instead of one run.
    public var capacity: CapacitySearch.Settings?
    /// A random id naming what this run creates (Redis keys under `<prefix><run-id>:`, PostgreSQL
    /// rows and `application_name`), so that concurrent runs never touch each other's data.
    public var runID: String
    /// `--shard I/N`: this process is one of N generators of the run.
    public var shard: Shard?
    /// `--phase`: all of a run (the default), or one phase of a distributed run.
    public var phase: RunPhase
    /// What names the data this process writes (Redis keys, PostgreSQL rows and
    /// `application_name`): the run id, with the shard index after it when sharded, so that each
    /// shard's cleanup removes only its own.
    public var dataID: String { shard.map { "\(runID)-\($0.index)" } ?? runID }

    public static let threadsOption = Option.integer(
        "threads",
        default: IOLoopGroup.processorCount,
        defaultLabel: "number of cores",
        in: 1...256,
        help: "I/O loop threads; connections are spread over them round-robin"
    )
    public static let connectTimeoutOption = Option.duration(
        "connect-timeout",
        default: .seconds(5),
        in: .milliseconds(1)...(.seconds(600)),
        help: "How long to wait for a connection before giving up (ms, s, m)"
    )
    public static let assert = Option.repeated(
        "assert",
        placeholder: "EXPR",
        help:
            "A threshold such as 'p99<5ms', 'ops>=50000', 'errors==0', 'error_rate<1%', or for one workload "
            + "'WORKLOAD.p99<2ms' (a name of --tests); repeatable; exit 1 when one fails"
    )
    public static let runIDOption = Option.optionalString(
        "run-id",
        placeholder: "ID",
        help: "Name the run (letters a-f and digits, up to 32) instead of drawing an id: the shards of one run "
            + "share it"
    )
    public static let repeatOption = Option.integer(
        "repeat",
        default: 1,
        in: 1...100,
        help: "Run each workload N times in a row with fresh connections; the report gives the median and "
            + "spread, the JSON every repetition (for dbbench compare)"
    )
    public static let progressOption = Option.choice(
        "progress",
        default: ProgressSetting.auto,
        help: "Progress on stderr: a bar on a terminal, one line per second otherwise (CI logs); off for none"
    )

    public static let findCapacity = Option.flag(
        "find-capacity",
        help: "Find each workload's highest open-loop rate that meets --slo: short steps from --rate (default "
            + "1000) doubling until one misses, then bisecting; the report gives every step and the capacity"
    )
    public static let slo = Option.repeated(
        "slo",
        placeholder: "EXPR",
        help: "With --find-capacity: what a step must meet, as for --assert ('p99<5ms'); repeatable"
    )
    public static let stepDuration = Option.duration(
        "step-duration",
        default: .seconds(2),
        in: .milliseconds(100)...(.seconds(600)),
        help: "With --find-capacity: how long each step runs (after --warmup)"
    )
    public static let maxSteps = Option.integer(
        "max-steps",
        default: 12,
        in: 1...100,
        help: "With --find-capacity: the most steps per workload; the search stops within this many step durations"
    )

    /// `--timeout`, whose default each backend chooses: how long `operation` ("one request") may
    /// wait for `answer` ("its reply").
    public static func ioTimeout(default defaultValue: Duration, operation: String, answer: String) -> Option<Duration>
    {
        Option.duration(
            "timeout",
            default: defaultValue,
            in: .milliseconds(1)...(.seconds(3600)),
            help: "How long \(operation) may wait for \(answer) before it counts as an error"
        )
    }

    /// The connection options, listed after a subcommand's own server options.
    public static let connectionSpecs: [OptionSpec] = [threadsOption.spec, connectTimeoutOption.spec]
    /// Listed after a subcommand's own options; `--help` comes last.
    public static let specs: [OptionSpec] =
        RunLimits.specs + [
            findCapacity.spec, slo.spec, stepDuration.spec, maxSteps.spec, repeatOption.spec, assert.spec,
            runIDOption.spec, Shard.option.spec, Shard.shardsOption.spec, RunPhase.option.spec, progressOption.spec,
        ] + ReportOutput.specs + [.help]

    /// A run id as dbbench draws one or `--run-id` takes: letters a-f and digits, up to 32; with
    /// `shard`, also the id of a shard's data (`<run id>-<index>`, `dataID`).
    public static func isRunID(_ text: String, shard: Bool = false) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        if shard, parts.count == 2, let index = Int(parts[1]), index >= 0, parts[1].allSatisfy(\.isASCII) {
            return isRunID(String(parts[0]))
        }
        return !text.isEmpty && text.utf8.count <= 32
            && text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) }
    }

    /// `workloads` are the names an `--assert` may prefix (`set.p99<2ms`); `countingRows` those of
    /// this run that count rows, the only ones a `rows` threshold may apply to.
    public init(_ arguments: ParsedArguments, workloads: [String], countingRows: [String]) throws(UsageError) {
        threads = try arguments[Self.threadsOption]
        connectTimeout = try arguments[Self.connectTimeoutOption]
        limits = try RunLimits(arguments)
        progress = try arguments[Self.progressOption]
        repetitions = try arguments[Self.repeatOption]
        if let given = try arguments[Self.runIDOption] {
            guard Self.isRunID(given) else {
                throw UsageError(
                    "\(arguments.command): --run-id takes letters a-f and digits, up to 32 (such as 3fa2c1d0), got '\(given)'"
                )
            }
            runID = given
        } else {
            var random = SystemRandomNumberGenerator()
            let bits = random.next() as UInt64
            runID = String(String(bits, radix: 16).suffix(8))
            while runID.count < 8 { runID = "0" + runID }
        }
        shard = try Shard.parse(arguments)
        phase = try arguments[RunPhase.option]
        if phase != .all && !arguments.isSet(Self.runIDOption.spec.name) {
            throw UsageError(
                "\(arguments.command): --phase \(phase.rawValue) needs --run-id ID, the id every phase and shard of the "
                    + "run shares"
            )
        }
        if shard != nil && (phase == .prepare || phase == .cleanup) {
            throw UsageError(
                "\(arguments.command): --phase \(phase.rawValue) is once per run, not per shard: leave out --shard/--shards"
            )
        }
        if let shard, var rate = limits.rate {
            rate.stripe = shard
            limits.rate = rate
        }
        output = try ReportOutput(arguments)
        func parse(_ expressions: [String]) throws(UsageError) -> [Threshold] {
            var parsed: [Threshold] = []
            for expression in expressions {
                parsed.append(
                    try Threshold(
                        parsing: expression,
                        workloads: workloads,
                        countingRows: countingRows,
                        command: arguments.command
                    )
                )
            }
            return parsed
        }
        thresholds = try parse(try arguments[Self.assert])
        capacity = try Self.capacitySettings(arguments, limits: &limits, repetitions: repetitions, parse: parse)
    }

    /// `--find-capacity` and the flags it needs; with it the run is open loop from the start rate.
    private static func capacitySettings(
        _ arguments: ParsedArguments,
        limits: inout RunLimits,
        repetitions: Int,
        parse: ([String]) throws(UsageError) -> [Threshold]
    ) throws(UsageError) -> CapacitySearch.Settings? {
        let command = arguments.command
        let slo = try parse(try arguments[Self.slo])
        guard try arguments[Self.findCapacity] else {
            for flag in ["slo", "step-duration", "max-steps"] where arguments.isSet(flag) {
                throw UsageError("\(command): --\(flag) is for --find-capacity")
            }
            return nil
        }
        if slo.isEmpty {
            throw UsageError("\(command): --find-capacity needs an --slo to meet, such as --slo 'p99<5ms'")
        }
        if limits.duration != nil {
            throw UsageError("\(command): --find-capacity runs steps of --step-duration; leave out --duration")
        }
        if repetitions > 1 { throw UsageError("\(command): --find-capacity and --repeat do not go together") }
        if limits.startAt != nil {
            throw UsageError(
                "\(command): --find-capacity and --start-at do not go together (a search is one generator's)"
            )
        }
        let start = limits.rate ?? OpenLoopRate(perSecond: 1000)
        let settings = CapacitySearch.Settings(
            slo: slo,
            startRate: start.perSecond,
            stepDuration: try arguments[Self.stepDuration],
            maxSteps: try arguments[Self.maxSteps]
        )
        limits.rate = start
        limits.duration = settings.stepDuration
        return settings
    }
}

/// `--phase`: a distributed run's setup and cleanup happen once, not once per shard (Docs/distributed.md).
public enum RunPhase: String, CaseIterable, Sendable {
    /// Prepare, run and clean up in one process (a run of one generator, or shards that share nothing).
    case all
    /// Create what the run's shards share (the benchmark table), run nothing, keep it.
    case prepare
    /// Run this shard's workloads on what `prepare` created, without creating or dropping it;
    /// the shard's own data is removed as after any run.
    case run
    /// Remove what every shard of the run left and what `prepare` created.
    case cleanup

    static let option = Option.choice(
        "phase",
        default: RunPhase.all,
        help: "One phase of a distributed run with --run-id: prepare (create the shared table once), run (the "
            + "shards: create and drop nothing shared), cleanup (remove every shard's leftovers and the table, once)"
    )
}

/// `--progress auto|on|off`.
public enum ProgressSetting: String, CaseIterable, Sendable {
    case auto, on, off
}
