/// Turns the report model into one output format. A new format is a file with its renderer plus a
/// case in `ReportFormat`.
public protocol ReportRenderer: Sendable {
    func render(_ report: BenchmarkReport) -> String
}

/// The formats `--format` offers, and the renderer of each.
public enum ReportFormat: String, CaseIterable, Sendable {
    case text, json, csv, html

    /// The renderer; `style` colours the text table (the other formats have no colour).
    public func renderer(style: TerminalStyle) -> any ReportRenderer {
        switch self {
        case .text: return TextRenderer(style: style)
        case .json: return JSONRenderer()
        case .csv: return CSVRenderer()
        case .html: return HTMLRenderer()
        }
    }
}
