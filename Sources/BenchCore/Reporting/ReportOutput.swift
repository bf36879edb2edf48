import Glibc

/// `--format text|json|csv` and `--output FILE`: where the results go.
///
/// Without `--output` the chosen format goes to stdout. With it, the format goes to the file and the
/// text report still goes to stdout, so a CI log stays readable while a job keeps the JSON.
public struct ReportOutput: Sendable {
    public enum Kind: String, CaseIterable, Sendable { case text, json, csv }

    public let kind: Kind
    public let path: String?

    public static let specs: [OptionSpec] = [
        OptionSpec(
            "format",
            placeholder: "text|json|csv",
            default: "text",
            help: "Results as a table, as JSON (Docs/output.md, with histograms) or as CSV"
        ),
        OptionSpec("output", placeholder: "FILE", help: "Write the results to FILE; the table still goes to stdout"),
    ]

    public init(_ arguments: ParsedArguments) throws(UsageError) {
        kind =
            Kind(rawValue: try arguments.choice("format", default: "text", allowed: Kind.allCases.map(\.rawValue)))
            ?? .text
        path = arguments.optionalString("output")
        if path == "" { throw UsageError("\(arguments.command): --output needs a file name") }
    }

    /// Fails before any load is generated when the file cannot be written (and leaves no empty
    /// file behind when it did not exist).
    public func checkWritable() throws {
        guard let path else { return }
        let existed = access(path, F_OK) == 0
        guard let file = fopen(path, "a") else {
            throw OutputError(path: path, reason: String(cString: strerror(errno)))
        }
        fclose(file)
        if !existed { unlink(path) }
    }

    /// Evaluates `thresholds` into `report`, then prints and writes it; returns the exit code: 130
    /// after a stop signal, else 1 when a threshold failed, else 0.
    public func finish(
        _ report: inout BenchmarkReport,
        thresholds: [Threshold],
        interrupted: Bool,
        style: TerminalStyle,
        metadata: ReportMetadata
    ) throws -> Int32 {
        let thresholdCode = report.check(thresholds)
        let code = interrupted ? ExitCode.interrupted : thresholdCode
        try emit(report, style: style, metadata: metadata, exitCode: code)
        return code
    }

    /// Prints and writes `report` as asked.
    public func emit(_ report: BenchmarkReport, style: TerminalStyle, metadata: ReportMetadata, exitCode: Int32) throws
    {
        let text = { (style: TerminalStyle) in TextReporter(style: style).render(report) }
        let formatted: String
        switch kind {
        case .text: formatted = text(TerminalStyle(enabled: false))
        case .json: formatted = MachineReporter.json(report, metadata: metadata, exitCode: exitCode)
        case .csv: formatted = MachineReporter.csv(report)
        }
        guard let path else {
            print(kind == .text ? text(style) : formatted, terminator: "")
            return
        }
        print(text(style), terminator: "")
        guard let file = fopen(path, "w") else {
            throw OutputError(path: path, reason: String(cString: strerror(errno)))
        }
        let written = fputs(formatted, file)
        let closed = fclose(file)
        if written < 0 || closed != 0 { throw OutputError(path: path, reason: String(cString: strerror(errno))) }
    }
}

/// The results file could not be written (EX_CANTCREAT).
public struct OutputError: CommandFailure {
    public let path: String
    public let reason: String
    public var description: String { "cannot write --output \(path): \(reason)" }
    public var exitCode: Int32 { 73 }
}
