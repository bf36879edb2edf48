import Glibc

/// A `dbbench` subcommand: its name, options and help, and what it does with them. `main` routes to
/// it and turns what it throws into one line and an exit code.
public protocol Command: Sendable {
    static var name: String { get }
    /// One line for `dbbench --help`.
    static var summary: String { get }
    /// Paragraphs printed between the usage line and the options.
    static var discussion: String { get }
    static var options: [OptionSpec] { get }
    /// The peer tool's one-letter forms of some options (none by default).
    static var shortFlags: [ShortFlag] { get }
    /// The words it takes besides options ("RUN.json [RUN.json ...]"); nil (the default) for none.
    static var positionalUsage: String? { get }
    /// Runs with parsed options and returns the process exit code.
    static func run(_ arguments: ParsedArguments, environment: [String: String]) async throws -> Int32
}

extension Command {
    public static var shortFlags: [ShortFlag] { [] }
    public static var positionalUsage: String? { nil }
}

/// A subcommand that measures a server (`redis`, `timescale`): the backend that its options
/// configure; `RunDriver` does the rest.
public protocol Subcommand: Command {
    associatedtype Configured: Backend
    /// The backend the parsed options describe; throws `UsageError` for inconsistent options.
    static func backend(_ arguments: ParsedArguments) throws -> Configured
}

extension Subcommand {
    public static func run(_ arguments: ParsedArguments, environment: [String: String]) async throws -> Int32 {
        try await RunDriver(environment: environment).run(try backend(arguments))
    }
}

extension Command {
    /// `dbbench NAME --help`, its lines at most `width` columns (80 by default).
    public static func helpText(width: Int? = nil) -> String {
        let lineWidth = width ?? 80
        var text = "Usage: dbbench \(name) [options]\(positionalUsage.map { " " + $0 } ?? "")\n\n\(summary)\n"
        if !discussion.isEmpty {
            text +=
                "\n"
                + discussion.split(separator: "\n", omittingEmptySubsequences: false)
                .flatMap { Format.wrap(String($0), width: lineWidth, indent: 0) }.joined(separator: "\n") + "\n"
        }
        text += "\nOptions:\n"
        let usageWidth = min(28, (options.map(\.usage.count).max() ?? 0) + 6)
        // The help of each option wraps in its own column, right of the usage.
        let column = String(repeating: " ", count: usageWidth + 2)
        for option in options {
            let short = shortFlags.first { $0.name == option.name }.map { "-\($0.letter), " } ?? ""
            var line = "  " + short + option.usage
            if line.count < column.count {
                line += String(repeating: " ", count: column.count - line.count)
            } else {
                line += "\n" + column
            }
            var help = option.help
            var notes: [String] = []
            if let value = option.defaultText { notes.append("default: \(value)") }
            if let variable = option.environment {
                notes.append("env: " + ([variable] + option.fallbackEnvironment).joined(separator: ", "))
            }
            if !notes.isEmpty { help += " [" + notes.joined(separator: "; ") + "]" }
            let wrapped = Format.wrap(column + help, width: max(lineWidth, column.count + 20), indent: 0)
            text += line + wrapped.map { String($0.dropFirst(column.count)) }.joined(separator: "\n" + column) + "\n"
        }
        return text
    }
}

/// The version `dbbench --version` prints and the JSON output carries.
public let dbbenchVersion = "0.1.0"

/// The process environment as a dictionary.
public func processEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
        let text = String(cString: entry)
        if let equals = text.firstIndex(of: "=") {
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        pointer += 1
    }
    return result
}
