/// `--format html` and `dbbench report`: one self-contained page per report, or for several saved
/// runs one page that puts them side by side and overlays their latency spectra. Everything is in
/// the file (inline style, inline SVG drawn by `SVGChart`, no script), and its Content Security
/// Policy forbids loading anything, so it opens offline and says so if anything ever tried.
public struct HTMLRenderer: ReportRenderer {
    /// One run of the page and the name it is shown under.
    public struct Run: Sendable {
        public let label: String
        public let report: BenchmarkReport

        public init(label: String, report: BenchmarkReport) {
            self.label = label
            self.report = report
        }
    }

    public init() {}

    public func render(_ report: BenchmarkReport) -> String {
        render([Run(label: report.title, report: report)])
    }

    /// The page of `runs`; `preamble` (HTML) goes before them, after the title.
    public func render(_ runs: [Run], preamble: String = "") -> String {
        let title =
            runs.count == 1 ? runs[0].report.title : "dbbench: \(runs.count) runs of \(Self.commands(runs))"
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="dbbench \(HTML.escape(dbbenchVersion))">
            <title>\(HTML.escape(title))</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            <input type="checkbox" id="log-scale" class="toggle"><label for="log-scale" class="toggle">Logarithmic latency axes</label>
            <main>
            <header><h1>\(HTML.escape(title))</h1></header>

            """
        page += preamble
        if runs.count > 1 { page += comparison(runs) }
        for (index, run) in runs.enumerated() { page += section(run, index: index, of: runs.count) }
        page += "<footer><p>Written by dbbench \(HTML.escape(dbbenchVersion)). Latencies in milliseconds; "
        page += "per-second figures are those of the operations that finished in each second.</p></footer>\n"
        return page + "</main>\n</body>\n</html>\n"
    }

    // MARK: Sections

    /// The runs side by side: one table, and per workload the spectra of every run that has it.
    private func comparison(_ runs: [Run]) -> String {
        var html = "<section class=\"comparison\"><h2>Runs compared</h2>\n<table><caption>The runs of this page"
        html +=
            "</caption><thead><tr><th scope=\"col\">run</th><th scope=\"col\">target</th><th scope=\"col\">server</th>"
        html += "<th scope=\"col\">started (UTC)</th><th scope=\"col\">workload</th><th scope=\"col\">ops/s</th>"
        html +=
            "<th scope=\"col\">p50</th><th scope=\"col\">p99</th><th scope=\"col\">p99.9</th><th scope=\"col\">max</th>"
        html += "</tr></thead><tbody>\n"
        for run in runs {
            for result in run.report.results {
                let latency = result.total.latency
                html += "<tr><td>\(HTML.escape(run.label))</td><td>\(HTML.escape(run.report.metadata.target))</td>"
                html += "<td>\(HTML.escape(run.report.metadata.serverVersion))</td>"
                html += "<td>\(HTML.escape(Format.utcTimestamp(run.report.startUnixTime)))</td>"
                html +=
                    "<td>\(HTML.escape(result.name))</td><td>\(Format.grouped(Int(result.throughput.rounded())))</td>"
                html += [latency.p50, latency.p99, latency.p999, latency.max].map {
                    "<td>\(Format.milliseconds($0))</td>"
                }.joined()
                html += "</tr>\n"
            }
        }
        html += "</tbody></table>\n"
        var names: [String] = []
        for run in runs {
            for result in run.report.results where !names.contains(result.name) { names.append(result.name) }
        }
        for (index, name) in names.enumerated() {
            let series = runs.compactMap { run in
                run.report.results.first { $0.name == name }.map {
                    SVGChart.Series(name: run.label, points: Self.spectrum($0.total.histogram))
                }
            }
            html += "<figure><figcaption>\(HTML.escape(name)): latency by percentile, every run</figcaption>"
            html += scaled { scale in
                SVGChart(
                    id: "compare-\(index)-\(scale == .logarithmic ? "log" : "linear")",
                    title: "\(name): latency percentile spectrum of \(series.count) runs",
                    description: "Latency in milliseconds against the percentile on a 1/(1-p) axis for "
                        + series.map(\.name).joined(separator: ", ") + ".",
                    xLabel: "percentile",
                    yLabel: "latency (ms)",
                    series: series,
                    xScale: .percentileSpectrum,
                    yScale: scale,
                    role: "spectrum"
                )
            }
            html += "</figure>\n"
        }
        return html + "</section>\n"
    }

    private func section(_ run: Run, index: Int, of count: Int) -> String {
        let report = run.report
        let metadata = report.metadata
        var html = "<section class=\"run\" id=\"run-\(index)\">"
        if count > 1 { html += "<h2>\(HTML.escape(run.label))</h2>" }
        if report.interrupted {
            html += "<p class=\"fail\">Interrupted: partial results of the workloads that ran until the signal.</p>"
        }
        html += "<dl class=\"facts\">"
        let facts: [(String, String)] = [
            ("target", metadata.target), ("server", metadata.serverVersion),
            ("started", Format.utcTimestamp(report.startUnixTime)),
            ("lasted", Format.fixed(max(0, report.endUnixTime - report.startUnixTime), 1) + " s"),
            ("run id", metadata.runID), ("dbbench", metadata.version), ("exit code", String(report.exitCode)),
        ]
        for (term, value) in facts where !value.isEmpty {
            html += "<div><dt>\(HTML.escape(term))</dt><dd>\(HTML.escape(value))</dd></div>"
        }
        html += "</dl>\n"
        if !report.settings.isEmpty {
            html += "<p class=\"settings\">\(HTML.escape(report.settings.joined(separator: " · ")))</p>\n"
        }
        html += resultTable(report)
        html += thresholds(report)
        if !report.assessments.isEmpty {
            html += "<table><caption>Assessment (the old scripts' ratings)</caption><tbody>"
            for assessment in report.assessments {
                html += "<tr><th scope=\"row\">\(HTML.escape(assessment.metric))</th>"
                html +=
                    "<td>\(HTML.escape(assessment.value))</td><td>\(HTML.escape(assessment.rating.rawValue))</td></tr>"
            }
            html += "</tbody></table>\n"
        }
        if !report.failures.isEmpty {
            html += "<h3>Failed</h3><ul class=\"failures\">"
            html += report.failures.map { "<li class=\"fail\">\(HTML.escape($0.description))</li>" }.joined()
            html += "</ul>\n"
        }
        if !report.footer.isEmpty {
            html += "<ul class=\"footer\">" + report.footer.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>\n"
        }
        for (workloadIndex, result) in report.results.enumerated() {
            html += workload(result, id: "r\(index)-w\(workloadIndex)")
        }
        return html + "</section>\n"
    }

    private func resultTable(_ report: BenchmarkReport) -> String {
        var html = "<table class=\"results\"><caption>Results (latencies in milliseconds)</caption><thead><tr>"
        for header in [
            "workload", "operation", "attempted", "succeeded", "failed", "wall s", "ops/s", "mean", "p50", "p90",
            "p99", "p99.9", "max",
        ] {
            html += "<th scope=\"col\">\(header)</th>"
        }
        html += "</tr></thead><tbody>\n"
        for result in report.results {
            let rows =
                [(result.total, true)] + (result.operations.count > 1 ? result.operations.map { ($0, false) } : [])
            for (operation, isTotal) in rows {
                let latency = operation.latency
                html += "<tr\(isTotal ? " class=\"total\"" : "")><td>\(HTML.escape(result.name))</td>"
                html += "<td>\(isTotal ? "" : HTML.escape(operation.name))</td>"
                html += "<td>\(Format.grouped(operation.attempted))</td><td>\(Format.grouped(operation.succeeded))</td>"
                html += "<td\(operation.failed > 0 ? " class=\"fail\"" : "")>\(Format.grouped(operation.failed))</td>"
                html += "<td>\(Format.fixed(result.wallSeconds, 2))</td>"
                html += "<td>\(result.throughput(of: operation).map { Format.grouped(Int($0.rounded())) } ?? "")</td>"
                html += "<td>\(Format.milliseconds(latency.mean))</td>"
                html += [latency.p50, latency.p90, latency.p99, latency.p999, latency.max].map {
                    "<td>\(Format.milliseconds($0))</td>"
                }.joined()
                html += "</tr>\n"
            }
            for (key, count, perSecond) in result.counterRates {
                html += "<tr class=\"counter\"><td>\(HTML.escape(result.name))</td><td>\(HTML.escape(key.name))</td>"
                html += "<td></td><td>\(Format.grouped(count))</td><td></td><td></td>"
                html += "<td>\(Format.grouped(Int(perSecond.rounded())))</td><td colspan=\"6\"></td></tr>\n"
            }
        }
        return html + "</tbody></table>\n"
    }

    private func thresholds(_ report: BenchmarkReport) -> String {
        guard !report.thresholds.isEmpty else { return "" }
        var html = "<table class=\"thresholds\"><caption>Thresholds (--assert)</caption><thead><tr>"
        html += "<th scope=\"col\">verdict</th><th scope=\"col\">threshold</th><th scope=\"col\">workload</th>"
        html += "<th scope=\"col\">measured</th></tr></thead><tbody>"
        for outcome in report.thresholds {
            html += "<tr><td class=\"\(outcome.passed ? "pass" : "fail")\">\(outcome.passed ? "PASS" : "FAIL")</td>"
            html += "<td>\(HTML.escape(outcome.threshold.text))</td><td>\(HTML.escape(outcome.workload))</td>"
            html += "<td>\(HTML.escape(outcome.detail))</td></tr>"
        }
        return html + "</tbody></table>\n"
    }

    /// A workload's notes and charts.
    private func workload(_ result: WorkloadResult, id: String) -> String {
        var html = "<article class=\"workload\" id=\"\(id)\"><h3>\(HTML.escape(result.name))</h3>"
        let notes = TextRenderer.notes(for: result)
        if !notes.isEmpty {
            html += "<ul class=\"notes\">"
            for note in notes {
                switch note.tone {
                case .plain: html += "<li>\(HTML.escape(note.text))</li>"
                case .warning: html += "<li class=\"warning\">\(HTML.escape(note.text))</li>"
                case .error: html += "<li><span class=\"fail\">error</span> \(HTML.escape(note.text))</li>"
                }
            }
            html += "</ul>"
        }
        html += "<div class=\"charts\">"
        let series = result.series
        let seconds = series.total.indices.map(Double.init)
        func duration(_ index: Int) -> Double { index == series.count - 1 ? max(series.lastEntrySeconds, 0.001) : 1 }
        let throughput = series.total.enumerated().map { Double($0.element.succeeded) / duration($0.offset) }
        /// A chart of one value per second: `chart` names it in the ids ("throughput").
        func perSecond(
            _ chart: String,
            _ name: String,
            of what: String,
            axis: String,
            line: String,
            _ values: [Double]
        ) -> String {
            figure(
                name.prefix(1).uppercased() + name.dropFirst(),
                SVGChart(
                    id: "\(id)-\(chart)",
                    title: "\(result.name): \(name)",
                    description: "\(what) in each of the \(series.count) seconds"
                        + Self.rangeText(values, unit: "per second"),
                    xLabel: "seconds since the connections were started",
                    yLabel: axis,
                    series: [SVGChart.Series(name: line, points: Array(zip(seconds, values)))],
                    role: "per-second",
                    width: Self.gridChartWidth
                ).render()
            )
        }
        html += perSecond(
            "throughput",
            "operations per second",
            of: "Operations that succeeded",
            axis: "operations per second",
            line: "succeeded/s",
            throughput
        )
        if let counted = series.counted, let key = result.counterRates.first?.key {
            let rates = counted.enumerated().map { Double($0.element) / duration($0.offset) }
            html += perSecond(
                "counted",
                "\(key.name) per second",
                of: key.name,
                axis: "\(key.name) per second",
                line: "\(key.name)/s",
                rates
            )
        }
        var latencySeries = [
            SVGChart.Series(name: "p50", points: Array(zip(seconds, series.total.map { Self.ms($0.latency.p50) }))),
            SVGChart.Series(name: "p99", points: Array(zip(seconds, series.total.map { Self.ms($0.latency.p99) }))),
            SVGChart.Series(name: "max", points: Array(zip(seconds, series.total.map { Self.ms($0.latency.max) }))),
        ]
        if series.total.contains(where: { $0.serviceTime != nil }) {
            let points = series.total.map { Self.ms($0.serviceTime?.p99 ?? 0) }
            latencySeries.append(
                SVGChart.Series(name: "service p99", points: Array(zip(seconds, points)), dashed: true)
            )
        }
        html += figure(
            "Latency per second",
            scaled { scale in
                SVGChart(
                    id: "\(id)-latency-\(scale == .logarithmic ? "log" : "linear")",
                    title: "\(result.name): latency per second (p50, p99, max)",
                    description: "p50, p99 and maximum latency in milliseconds of the operations that finished in "
                        + "each of the \(series.count) seconds (0 where none did)"
                        + Self.rangeText(series.total.map { Self.ms($0.latency.p99) }, unit: "ms at p99"),
                    xLabel: "seconds since the connections were started",
                    yLabel: "latency (ms)",
                    series: latencySeries,
                    yScale: scale,
                    role: "per-second",
                    width: Self.gridChartWidth
                )
            }
        )
        let errors = series.total.map { Double($0.failed) }
        html += perSecond(
            "errors",
            "errors per second",
            of: "Operations that failed",
            axis: "failed operations",
            line: "failed",
            errors
        )
        var spectra = [SVGChart.Series(name: "latency", points: Self.spectrum(result.total.histogram))]
        if let service = result.serviceTime {
            spectra.append(SVGChart.Series(name: "service time", points: Self.spectrum(service), dashed: true))
        }
        html += figure(
            "Latency by percentile",
            scaled { scale in
                SVGChart(
                    id: "\(id)-spectrum-\(scale == .logarithmic ? "log" : "linear")",
                    title: "\(result.name): latency percentile spectrum",
                    description: "Latency in milliseconds against the percentile, on an axis where 90%, 99%, 99.9% "
                        + "and 99.99% are equally far apart: p50 \(Format.milliseconds(result.total.latency.p50)), "
                        + "p99 \(Format.milliseconds(result.total.latency.p99)), "
                        + "max \(Format.milliseconds(result.total.latency.max)) ms"
                        + (result.serviceTime == nil ? "" : "; the dashed line is the service time (from the send)"),
                    xLabel: "percentile",
                    yLabel: "latency (ms)",
                    series: spectra,
                    xScale: .percentileSpectrum,
                    yScale: scale,
                    role: "spectrum",
                    width: Self.gridChartWidth
                )
            }
        )
        if let capacity = result.capacity { html += capacityCurve(capacity, of: result, id: id) }
        if let spread = result.operationsPerConnection {
            let points = spread.counts.enumerated().map { (Double($0.offset + 1), Double($0.element)) }
            html += figure(
                "Operations per connection",
                SVGChart(
                    id: "\(id)-spread",
                    title: "\(result.name): operations per connection",
                    description: "Operations started by each of the \(spread.counts.count) connections, fewest first: "
                        + "\(Format.grouped(spread.minimum)) to \(Format.grouped(spread.maximum)), median "
                        + "\(Format.grouped(spread.median))",
                    xLabel: "connections, fewest operations first",
                    yLabel: "operations",
                    series: [SVGChart.Series(name: "operations", points: points)],
                    kind: .bars,
                    role: "spread",
                    width: Self.gridChartWidth
                ).render()
            )
        }
        return html + "</div></article>\n"
    }

    /// `--find-capacity`: p50 and p99 of every step against the rate it achieved, the SLO's latency
    /// limits as dashed lines and the capacity circled — where latency bends upwards.
    private func capacityCurve(_ capacity: CapacityOutcome, of result: WorkloadResult, id: String) -> String {
        let steps = capacity.steps.sorted { $0.rate < $1.rate }
        func points(_ value: (LatencySummary) -> UInt64) -> [(x: Double, y: Double)] {
            steps.map { (x: $0.achieved, y: Self.ms(value($0.latency))) }
        }
        let limits: [(y: Double, label: String)] = capacity.slo.compactMap { text in
            guard
                let slo = try? Threshold(
                    parsing: text,
                    workloads: [result.name.lowercased()],
                    command: "dbbench report"
                ),
                slo.metric.isLatency
            else { return nil }
            return (y: slo.limit / 1000, label: "SLO \(text)")
        }
        let found = capacity.capacity.flatMap { rate in steps.first { $0.rate == rate } }
        let summary = capacity.summary
        return figure(
            "Latency against throughput",
            scaled { scale in
                SVGChart(
                    id: "\(id)-capacity-\(scale == .logarithmic ? "log" : "linear")",
                    title: "\(result.name): latency against throughput, \(steps.count) steps of the capacity search",
                    description:
                        "p50 and p99 latency in milliseconds of each step against the operations per second it "
                        + "achieved; \(summary)",
                    xLabel: "operations per second achieved",
                    yLabel: "latency (ms)",
                    series: [
                        SVGChart.Series(name: "p50", points: points(\.p50)),
                        SVGChart.Series(name: "p99", points: points(\.p99)),
                    ],
                    yScale: scale,
                    role: "capacity",
                    referenceLines: limits,
                    markers: found.map {
                        [(x: $0.achieved, y: Self.ms($0.latency.p99), label: "capacity \(Format.grouped($0.rate))/s")]
                    } ?? [],
                    width: Self.gridChartWidth
                )
            }
        )
    }

    // MARK: Helpers

    private func figure(_ caption: String, _ content: String) -> String {
        "<figure><figcaption>\(HTML.escape(caption))</figcaption>\(content)</figure>"
    }

    /// A latency chart twice, on a linear and on a logarithmic axis; the page's checkbox shows one.
    private func scaled(_ chart: (SVGChart.Scale) -> SVGChart) -> String {
        "<div class=\"scale-linear\">\(chart(.linear).render())</div>"
            + "<div class=\"scale-log\">\(chart(.logarithmic).render())</div>"
    }

    /// The points of a latency spectrum: (percentile, milliseconds) at HdrHistogram's percentile
    /// ticks; the maximum is drawn where one operation in the count lies, not at 100%.
    static func spectrum(_ histogram: LatencyHistogram) -> [(x: Double, y: Double)] {
        guard histogram.totalCount > 0 else { return [] }
        let last = 100 * (1 - 1 / Double(max(2, histogram.totalCount)))
        var points: [(x: Double, y: Double)] = []
        for value in histogram.percentiles(ticksPerHalfDistance: 5) {
            let percentile = min(value.percentileLevelIteratedTo, last)
            if let previous = points.last, percentile <= previous.x { continue }
            points.append((percentile, ms(value.value)))
        }
        points.append((last, ms(histogram.max)))
        if points.count >= 2, points[points.count - 2].x == last { points.remove(at: points.count - 2) }
        return points
    }

    /// The charts of a workload, two a row on a wide page.
    static let gridChartWidth = 640.0

    static func ms(_ microseconds: UInt64) -> Double { Double(microseconds) / 1000 }

    /// ": from 95,000 to 110,000 per second." for a chart's description.
    static func rangeText(_ values: [Double], unit: String) -> String {
        guard let low = values.min(), let high = values.max() else { return "." }
        return ": from \(SVGChart.label(low)) to \(SVGChart.label(high)) \(unit)."
    }

    static func commands(_ runs: [Run]) -> String {
        var commands: [String] = []
        for run in runs where !commands.contains(run.report.metadata.command) {
            commands.append(run.report.metadata.command)
        }
        return commands.joined(separator: " and ")
    }

    /// The page's style: system fonts only, two charts a row on a wide screen, one when printed.
    static let style = """
        :root{color-scheme:light}
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fff}
        main{max-width:1240px;margin:0 auto;padding:8px 24px 32px}
        h1{font-size:22px;margin:8px 0}h2{font-size:19px;margin:28px 0 8px;border-bottom:2px solid #ccc}
        h3{font-size:16px;margin:20px 0 6px}
        .toggle{margin:12px 0 0 24px}label.toggle{margin-left:6px}
        dl.facts{display:flex;flex-wrap:wrap;gap:4px 24px;margin:8px 0}dl.facts div{display:flex;gap:6px}
        dt{color:#555}dd{margin:0;font-weight:600}
        .settings{color:#444}
        table{border-collapse:collapse;margin:10px 0;font-variant-numeric:tabular-nums}
        caption{text-align:left;font-weight:600;padding:4px 0}
        th,td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}
        th:first-child,td:first-child,td:nth-child(2){text-align:left}
        tr.total td{font-weight:600}
        .pass{color:#1a7f37;font-weight:600}.fail{color:#c62828;font-weight:600}.warning{color:#8a5a00}
        ul.notes,ul.footer,ul.failures{margin:4px 0;padding-left:20px}
        .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:12px}
        figure{margin:0;border:1px solid #ddd;border-radius:4px;padding:6px 8px;break-inside:avoid}
        figcaption{font-weight:600;font-size:13px}
        .chart{width:100%;height:auto;display:block}
        .chart text{font-size:13px;fill:#333}.chart .tick{font-size:12px;fill:#555}
        .chart .grid line{stroke:#e6e6e6}.chart .frame{fill:none;stroke:#999}
        .chart .series{fill:none;stroke-width:2;stroke-linejoin:round}.chart .legend line{stroke-width:3}
        .chart .dashed{stroke-dasharray:7 4}
        .chart .reference line{stroke:#c62828;stroke-width:1.5}.chart .reference text{fill:#c62828}
        .chart .marker circle{fill:none;stroke:#111;stroke-width:2}.chart .marker text{font-weight:600}
        .s0{stroke:#1f5fa8}.s1{stroke:#d9480f}.s2{stroke:#2b8a3e}.s3{stroke:#862e9c}
        .s4{stroke:#c2255c}.s5{stroke:#0b7285}.s6{stroke:#5c940d}.s7{stroke:#495057}
        .bars.s0 rect{fill:#1f5fa8}
        #log-scale:checked~main .scale-linear{display:none}
        #log-scale:not(:checked)~main .scale-log{display:none}
        @media print{.toggle{display:none}.charts{grid-template-columns:1fr}body{font-size:11px}main{max-width:none}}
        """
}
