import Testing

@testable import BenchCore

@Suite("JSON parsing and result files")
struct ResultFileTests {
    @Test func parsesWhatJSONAllows() throws {
        let value = try JSONValue(
            parsing: #" { "a": [1, -2, 3.5, 1e3, true, false, null], "s": "q\"\\\/\n\u00e9\ud83d\ude00", "e": {} } "#
        )
        #expect(
            value["a"]
                == .array([.integer(1), .integer(-2), .number(3.5), .number(1000), .bool(true), .bool(false), .null])
        )
        #expect(value["s"]?.stringValue == "q\"\\/\né😀")
        #expect(value["e"] == .object([]))
        #expect(value["missing"] == nil)
        let large = try JSONValue(parsing: "12345678901234567890")
        #expect(large.intValue == nil && (large.doubleValue ?? 0) > 1.2e19)
    }

    @Test(arguments: [
        ("{\"a\": 1,}", "expected a member name in quotes at line 1, column 9"),
        ("[1 2]", "expected ',' or ']' in an array at line 1, column 4"),
        ("{\n  \"a\": tru }", "expected 'true' at line 2, column 8"),
        ("\"open", "a string without its closing quote at line 1, column 6"),
        ("1 2", "unexpected text after the document at line 1, column 3"),
        ("", "unexpected end of the document at line 1, column 1"),
        ("[01]", "a number with a leading zero at line 1, column 2"),
        ("1e400", "a number out of range at line 1, column 6"),
    ])
    func refusesWhatItDoesNotAllowSayingWhere(text: String, message: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONValue(parsing: text) }
        do {
            _ = try JSONValue(parsing: text)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try JSONValue(parsing: text) }
    }

    /// Written, read back and written again, a report is the same document: nothing is lost or
    /// recomputed from rounded numbers.
    @Test func aRenderedReportReadsBackIntoTheSameDocument() throws {
        let report = RendererTests().report()
        let json = JSONRenderer().render(report)
        let file = try ResultFile(path: "run.json", text: json)
        #expect(JSONRenderer().render(file.report) == json)
        #expect(file.report.results[1].operations.map(\.histogram.totalCount) == [30, 10])
        #expect(file.report.results[0].counter(.rows) == 4_000 && file.report.results[0].rate(of: .rows) == 2_000)
        #expect(
            TextRenderer(style: TerminalStyle(enabled: false)).render(file.report)
                == TextRenderer(style: TerminalStyle(enabled: false)).render(report)
        )
    }

    @Test func resultsComeBackOutOfAPodLog() throws {
        let json = JSONRenderer().render(RendererTests().report())
        // As `kubectl logs --prefix` prints two pods: the table, then the marked result.
        let log = ["dbbench-0", "dbbench-1"].map { pod in
            ("SET  1,000 ...\n" + LoggedResults.block(json)).split(separator: "\n").map {
                "[pod/\(pod)/dbbench] \($0)"
            }.joined(separator: "\n")
        }.joined(separator: "\n")
        let files = try LoggedResults.files(in: log, path: "pods.log")
        #expect(files.count == 2)
        #expect(files.map(\.path) == ["pods.log (result 1)", "pods.log (result 2)"])
        #expect(files.allSatisfy { JSONRenderer().render($0.report) == json })
        // Without prefixes too.
        #expect(try LoggedResults.files(in: LoggedResults.block(json), path: "p").count == 1)
    }

    @Test(arguments: [
        ("no results here\n", "no result between"),
        (LoggedResults.begin + "\n{\"tool\": \"dbbench\"", "without its end line"),
    ])
    func aLogWithoutWholeResultsSaysSo(log: String, message: String) {
        #expect {
            _ = try LoggedResults.files(in: log, path: "pods.log")
        } throws: { error in
            "\(error)".contains(message) && "\(error)".hasPrefix("pods.log: ")
        }
    }

    @Test(arguments: [
        ("[]", "run.json: not a dbbench result (no \"tool\": \"dbbench\"; write one with --format json)"),
        (
            "{\"tool\": \"dbbench\", \"schema_version\": 9}",
            "run.json: schema version 9, newer than this dbbench reads (2)"
        ),
        ("{\"tool\": \"dbbench\"", "run.json: not JSON: expected ',' or '}' in an object at line 1, column 19"),
        (
            "{\"tool\":\"dbbench\",\"schema_version\":2,\"command\":\"redis\",\"target\":\"x\",\"workloads\":[{\"name\":\"SET\","
                + "\"succeeded\":1,\"failed\":0,\"histogram\":{\"lowest_discernible_value\":1,"
                + "\"highest_trackable_value\":3600000000,\"significant_digits\":3,\"buckets\":[]}}]}",
            "run.json: SET: a histogram of other settings than 1 µs..60 s, 3 digits"
        ),
    ])
    func aFileThatIsNotAResultSaysWhy(text: String, message: String) {
        do {
            _ = try ResultFile(path: "run.json", text: text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description == message)
            #expect(ExitCode.for(error) == ExitCode.badInput)
        }
    }

    @Test func aMissingFileIsCode66() {
        do {
            _ = try ResultFile.read("/nonexistent/run.json")
            Issue.record("read a missing file")
        } catch {
            #expect(error.description == "/nonexistent/run.json: No such file or directory")
            #expect(ExitCode.for(error) == ExitCode.cannotOpenInput)
        }
    }

    /// Schema 1 files (before per-second latencies) still render, with their counts per second.
    @Test func schemaOneFilesAreReadWithTheirCounts() throws {
        let report = RendererTests().report()
        var json = JSONRenderer().render(report)
        json = json.replacingFirst("\"schema_version\":2", with: "\"schema_version\":1")
            .replacingFirst("\"per_second\":[]", with: "\"per_second\":[20,20],\"errors_per_second\":[0,1]")
        let file = try ResultFile(path: "old.json", text: json)
        #expect(file.report.results[0].perSecond == [20, 20])
        #expect(file.report.results[0].errorsPerSecond == [0, 1])
    }

    @Test func unixTimesPrintAsUTC() {
        #expect(Format.utcTimestamp(0) == "")
        #expect(Format.utcTimestamp(951_782_400) == "2000-02-29 00:00:00 UTC")
        #expect(Format.utcTimestamp(1_709_164_799.9) == "2024-02-28 23:59:59 UTC")
        #expect(Format.utcTimestamp(1_796_238_472.304) == "2026-12-02 19:07:52 UTC")
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }
}
