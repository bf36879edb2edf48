import CLinux
import Glibc

/// How wide output may be: `COLUMNS` when set (as shells export it, and as tests and scripts set it),
/// else the terminal's width; nil when output goes to a file or a pipe, which keeps full lines.
public enum TerminalWidth {
    /// Narrower than this, lines are still cut at this width: a table needs some room.
    public static let narrowest = 40

    public static func of(_ descriptor: Int32, environment: [String: String]) -> Int? {
        if let text = environment["COLUMNS"], let columns = Int(text), columns > 0 { return max(columns, narrowest) }
        let columns = Int(clinux_terminal_columns(descriptor))
        return isatty(descriptor) == 1 && columns > 0 ? max(columns, narrowest) : nil
    }
}

extension Format {
    /// `text` broken at spaces into lines of at most `width` characters (a word longer than that
    /// stands alone), every line after the first indented by `indent` spaces.
    public static func wrap(_ text: String, width: Int?, indent: Int = 2) -> [String] {
        guard let width, text.count > width else { return [text] }
        let leading = String(text.prefix { $0 == " " })
        let continuation = leading + String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = leading
        for word in text.dropFirst(leading.count).split(separator: " ", omittingEmptySubsequences: false) {
            let prefix = line == leading || line == continuation ? "" : " "
            if line.count + prefix.count + word.count > width && line != leading && line != continuation {
                lines.append(line)
                line = continuation + word
            } else {
                line += prefix + word
            }
        }
        lines.append(line)
        return lines
    }
}
