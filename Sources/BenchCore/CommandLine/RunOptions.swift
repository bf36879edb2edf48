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
    /// A random id naming what this run creates (Redis keys under `<prefix><run-id>:`, PostgreSQL
    /// rows and `application_name`), so that concurrent runs never touch each other's data.
    public var runID: String

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
        RunLimits.specs + [repeatOption.spec, assert.spec, progressOption.spec] + ReportOutput.specs + [.help]

    /// `workloads` are the names an `--assert` may prefix (`set.p99<2ms`); `countingRows` those of
    /// this run that count rows, the only ones a `rows` threshold may apply to.
    public init(_ arguments: ParsedArguments, workloads: [String], countingRows: [String]) throws(UsageError) {
        threads = try arguments[Self.threadsOption]
        connectTimeout = try arguments[Self.connectTimeoutOption]
        limits = try RunLimits(arguments)
        progress = try arguments[Self.progressOption]
        repetitions = try arguments[Self.repeatOption]
        var random = SystemRandomNumberGenerator()
        let bits = random.next() as UInt64
        runID = String(String(bits, radix: 16).suffix(8))
        while runID.count < 8 { runID = "0" + runID }
        output = try ReportOutput(arguments)
        thresholds = []
        for expression in try arguments[Self.assert] {
            thresholds.append(
                try Threshold(
                    parsing: expression,
                    workloads: workloads,
                    countingRows: countingRows,
                    command: arguments.command
                )
            )
        }
    }
}

/// `--progress auto|on|off`.
public enum ProgressSetting: String, CaseIterable, Sendable {
    case auto, on, off
}
