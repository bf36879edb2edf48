import Glibc

/// `--format text|json|csv|html`, `--output FILE`, `--series FILE` and `--hgrm PREFIX`: where the
/// report goes.
///
/// Without `--output` the chosen format goes to stdout. With it, the format goes to the file and the
/// text report still goes to stdout, so a CI log stays readable while a job keeps the JSON.
public struct ReportOutput: Sendable {
    public let format: ReportFormat
    public let path: String?
    /// The per-second series as CSV (`CSVRenderer.series`).
    public let seriesPath: String?
    /// Where the `.hgrm` files go: each file's name is this followed by `HgrmRenderer`'s suffix.
    public let hgrmPrefix: String?
    /// `--log-result`: the JSON also goes to stdout between `LoggedResults`' markers.
    public let logResult: Bool

    public static let formatOption = Option.choice(
        "format",
        default: ReportFormat.text,
        help: "Results as a table, as JSON (Docs/output.md, with histograms), as CSV or as a self-contained HTML "
            + "page with charts"
    )
    public static let outputOption = Option.optionalString(
        "output",
        placeholder: "FILE",
        help: "Write the results to FILE; the table still goes to stdout"
    )

    public static let seriesOption = Option.optionalString(
        "series",
        placeholder: "FILE",
        help: "Write every second of each workload (counts, p50, p90, p99, max) to FILE as CSV"
    )
    public static let hgrmOption = Option.optionalString(
        "hgrm",
        placeholder: "PREFIX",
        help: "Write each histogram in HdrHistogram's .hgrm text format to PREFIX<workload>[.<operation>].hgrm"
    )

    public static let logResultOption = Option.flag(
        "log-result",
        help: "Also print the JSON result to stdout between marker lines, for dbbench merge --from-log to take "
            + "out of a log (a Kubernetes pod's: Docs/distributed.md)"
    )

    public static let specs: [OptionSpec] = [
        formatOption.spec, outputOption.spec, seriesOption.spec, hgrmOption.spec, logResultOption.spec,
    ]

    public init(_ arguments: ParsedArguments) throws(UsageError) {
        format = try arguments[Self.formatOption]
        path = try arguments[Self.outputOption]
        seriesPath = try arguments[Self.seriesOption]
        hgrmPrefix = try arguments[Self.hgrmOption]
        logResult = try arguments[Self.logResultOption]
        for (flag, value) in [("--output", path), ("--series", seriesPath), ("--hgrm", hgrmPrefix)] where value == "" {
            throw UsageError("\(arguments.command): \(flag) needs a file name")
        }
    }

    public init(
        format: ReportFormat,
        path: String?,
        seriesPath: String? = nil,
        hgrmPrefix: String? = nil,
        logResult: Bool = false
    ) {
        self.logResult = logResult
        self.format = format
        self.path = path
        self.seriesPath = seriesPath
        self.hgrmPrefix = hgrmPrefix
    }

    /// Fails before any load is generated when the file cannot be written (and leaves no empty
    /// file behind when it did not exist); missing parent directories are created, as `mkdir -p`
    /// would (`--output results/redis.json` in a fresh checkout). Only a regular file (or
    /// `/dev/stdout`, `/dev/stderr`) is taken: opening a FIFO without a reader would block for ever,
    /// and a results file is no device.
    public func checkWritable() throws {
        for (flag, file) in files {
            do {
                try Self.checkWritable(file)
            } catch let error as OutputError {
                throw OutputError(path: error.path, reason: error.reason, flag: flag)
            }
        }
    }

    /// The files the options name, with their flags; for `--hgrm` one of the names it makes.
    private var files: [(flag: String, path: String)] {
        [("--output", path), ("--series", seriesPath), ("--hgrm", hgrmPrefix.map { $0 + "set.hgrm" })]
            .compactMap { flag, path in path.map { (flag, $0) } }
    }

    static func checkWritable(_ path: String) throws {
        try Self.createParentDirectories(of: path)
        var status = stat()
        let existed = stat(path, &status) == 0
        if existed && (status.st_mode & S_IFMT) != S_IFREG && path != "/dev/stdout" && path != "/dev/stderr" {
            throw OutputError(path: path, reason: "not a regular file")
        }
        guard let file = fopen(path, "a") else {
            throw OutputError(path: path, reason: String(cString: strerror(errno)))
        }
        fclose(file)
        if !existed { unlink(path) }
    }

    /// Creates the directories above `path` that do not exist yet.
    static func createParentDirectories(of path: String) throws {
        var prefix = ""
        let components = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        for (index, component) in components.enumerated() {
            prefix += (index == 0 ? "" : "/") + component
            guard !component.isEmpty, component != ".", component != ".." else { continue }
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw OutputError(path: path, reason: "cannot create \(prefix): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Prints and writes `report` as asked; `style` colours the table on stdout.
    /// `width` is the terminal's (`TerminalWidth`), for the table only: files keep full lines.
    public func emit(_ report: BenchmarkReport, style: TerminalStyle, width: Int? = nil) throws {
        let table = TextRenderer(style: style, width: width).render(report)
        // The files first: a failure to print the table must not lose the results.
        if let seriesPath { try Self.writeFile(CSVRenderer.series(report), to: seriesPath, flag: "--series") }
        if let hgrmPrefix {
            for file in HgrmRenderer().files(report) {
                try Self.writeFile(file.text, to: hgrmPrefix + file.suffix, flag: "--hgrm")
            }
        }
        if let path {
            try Self.writeFile(format.renderer(style: TerminalStyle(enabled: false)).render(report), to: path)
            try Self.writeStandardOutput(table)
        } else {
            try Self.writeStandardOutput(format == .text ? table : format.renderer(style: style).render(report))
        }
        if logResult { try Self.writeStandardOutput(LoggedResults.block(JSONRenderer().render(report))) }
    }

    /// Writes `text` to the file at `path` that `flag` names, replacing what it held.
    public static func writeFile(_ text: String, to path: String, flag: String = "--output") throws {
        guard let file = fopen(path, "w") else {
            throw OutputError(path: path, reason: String(cString: strerror(errno)), flag: flag)
        }
        let written = fputs(text, file)
        let closed = fclose(file)
        if written < 0 || closed != 0 {
            throw OutputError(path: path, reason: String(cString: strerror(errno)), flag: flag)
        }
    }

    /// Writes `text` to stdout and flushes it; a failure (a full disk, a closed descriptor) is an
    /// error, not results silently lost.
    public static func writeStandardOutput(_ text: String) throws {
        var text = text
        let failure: Int32? = text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return written < 0 ? errno : EIO }
                offset += written
            }
            return nil
        }
        if let failure { throw StandardOutputError(reason: String(cString: strerror(failure))) }
    }
}

/// The results could not be written to stdout.
public struct StandardOutputError: CommandFailure {
    public let reason: String
    public var description: String { "cannot write the results to stdout: \(reason)" }
    public var kind: FailureKind { .cannotWriteStandardOutput }
}

/// The results file could not be written.
public struct OutputError: CommandFailure {
    public let path: String
    public let reason: String
    /// The option that named the file.
    public var flag = "--output"
    public var description: String { "cannot write \(flag) \(path): \(reason)" }
    public var kind: FailureKind { .cannotWriteOutput }
}
