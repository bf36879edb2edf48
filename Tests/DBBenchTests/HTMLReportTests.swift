import Foundation
import TestSupport
import Testing

/// The lines of a chart in a rendered page: each polyline's series name, its declared point count
/// and the coordinate pairs it really has.
struct ChartLines {
    struct Line {
        let series: String
        let declared: Int
        let coordinates: Int
        let dashed: Bool
    }

    let lines: [Line]

    /// The `<svg>` element with `id` in `dom`, or nil.
    init?(id: String, in dom: String) {
        guard let start = dom.range(of: "id=\"\(id)\""),
            let open = dom[..<start.lowerBound].range(of: "<svg", options: .backwards),
            let end = dom[start.upperBound...].range(of: "</svg>")
        else { return nil }
        let svg = String(dom[open.lowerBound..<end.upperBound])
        var lines: [Line] = []
        var rest = Substring(svg)
        while let polyline = rest.range(of: "<polyline") {
            let tagEnd = rest[polyline.upperBound...].range(of: ">")!
            let tag = String(rest[polyline.lowerBound..<tagEnd.upperBound])
            func attribute(_ name: String) -> String {
                guard let value = tag.range(of: " \(name)=\"") else { return "" }
                return String(tag[value.upperBound...].prefix { $0 != "\"" })
            }
            lines.append(
                Line(
                    series: attribute("data-series"),
                    declared: Int(attribute("data-points")) ?? -1,
                    coordinates: attribute("points").split(separator: " ").filter { $0.contains(",") }.count,
                    dashed: attribute("class").contains("dashed")
                )
            )
            rest = rest[tagEnd.upperBound...]
        }
        self.lines = lines
    }
}

/// Where the screenshots go: `results/` of the checkout, which CI keeps.
private let resultsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("results").path

@Suite(
    "HTML report in headless Chromium",
    .enabled(if: TestServices.hasRedis, "needs the servers of 'make test'"),
    .enabled(if: HeadlessChromium.isInstalled, "needs Debian's chromium (make deps installs it)")
)
struct HTMLReportTests {
    @Test func aReportOfTwoRunsOpensOfflineWithAPointPerSecondAndOverlaidSpectra() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dbbench-html-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var documents: [[String: Any]] = []
        for (index, extra) in [[], ["--rate", "3000"]].enumerated() {
            let result = try CommandRunner.dbbench(
                redisArguments(
                    ["--tests", "set,get", "--connections", "6", "--duration", "2500ms", "--format", "json"] + extra
                        + ["--output", directory + "/run\(index + 1).json"],
                    prefix: "dbbench-test-html\(index):"
                )
            )
            #expect(result.exitCode == 0, "\(result.stderr)")
            documents.append(
                try parseJSON(String(contentsOfFile: directory + "/run\(index + 1).json", encoding: .utf8))
            )
        }
        let page = directory + "/report.html"
        let rendered = try CommandRunner.dbbench([
            "report", directory + "/run1.json", directory + "/run2.json", "--output", page,
        ])
        #expect(rendered.exitCode == 0 && rendered.stdout.isEmpty, "\(rendered.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        // Nothing outside the file: no script, stylesheet, image, font or frame to fetch.
        for outside in ["src=", "href=", "url(", "@import", "<script", "<link", "<iframe", "<object"] {
            #expect(!html.contains(outside), "the page refers to something outside it: \(outside)")
        }
        let visit = try HeadlessChromium.open(page, screenshot: resultsDirectory + "/html-report-two-runs.png")
        #expect(visit.console.isEmpty, "\(visit.console)")
        #expect(visit.pageRequests.isEmpty, "\(visit.pageRequests)")

        for (run, document) in documents.enumerated() {
            let workloads = try #require(document["workloads"] as? [[String: Any]])
            #expect(workloads.count == 2)
            for (index, workload) in workloads.enumerated() {
                let seconds = try #require(workload["per_second"] as? [[String: Any]]).count
                #expect(seconds >= 3)
                for chart in ["throughput", "latency-linear", "latency-log", "errors"] {
                    let lines = try #require(ChartLines(id: "r\(run)-w\(index)-\(chart)", in: visit.dom), "\(chart)")
                    #expect(!lines.lines.isEmpty)
                    for line in lines.lines {
                        #expect(line.declared == seconds && line.coordinates == seconds, "\(chart) \(line)")
                    }
                }
                // Open loop: service time beside latency, dashed.
                let spectrum = try #require(ChartLines(id: "r\(run)-w\(index)-spectrum-linear", in: visit.dom))
                #expect(spectrum.lines.map(\.series) == (run == 1 ? ["latency", "service time"] : ["latency"]))
                #expect(spectrum.lines.last?.dashed == (run == 1))
                #expect(spectrum.lines.allSatisfy { $0.coordinates > 10 })
            }
        }
        // The comparison overlays the two runs' spectra of each workload.
        for index in 0..<2 {
            let overlay = try #require(ChartLines(id: "compare-\(index)-linear", in: visit.dom))
            #expect(overlay.lines.map(\.series) == ["run1.json", "run2.json"])
        }
        // Every chart is described for a screen reader and a printout.
        let charts = visit.dom.components(separatedBy: "<svg").count - 1
        #expect(charts >= 2 * 2 * 7 + 2)
        #expect(visit.dom.components(separatedBy: "<title id=").count - 1 == charts)
        #expect(visit.dom.components(separatedBy: "<desc id=").count - 1 == charts)
        #expect(visit.dom.contains("<caption>Results (latencies in milliseconds)</caption>"))
    }

    @Test func formatHTMLWritesThePageAndStillPrintsTheTable() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dbbench-html-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let page = directory + "/new/dir/set.html"
        let result = try CommandRunner.dbbench(
            redisArguments(
                [
                    "--tests", "set", "-n", "3000", "-c", "3", "--format", "html", "--output", page, "--assert",
                    "p99<5s",
                ],
                prefix: "dbbench-test-html-set:"
            )
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("SET") && !result.stdout.contains("<html"))
        let visit = try HeadlessChromium.open(page, screenshot: resultsDirectory + "/html-report-set.png")
        #expect(visit.console.isEmpty && visit.pageRequests.isEmpty, "\(visit.console) \(visit.pageRequests)")
        #expect(visit.dom.contains("<td class=\"pass\">PASS</td><td>p99&lt;5s</td>"))
        let spread = try #require(ChartLines(id: "r0-w0-throughput", in: visit.dom))
        #expect(spread.lines.count == 1)
        #expect(visit.dom.contains("id=\"r0-w0-spread\""))
        #expect(visit.dom.components(separatedBy: "<rect x=").count - 1 >= 3, "a bar per connection")
    }

    /// The checks above can fail: a page that loads an image and logs an error is caught by both.
    @Test func theHarnessSeesWhatABrokenPageLoadsAndLogs() throws {
        let page = FileManager.default.temporaryDirectory.appendingPathComponent("dbbench-broken-\(UUID()).html").path
        defer { try? FileManager.default.removeItem(atPath: page) }
        try """
        <!DOCTYPE html><html><head><title>broken</title></head><body>
        <img src="http://dbbench-probe.invalid/pixel.png">
        <script>console.error("dbbench probe error")</script></body></html>
        """.write(toFile: page, atomically: true, encoding: .utf8)
        let visit = try HeadlessChromium.open(page)
        #expect(visit.pageRequests.contains { $0.contains("dbbench-probe.invalid") }, "\(visit.pageRequests)")
        #expect(visit.console.contains { $0.contains("dbbench probe error") }, "\(visit.console)")
    }
}
