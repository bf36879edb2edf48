import Glibc

/// A `dbbench` subcommand (`redis`, `timescale`): its options, its help, and how it runs.
public protocol Subcommand: Sendable {
    static var name: String { get }
    /// One line for `dbbench --help`.
    static var summary: String { get }
    /// Paragraphs printed between the usage line and the options.
    static var discussion: String { get }
    static var options: [OptionSpec] { get }
    /// Runs with parsed options and returns the process exit code.
    static func run(_ arguments: ParsedArguments, environment: [String: String]) async throws -> Int32
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
            if let value = option.defaultValue { notes.append("default: \(value)") }
            if let variable = option.environment { notes.append("env: \(variable)") }
            if !notes.isEmpty { help += " [" + notes.joined(separator: "; ") + "]" }
            text += line + help + "\n"
        }
        return text
    }
}

/// The version `dbbench --version` prints and the JSON output carries.
public let dbbenchVersion = "0.1.0"

/// Exit codes, following sysexits(3) where one fits.
public enum ExitCode {
    public static let success: Int32 = 0
    /// A threshold failed (`--assert`).
    public static let thresholdFailed: Int32 = 1
    /// Bad command-line input (EX_USAGE).
    public static let usage: Int32 = 64
    /// The server cannot be reached or failed (EX_UNAVAILABLE).
    public static let unavailable: Int32 = 69
    /// dbbench itself failed (EX_SOFTWARE).
    public static let software: Int32 = 70
    /// The server refused the credentials (EX_NOPERM).
    public static let noPermission: Int32 = 77
    /// Interrupted by SIGINT/SIGTERM.
    public static let interrupted: Int32 = 130
}

/// An error that ends the run with a message on stderr and a specific exit code.
public protocol CommandFailure: Error, CustomStringConvertible {
    var exitCode: Int32 { get }
}

/// A server that cannot be used at all (unresolvable host, ...): exit 69.
public struct UnavailableError: CommandFailure {
    public let description: String
    public var exitCode: Int32 { ExitCode.unavailable }

    public init(description: String) { self.description = description }
}

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
