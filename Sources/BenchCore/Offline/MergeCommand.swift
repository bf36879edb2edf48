import Glibc

/// `dbbench merge SHARD.json ...`: the result files of the shards of one run (`--shard I/N`) as the
/// report of the whole run, with thresholds evaluated on it and the exit code a single run of it
/// would have.
public enum MergeCommand: Command {
    public static let name = "merge"
    public static let summary = "Merge the result files of a run's shards into the run's report"
    public static let positionalUsage: String? = "SHARD.json [SHARD.json ...]"
    public static let discussion = """
        Each SHARD.json is a file a shard wrote with --shard I/N --format json --output (or a \
        directory of them); --from-log takes them out of a log of shards run with --log-result. They must be one run: the same --run-id, command, server and settings, \
        every shard 0 to N-1 exactly once; otherwise exit 65 naming what differs. Counts, errors and \
        counters are summed and histograms added, so the merged percentiles are exact; the measured \
        interval runs from the first shard's start to the last one's end; a second's latency figures \
        in the per-second series are the largest of the shards'. Under each workload the shards' \
        throughput and how far apart they started. --assert is checked on the merged result, and the \
        exit code is as for a run (1 when a threshold fails).
        """

    static let formatOption = Option.choice(
        "format",
        default: ReportFormat.text,
        help: "The merged run as a table, JSON (as a run writes it), CSV or an HTML page"
    )
    static let outputOption = Option.optionalString(
        "output",
        placeholder: "FILE",
        help: "Write the format to FILE; the table still goes to stdout"
    )

    static let fromLogOption = Option.optionalString(
        "from-log",
        placeholder: "FILE",
        help: "Take the shards' results out of a log their pods printed with --log-result (kubectl logs …; - for "
            + "stdin), instead of or besides SHARD.json files"
    )

    public static let options: [OptionSpec] = [
        fromLogOption.spec, formatOption.spec, outputOption.spec, RunOptions.assert.spec, .help,
    ]

    public static func run(_ arguments: ParsedArguments, environment: [String: String]) async throws -> Int32 {
        let command = arguments.command
        let log = try arguments[fromLogOption]
        guard !arguments.positionals.isEmpty || log != nil else {
            throw UsageError(
                "\(command): name the shards' result files (written with --shard I/N --format json --output), or "
                    + "--from-log FILE"
            )
        }
        let path = try arguments[outputOption]
        if path == "" { throw UsageError("\(command): --output needs a file name") }
        let files =
            try arguments.positionals.flatMap { try ReportCommand.resultFiles(at: $0) }.map {
                try ResultFile.read($0)
            } + (try log.map(LoggedResults.read) ?? [])
        var report = try ShardMerge(files).report
        let workloads = report.results.map { $0.name.lowercased() }
        let thresholds = try (try arguments[RunOptions.assert]).map { (text) throws(UsageError) in
            try Threshold(parsing: text, workloads: workloads, command: command)
        }
        report.thresholds = ThresholdOutcome.evaluate(thresholds, results: report.results)
        report.exitCode = ExitCode.forRun(
            thresholds: report.thresholds,
            interrupted: report.interrupted,
            failures: report.failures
        )
        let output = ReportOutput(format: try arguments[formatOption], path: path)
        try output.checkWritable()
        try output.emit(
            report,
            style: TerminalStyle.forStandardOutput(environment: environment),
            width: TerminalWidth.of(STDOUT_FILENO, environment: environment)
        )
        return report.exitCode
    }
}
