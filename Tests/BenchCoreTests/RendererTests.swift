import Testing

@testable import BenchCore

/// The renderers of one report model, without a server: an INSERT-like workload of 40 batches
/// that wrote 4,000 rows in 2 s, and a two-kind workload.
@Suite("Renderers")
struct RendererTests {
    func report() -> BenchmarkReport {
        let insertShape = testShape(["batch"], counters: [.rows])
        let insert = OperationRecorder(shape: insertShape)
        for _ in 0..<40 {
            insert.recordSuccess(slot: 0, nanoseconds: 2_000_000, queued: 0)
            insert.add(counterSlot: 0, 100)
        }
        let mixedShape = testShape(["SET", "GET"])
        let mixed = OperationRecorder(shape: mixedShape)
        for _ in 0..<30 { mixed.recordSuccess(slot: 0, nanoseconds: 100_000, queued: 0) }
        for _ in 0..<10 { mixed.recordSuccess(slot: 1, nanoseconds: 50_000, queued: 0) }
        mixed.recordFailure(slot: 1, kind: "ERR max number of clients reached")
        var report = BenchmarkReport(
            title: "dbbench test → 127.0.0.1:1",
            settings: ["2 connections"],
            metadata: ReportMetadata(
                command: "timescale",
                target: "127.0.0.1:1",
                serverVersion: "15.0",
                configuration: [("connections", "2")]
            ),
            results: [
                WorkloadResult(
                    name: "INSERT",
                    shape: insertShape,
                    connections: 2,
                    recorders: [insert],
                    wallNanoseconds: 2_000_000_000
                ),
                WorkloadResult(
                    name: "MIXED",
                    shape: mixedShape,
                    connections: 2,
                    recorders: [mixed],
                    wallNanoseconds: 1_000_000_000
                ),
            ]
        )
        report.footer = ["cleanup: dropped schema t"]
        report.failures = [StepFailure(workload: "MIXED", step: .teardown, error: UsageError("read: timed out"))]
        return report
    }

    @Test func textShowsBatchesAsOperationsAndRowsAsARate() throws {
        let text = TextRenderer(style: TerminalStyle(enabled: false)).render(report())
        let lines = text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let insert = try #require(lines.first { $0.first == "INSERT" })
        #expect(insert[1] == "40" && insert[5] == "20")  // 40 batches over 2 s: 20 ops/s
        let rows = try #require(lines.first { $0.first == "rows" })
        #expect(rows == ["rows", "4,000", "2,000"])  // 4,000 rows, 2,000 rows/s
        #expect(lines.contains { $0.first == "SET" } && lines.contains { $0.first == "GET" })
        #expect(text.contains("the rows line: rows counted and rows / wall time"))
        #expect(text.contains("error 1 × ERR max number of clients reached"))
        #expect(text.hasSuffix("cleanup: dropped schema t\n"))
        #expect(text.contains("Failed\n  MIXED teardown: read: timed out\n"))
    }

    @Test func jsonCarriesCountersAndTheirRates() {
        let json = JSONRenderer().render(report())
        #expect(json.hasPrefix("{\"schema_version\":2,\"tool\":\"dbbench\""))
        #expect(json.contains("\"command\":\"timescale\""))
        #expect(json.contains("\"configuration\":{\"connections\":\"2\"}"))
        #expect(json.contains("\"attempted\":40,\"succeeded\":40,\"failed\":0"))
        #expect(json.contains("\"counters\":{\"rows\":4000},\"counters_per_second\":{\"rows\":2000}"))
        #expect(json.contains("\"footer\":[\"cleanup: dropped schema t\"]"))
        #expect(
            json.contains(
                "\"failures\":[{\"workload\":\"MIXED\",\"step\":\"teardown\",\"error\":\"read: timed out\",\"exit_code\":64}]"
            )
        )
        #expect(json.contains("\"errors\":{\"ERR max number of clients reached\":1}"))
    }

    @Test func csvHasATotalLinePerWorkloadAndOnePerKind() {
        let lines = CSVRenderer().render(report()).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        #expect(lines[0].suffix(3) == ["rows_per_second", "unavailable_seconds", "reconnections"])
        #expect(lines.allSatisfy { $0.count == lines[0].count })
        let rows = lines[0].count - 3
        #expect(lines.dropFirst().map { $0[0] + "/" + $0[1] } == ["INSERT/", "MIXED/", "MIXED/SET", "MIXED/GET"])
        #expect(lines[1][4] == "40" && lines[1][rows] == "2000.0")
        #expect(lines[2][rows] == "")  // MIXED counts no rows
        #expect(lines[1].suffix(2) == ["0.000", "0"] && lines[3].suffix(2) == ["", ""])
    }

    @Test func everyFormatHasARenderer() {
        let report = report()
        for format in ReportFormat.allCases {
            #expect(!format.renderer(style: TerminalStyle(enabled: false)).render(report).isEmpty)
        }
    }

    @Test func htmlIsOnePageWithAChartPointPerSecondAndNothingOutside() throws {
        var report = report()
        let entry = SecondStatistics(
            succeeded: 20,
            failed: 0,
            latency: IntervalLatency(p50: 2_000, p90: 2_000, p99: 2_000, max: 2_000)
        )
        report.results[0].series = PerSecondSeries(
            startUnixTime: 1_796_238_472,
            total: [entry, entry],
            operations: [[entry, entry]],
            counted: [2_000, 2_000]
        )
        let html = HTMLRenderer().render(report)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        #expect(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\""))
        for outside in ["src=", "href=", "url(", "<script"] { #expect(!html.contains(outside), "\(outside)") }
        #expect(html.contains("id=\"r0-w0-throughput\""))
        #expect(html.contains("data-series=\"succeeded/s\" data-points=\"2\""))
        #expect(html.contains("data-series=\"rows/s\" data-points=\"2\""))
        #expect(html.contains("<li class=\"fail\">MIXED teardown: read: timed out</li>"))
        #expect(
            html.contains("<td>cleanup: dropped schema t</td>") || html.contains("<li>cleanup: dropped schema t</li>")
        )
        // Text from the run is escaped, not markup.
        var hostile = report
        hostile.title = "<b>&"
        #expect(HTMLRenderer().render(hostile).contains("<title>&lt;b&gt;&amp;</title>"))
    }

    @Test func niceTicksAreRoundAndCoverTheRange() {
        #expect(SVGChart.niceTicks((0, 1_000)) == [0, 200, 400, 600, 800, 1_000])
        #expect(SVGChart.niceTicks((0, 7)) == [0, 2, 4, 6])
        #expect(SVGChart.niceTicks((0, 0.03)) == [0, 0.01, 0.02, 0.03])
        #expect(SVGChart.label(20_000) == "20,000" && SVGChart.label(0.25) == "0.25" && SVGChart.label(2.5) == "2.5")
    }

    @Test func hgrmIsHdrHistogramsPercentileDistribution() throws {
        var histogram = LatencyHistogram.latency()
        for value in 1...1_000 { histogram.recordNanoseconds(UInt64(value) * 1_000) }
        let text = HgrmRenderer.distribution(histogram)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "       Value     Percentile TotalCount 1/(1-Percentile)")
        #expect(lines[1] == "")
        #expect(lines[2] == "       0.001 0.000000000000          1           1.00")
        #expect(lines.contains("       0.500 0.500000000000        500           2.00"))
        #expect(lines.contains("       1.000 1.000000000000       1000"))
        #expect(lines.contains("#[Mean    =        0.500, StdDeviation   =        0.289]"))
        #expect(lines.contains("#[Max     =        1.000, Total count    =         1000]"))
        let files = HgrmRenderer().files(report()).map(\.suffix)
        #expect(files == ["insert.hgrm", "mixed.hgrm", "mixed.set.hgrm", "mixed.get.hgrm"])
    }

    @Test func seriesCSVHasALinePerSecondAndKind() {
        var report = report()
        let entry = SecondStatistics(
            succeeded: 15,
            failed: 1,
            latency: IntervalLatency(p50: 50, p90: 90, p99: 99, max: 100)
        )
        report.results[1].series = PerSecondSeries(
            startUnixTime: 1_796_238_472.5,
            total: [entry],
            operations: [[entry], [entry]]
        )
        let lines = CSVRenderer.series(report).split(separator: "\n")
        #expect(lines.first == Substring(CSVRenderer.seriesHeader))
        #expect(lines.contains("MIXED,,0,1796238472.500,15,1,50,90,99,100,,,,"))
        #expect(lines.contains("MIXED,GET,0,1796238472.500,15,1,50,90,99,100,,,,"))
        #expect(lines.count == 4)
    }
}
