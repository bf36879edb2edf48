import IOLoop

/// The options every subcommand shares, read once here for the shared runner and reporter: how long
/// and how fast workloads run (`RunLimits`), `--assert`, `--progress`, `--format` and `--output`.
public struct RunOptions: Sendable {
    public var limits: RunLimits
    public var thresholds: [Threshold]
    /// `--progress`: auto, on or off.
    public var progress: String
    public var output: ReportOutput

    /// Listed after a subcommand's own options; `--help` comes last.
    public static let specs: [OptionSpec] = OptionSpec.runLimits + [.assert, .progress] + ReportOutput.specs + [.help]

    /// `workloads` are the names an `--assert` may prefix (`set.p99<2ms`).
    public init(_ arguments: ParsedArguments, workloads: [String]) throws(UsageError) {
        limits = try RunLimits(arguments)
        progress = try arguments.choice("progress", default: "auto", allowed: ["auto", "on", "off"])
        output = try ReportOutput(arguments)
        thresholds = []
        for expression in arguments.all("assert") {
            thresholds.append(try Threshold(parsing: expression, workloads: workloads, command: arguments.command))
        }
    }

    /// A runner on `loops` with these limits and this progress setting.
    public func runner(loops: IOLoopGroup, style: TerminalStyle, stderrIsTerminal: Bool) -> BenchmarkRunner {
        BenchmarkRunner(
            loops: loops,
            progress: .choose(progress, stderrIsTerminal: stderrIsTerminal),
            style: style,
            limits: limits
        )
    }
}
