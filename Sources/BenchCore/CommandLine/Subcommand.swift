import Glibc

/// A `dbbench` subcommand (`redis`, `timescale`): its name, options and help, and the backend that
/// its options configure; `RunDriver` does the rest.
public protocol Subcommand: Sendable {
    associatedtype Configured: Backend
    static var name: String { get }
    /// One line for `dbbench --help`.
    static var summary: String { get }
    /// Paragraphs printed between the usage line and the options.
    static var discussion: String { get }
    static var options: [OptionSpec] { get }
    /// The backend the parsed options describe; throws `UsageError` for inconsistent options.
    static func backend(_ arguments: ParsedArguments) throws -> Configured
}

extension Subcommand {
    /// Runs with parsed options and returns the process exit code.
    public static func run(_ arguments: ParsedArguments, environment: [String: String]) async throws -> Int32 {
        try await RunDriver(environment: environment).run(try backend(arguments))
    }
}

extension Subcommand {
    /// `dbbench NAME --help`.
    public static var helpText: String {
        var text = "Usage: dbbench \(name) [options]\n\n\(summary)\n"
        if !discussion.isEmpty { text += "\n\(discussion)\n" }
        text += "\nOptions:\n"
        let width = min(28, (options.map(\.usage.count).max() ?? 0) + 2)
        for option in options {
            var line = "  " + option.usage
            if line.count < width + 2 {
                line += String(repeating: " ", count: width + 2 - line.count)
            } else {
                line += "\n" + String(repeating: " ", count: width + 2)
            }
            var help = option.help
            var notes: [String] = []
            if let value = option.defaultText { notes.append("default: \(value)") }
            if let variable = option.environment { notes.append("env: \(variable)") }
            if !notes.isEmpty { help += " [" + notes.joined(separator: "; ") + "]" }
            text += line + help + "\n"
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
