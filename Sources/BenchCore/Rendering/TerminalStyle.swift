import Glibc

/// ANSI colours, on only when the stream is a terminal and `NO_COLOR` is not set.
public struct TerminalStyle: Sendable {
    public let enabled: Bool

    public init(enabled: Bool) { self.enabled = enabled }

    /// Colours for stdout: off with `NO_COLOR` (any value) or when stdout is not a terminal.
    public static func forStandardOutput(environment: [String: String]) -> TerminalStyle {
        TerminalStyle(enabled: environment["NO_COLOR"] == nil && isatty(STDOUT_FILENO) == 1)
    }

    public func bold(_ text: String) -> String { wrap(text, "1") }
    public func dim(_ text: String) -> String { wrap(text, "2") }
    public func red(_ text: String) -> String { wrap(text, "31") }
    public func green(_ text: String) -> String { wrap(text, "32") }
    public func yellow(_ text: String) -> String { wrap(text, "33") }

    private func wrap(_ text: String, _ code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

/// Writes to stderr without buffering.
public func writeStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
            if written <= 0 { break }
            offset += written
        }
    }
}

/// True when stderr is a terminal (progress bars go there only then).
public var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
