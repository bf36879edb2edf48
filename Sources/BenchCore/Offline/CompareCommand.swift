/// `dbbench compare BASELINE CANDIDATE`: a regression gate from saved results. Each side is a
/// result file (with one or more `--repeat` replicates) or a directory of them; every metric is
/// computed from the files' histograms and counts, and with at least four replicates a side a
/// Mann–Whitney U test decides whether a change is real.
public enum CompareCommand: Command {
    public static let name = "compare"
    public static let summary = "Compare saved results: is the candidate slower than the baseline?"
    public static let positionalUsage: String? = "BASELINE CANDIDATE"
    public static let discussion = """
        BASELINE and CANDIDATE are each a file written with --format json --output, or a directory \
        of them; run both sides with --repeat 4 or more (or four files each) for a significance test. \
        Per workload and metric (ops, p50, p90, p99, p99.9, max, error_rate) it prints both values, the \
        change, its confidence interval, Mann-Whitney's p-value and a verdict. Exit 0 when no \
        --fail-if gate failed, 1 when a gated change is a significant regression beyond its limit, \
        2 when the data cannot decide (too few runs for a change that small).
        """

    static let failIf = Option.repeated(
        "fail-if",
        placeholder: "GATE",
        help: "A change that fails the comparison, such as 'p99>+10%', 'ops<-5%' or 'set.p99>+10%'; repeatable "
            + "[default: \(ComparisonGate.defaults.joined(separator: ", "))]"
    )
    static let alphaOption = Option.string(
        "alpha",
        placeholder: "P",
        default: "0.05",
        help: "Significance level of the Mann-Whitney U test"
    )
    static let noiseOption = Option.string(
        "noise",
        placeholder: "PERCENT",
        default: "5%",
        help: "With fewer than 4 runs a side, changes within this are inconclusive"
    )
    static let allowDifferent = Option.flag(
        "allow-different",
        help: "Compare runs whose settings or server differ (named on stderr)"
    )
    static let formatOption = Option.choice(
        "format",
        default: ComparisonFormat.text,
        help: "The comparison as a table, JSON, or an HTML page overlaying the spectra"
    )
    static let outputOption = Option.optionalString(
        "output",
        placeholder: "FILE",
        help: "Write the comparison to FILE; the table still goes to stdout"
    )

    public static let options: [OptionSpec] = [
        failIf.spec, alphaOption.spec, noiseOption.spec, allowDifferent.spec, formatOption.spec, outputOption.spec,
        .help,
    ]

    /// Settings that do not change what was measured.
    static let irrelevantSettings: Set<String> = [
        "seed", "output", "format", "series", "hgrm", "assert", "progress", "repeat", "key-prefix", "schema",
    ]

    public static func run(_ arguments: ParsedArguments, environment: [String: String]) async throws -> Int32 {
        let command = arguments.command
        guard arguments.positionals.count == 2 else {
            throw UsageError("\(command): give two results, BASELINE and CANDIDATE (files or directories)")
        }
        let alphaText = try arguments[alphaOption]
        guard let alpha = Double(alphaText), alpha > 0, alpha < 1 else {
            throw UsageError("\(command): --alpha must be between 0 and 1, got '\(alphaText)'")
        }
        let noiseText = try arguments[noiseOption]
        guard noiseText.hasSuffix("%"), let noisePercent = Double(noiseText.dropLast()), noisePercent >= 0 else {
            throw UsageError("\(command): --noise must be a percentage such as 5%, got '\(noiseText)'")
        }
        let noise = noisePercent / 100
        let given = try arguments[failIf]
        var gates: [ComparisonGate] = []
        for text in given.isEmpty ? ComparisonGate.defaults : given { gates.append(try ComparisonGate(parsing: text)) }
        let format = try arguments[formatOption]
        let path = try arguments[outputOption]
        if path == "" { throw UsageError("\(command): --output needs a file name") }
        let output = ReportOutput(format: .text, path: path)
        try output.checkWritable()

        let sides = try arguments.positionals.map { side in
            try ReportCommand.resultFiles(at: side).map { try ResultFile.read($0) }
        }
        let differences = settingDifferences(baseline: sides[0], candidate: sides[1])
        if !differences.isEmpty {
            guard arguments.isSet("allow-different") else {
                throw ComparisonRefused(differences: differences)
            }
            for difference in differences {
                writeStandardError("\(command): compared although \(difference) (--allow-different)\n")
            }
        }
        let comparison = Comparison(
            baseline: replicates(sides[0]),
            candidate: replicates(sides[1]),
            alpha: alpha,
            noise: noise
        )
        guard !comparison.rows.isEmpty else {
            throw ComparisonRefused(differences: ["they have no workload in common"])
        }
        var outcomes: [(gate: ComparisonGate, row: MetricComparison, outcome: ComparisonGate.Outcome, detail: String)] =
            []
        for gate in gates {
            for row in comparison.rows
            where row.metric == gate.metric && (gate.workload == nil || gate.workload == row.workload.lowercased()) {
                let judged = gate.judge(row, noise: noise)
                outcomes.append((gate, row, judged.outcome, judged.detail))
            }
        }
        let code: Int32 =
            outcomes.contains { $0.outcome == .failed }
            ? ExitCode.thresholdFailed
            : outcomes.contains { $0.outcome == .undecided } ? ExitCode.undecided : ExitCode.success
        let rendered = ComparisonRenderer(
            baseline: arguments.positionals[0],
            candidate: arguments.positionals[1],
            comparison: comparison,
            gates: outcomes.map { ($0.gate.text, $0.row.workload, $0.outcome, $0.detail) },
            alpha: alpha,
            noise: noise,
            exitCode: code
        )
        let table = rendered.text()
        let formatted: String
        switch format {
        case .text: formatted = table
        case .json: formatted = rendered.json()
        case .html: formatted = rendered.html(baseline: merged(sides[0]), candidate: merged(sides[1]))
        }
        // With --output the file gets the format and stdout the table, as for a run.
        if let path { try ReportOutput.writeFile(formatted, to: path) }
        try ReportOutput.writeStandardOutput(path == nil ? formatted : table)
        return code
    }

    /// Per workload, every replicate of a side: each file's `replicates`, or the file's result.
    static func replicates(_ files: [ResultFile]) -> [(name: String, replicates: [WorkloadResult])] {
        var workloads: [(name: String, replicates: [WorkloadResult])] = []
        for file in files {
            for result in file.report.results {
                let runs = result.replicates.isEmpty ? [result] : result.replicates
                if let index = workloads.firstIndex(where: { $0.name == result.name }) {
                    workloads[index].replicates += runs
                } else {
                    workloads.append((result.name, runs))
                }
            }
        }
        return workloads
    }

    /// A side as one report (the first file's, with every workload's replicates merged), for the
    /// HTML page.
    static func merged(_ files: [ResultFile]) -> BenchmarkReport {
        var report = files[0].report
        report.results = replicates(files).compactMap { workload in
            guard var merged = WorkloadResult(repetitions: workload.replicates) else { return nil }
            if workload.replicates.count > 1 { merged.replicates = workload.replicates }
            return merged
        }
        return report
    }

    /// "--connections differs (baseline 50, candidate 20)" for every setting, target or server
    /// version in which the files differ, within a side or between the sides.
    static func settingDifferences(baseline: [ResultFile], candidate: [ResultFile]) -> [String] {
        guard let reference = baseline.first else { return [] }
        var differences: [String] = []
        func note(_ text: String) { if !differences.contains(text) { differences.append(text) } }
        for file in baseline.dropFirst() + candidate {
            let side = baseline.contains { $0.path == file.path } ? "another baseline file" : "candidate"
            let a = reference.report.metadata
            let b = file.report.metadata
            if a.command != b.command { note("the command differs (baseline \(a.command), \(side) \(b.command))") }
            if a.target != b.target { note("the target differs (baseline \(a.target), \(side) \(b.target))") }
            if a.serverVersion != b.serverVersion {
                note("the server differs (baseline \(a.serverVersion), \(side) \(b.serverVersion))")
            }
            let left = Dictionary(a.configuration, uniquingKeysWith: { first, _ in first })
            let right = Dictionary(b.configuration, uniquingKeysWith: { first, _ in first })
            for key in Set(left.keys).union(right.keys).sorted() where !irrelevantSettings.contains(key) {
                if left[key] != right[key] {
                    note("--\(key) differs (baseline \(left[key] ?? "unset"), \(side) \(right[key] ?? "unset"))")
                }
            }
        }
        return differences
    }
}

/// `dbbench compare --format`.
public enum ComparisonFormat: String, CaseIterable, Sendable {
    case text, json, html
}

/// Runs that cannot be compared as they are: exit 65, naming what differs.
public struct ComparisonRefused: CommandFailure {
    public let differences: [String]
    public var description: String {
        "cannot compare: " + differences.joined(separator: "; ")
            + (differences.contains("they have no workload in common")
                ? "" : "; --allow-different compares them anyway")
    }
    public var kind: FailureKind { .badInput }
}
