import Glibc

/// `dbbench report RUN.json [RUN.json ...]`: renders saved runs without a server — by default one
/// self-contained HTML page that puts several runs side by side and overlays their spectra.
public enum ReportCommand: Command {
    public static let name = "report"
    public static let summary = "Render saved results as an HTML page with charts, or as a table"
    public static let positionalUsage: String? = "RUN.json [RUN.json ...]"
    public static let discussion = """
        Each RUN.json is a file that dbbench redis or dbbench timescale wrote with --format json \
        --output, or a directory of such files. The HTML page needs no network to open: charts of \
        throughput, latency and errors per second, the latency percentile spectrum (every run's \
        overlaid when there are several), the operations per connection, and the settings, results, \
        thresholds and notes of each run.
        """

    static let formatOption = Option.choice(
        "format",
        default: ReportFormat.html,
        help: "html (several runs on one page), text (each run's table), json or csv (one run)"
    )
    static let outputOption = Option.optionalString(
        "output",
        placeholder: "FILE",
        help: "Write the report to FILE instead of stdout"
    )

    public static let options: [OptionSpec] = [formatOption.spec, outputOption.spec, .help]

    public static func run(_ arguments: ParsedArguments, environment: [String: String]) async throws -> Int32 {
        let command = arguments.command
        let format = try arguments[formatOption]
        let path = try arguments[outputOption]
        if path == "" { throw UsageError("\(command): --output needs a file name") }
        guard !arguments.positionals.isEmpty else {
            throw UsageError(
                "\(command): name at least one result file (written by --format json --output FILE); "
                    + "see '\(command) --help'"
            )
        }
        let files = try arguments.positionals.flatMap { try resultFiles(at: $0) }.map { try ResultFile.read($0) }
        if files.count > 1 && (format == .json || format == .csv) {
            throw UsageError("\(command): --format \(format.rawValue) renders one run; \(files.count) were given")
        }
        let text: String
        switch format {
        case .html:
            text = HTMLRenderer().render(
                files.map { HTMLRenderer.Run(label: label(of: $0, among: files), report: $0.report) }
            )
        case .text:
            let style =
                path == nil ? TerminalStyle.forStandardOutput(environment: environment) : TerminalStyle(enabled: false)
            let width = path == nil ? TerminalWidth.of(STDOUT_FILENO, environment: environment) : nil
            text = files.map { TextRenderer(style: style, width: width).render($0.report) }.joined(separator: "\n")
        case .json, .csv:
            text = format.renderer(style: TerminalStyle(enabled: false)).render(files[0].report)
        }
        if let path {
            let output = ReportOutput(format: format, path: path)
            try output.checkWritable()
            try ReportOutput.writeFile(text, to: path)
        } else {
            try ReportOutput.writeStandardOutput(text)
        }
        return ExitCode.success
    }

    /// `path` itself, or for a directory the `.json` files in it, in name order.
    static func resultFiles(at path: String) throws(ResultFileError) -> [String] {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw ResultFileError(path: path, reason: String(cString: strerror(errno)), kind: .cannotReadInput)
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else { return [path] }
        guard let directory = opendir(path) else {
            throw ResultFileError(path: path, reason: String(cString: strerror(errno)), kind: .cannotReadInput)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".json") && !name.hasPrefix(".") { names.append(name) }
        }
        guard !names.isEmpty else {
            throw ResultFileError(path: path, reason: "a directory without .json result files", kind: .cannotReadInput)
        }
        return names.sorted().map { (path.hasSuffix("/") ? path : path + "/") + $0 }
    }

    /// The file's name, or its path where two files share a name.
    static func label(of file: ResultFile, among files: [ResultFile]) -> String {
        func base(_ path: String) -> String { String(path.split(separator: "/").last ?? Substring(path)) }
        let name = base(file.path)
        return files.filter { base($0.path) == name }.count > 1 ? file.path : name
    }
}
