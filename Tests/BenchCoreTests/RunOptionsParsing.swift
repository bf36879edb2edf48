@testable import BenchCore

/// The options every subcommand shares, parsed from `arguments` as `dbbench redis` would;
/// `workloads` are the names an `--assert` or `--slo` may prefix.
func parseRunOptions(
    _ arguments: [String],
    environment: [String: String] = [:],
    workloads: [String] = []
) throws(UsageError) -> RunOptions {
    try RunOptions(
        ParsedArguments(
            parsing: arguments,
            specs: RunOptions.connectionSpecs + RunOptions.specs,
            command: "dbbench redis",
            environment: environment
        ),
        workloads: workloads,
        countingRows: []
    )
}
