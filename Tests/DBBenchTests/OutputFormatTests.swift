import BenchCore
import Foundation
import Histogram
import TestSupport
import Testing

/// Parses the JSON a run printed; fails the test when it is not a JSON object.
func parseJSON(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(object as? [String: Any], sourceLocation: sourceLocation)
}

/// Rebuilds a histogram from the `histogram` object of the JSON output, as Docs/output.md describes.
func rebuildHistogram(_ json: [String: Any]) throws -> LatencyHistogram {
    let digits = try #require(json["significant_digits"] as? Int)
    var histogram = LatencyHistogram(
        lowestDiscernibleValue: UInt64(try #require(json["lowest_discernible_value"] as? Int)),
        highestTrackableValue: UInt64(try #require(json["highest_trackable_value"] as? Int)),
        numberOfSignificantValueDigits: try #require(SignificantDigits(rawValue: Int8(digits)))
    )
    for case let pair as [Int] in try #require(json["buckets"] as? [Any]) {
        let recorded = histogram.record(UInt64(pair[0]), count: UInt64(pair[1]))
        #expect(recorded, "bucket \(pair) is outside the histogram's range")
    }
    return histogram
}

/// Checks a document's top level against the documented schema (Docs/output.md, version 2).
func checkDocumentSchema(_ document: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) throws {
    for key in [
        "schema_version", "tool", "version", "command", "target", "server_version", "run_id", "configuration",
        "interrupted", "title", "settings", "started_at", "ended_at",
        "exit_code", "workloads", "assessment", "thresholds", "footer",
    ] {
        #expect(document[key] != nil, "document lacks \(key)", sourceLocation: sourceLocation)
    }
    for workload in try #require(document["workloads"] as? [[String: Any]], sourceLocation: sourceLocation) {
        try checkWorkloadSchema(workload, sourceLocation: sourceLocation)
    }
}

/// Checks one workload object against the documented schema (Docs/output.md, version 2).
func checkWorkloadSchema(_ workload: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) throws {
    for key in [
        "name", "connections", "wall_seconds", "interrupted", "attempted", "succeeded", "failed",
        "throughput_per_second", "errors", "counters", "latency_us", "histogram", "open_loop", "late",
        "service_time_us", "service_time_histogram", "per_second", "operations_per_connection", "notes", "operations",
        "counters_per_second", "not_started", "availability", "nodes", "client", "started_at", "ended_at",
        "per_second_last_entry_seconds",
    ] {
        #expect(workload[key] != nil, "workload lacks \(key)", sourceLocation: sourceLocation)
    }
    let availability = try #require(workload["availability"] as? [String: Any], sourceLocation: sourceLocation)
    for key in ["unavailable_seconds", "outages", "reconnections", "failed_reconnects"] {
        #expect(availability[key] != nil, "availability lacks \(key)", sourceLocation: sourceLocation)
    }
    try checkLatencySchema(workload["latency_us"], sourceLocation: sourceLocation)
    for operation in try #require(workload["operations"] as? [[String: Any]], sourceLocation: sourceLocation) {
        for key in [
            "name", "before_measured_interval", "attempted", "succeeded", "failed", "latency_us", "histogram",
            "per_second",
        ] {
            #expect(operation[key] != nil, "operation lacks \(key)", sourceLocation: sourceLocation)
        }
        try checkLatencySchema(operation["latency_us"], sourceLocation: sourceLocation)
    }
}

func checkLatencySchema(_ value: Any?, sourceLocation: SourceLocation) throws {
    let latency = try #require(value as? [String: Any], sourceLocation: sourceLocation)
    for key in ["count", "mean", "p50", "p90", "p95", "p99", "p99_9", "max"] {
        #expect(latency[key] is NSNumber, "latency_us lacks \(key)", sourceLocation: sourceLocation)
    }
}

@Suite(
    "--format and --output against the real servers",
    .enabled(if: TestServices.hasRedis && TestServices.hasPostgres, "needs the servers of 'make test'")
)
struct OutputFormatTests {
    @Test func redisJSONFollowsTheSchemaAndItsHistogramRoundTrips() throws {
        let result = try CommandRunner.dbbench(
            redisArguments(
                ["--tests", "set,get", "--connections", "4", "--num-operations", "2000", "--format", "json"],
                prefix: "dbbench-test-json:"
            )
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let document = try parseJSON(result.stdout)
        try checkDocumentSchema(document)
        #expect(document["schema_version"] as? Int == 2)
        #expect(document["tool"] as? String == "dbbench")
        #expect(document["version"] as? String == dbbenchVersion)
        #expect(document["command"] as? String == "redis")
        #expect((document["server_version"] as? String)?.isEmpty == false)
        #expect(document["exit_code"] as? Int == 0)
        #expect(document["interrupted"] as? Bool == false)
        let configuration = try #require(document["configuration"] as? [String: String])
        #expect(configuration["connections"] == "4")
        #expect(configuration["num-operations"] == "2000")
        #expect(configuration["password"] == nil)

        let workloads = try #require(document["workloads"] as? [[String: Any]])
        #expect(workloads.map { $0["name"] as? String } == ["SET", "GET"])
        for workload in workloads {
            #expect(workload["attempted"] as? Int == 2000)
            #expect(workload["succeeded"] as? Int == 2000)
            // A fixed count is shared evenly: 500 each over the 4 connections.
            let spread = try #require(workload["operations_per_connection"] as? [String: Any])
            #expect(spread["min"] as? Int == 500 && spread["median"] as? Int == 500 && spread["max"] as? Int == 500)
            #expect(spread["counts"] as? [Int] == [500, 500, 500, 500])
            let histogramJSON = try #require(workload["histogram"] as? [String: Any])
            #expect(histogramJSON["total_count"] as? Int == 2000)
            let rebuilt = try rebuildHistogram(histogramJSON)
            #expect(rebuilt.totalCount == 2000)
            let latency = try #require(workload["latency_us"] as? [String: Any])
            #expect(latency["p99"] as? Int == Int(rebuilt.valueAtPercentile(99)))
            #expect(latency["max"] as? Int == Int(rebuilt.max))
            // Merging two runs' histograms, as a consumer would, doubles every count.
            var merged = rebuilt
            merged.add(rebuilt)
            #expect(merged.totalCount == 4000 && merged.valueAtPercentile(50) == rebuilt.valueAtPercentile(50))
        }
        let counters = try #require(workloads[1]["counters"] as? [String: Int])
        #expect(counters["hits"] == 2000)
    }

    @Test func csvHasAHeaderAndOneRowPerWorkload() throws {
        let result = try CommandRunner.dbbench(
            redisArguments(
                ["--tests", "set,mixed", "--connections", "2", "--num-operations", "500", "--format", "csv"],
                prefix: "dbbench-test-csv:"
            )
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        let header = try #require(lines.first)
        #expect(header.first == "workload" && header.contains("p99_us") && header.last == "reconnections")
        let attempted = try #require(header.firstIndex(of: "attempted"))
        let totals = lines.dropFirst().filter { $0[1].isEmpty }
        #expect(totals.map { String($0[0]) } == ["SET", "MIXED"])
        #expect(totals.allSatisfy { $0[attempted] == "500" })
        // MIXED also gets a row for each of its five commands.
        #expect(lines.dropFirst().filter { $0[0] == "MIXED" && !$0[1].isEmpty }.count == 5)
    }

    @Test func outputFileGetsTheFormatWhileStdoutKeepsTheTable() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dbbench-\(UUID().uuidString).json")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try CommandRunner.dbbench(
            redisArguments(
                [
                    "--tests", "set", "--connections", "2", "--num-operations", "300", "--format", "json",
                    "--output", path, "--assert", "errors==0",
                ],
                prefix: "dbbench-test-output:"
            )
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("dbbench redis → "))  // the table
        #expect(result.stdout.contains("\nSET "))
        let document = try parseJSON(try String(contentsOfFile: path, encoding: .utf8))
        let thresholds = try #require(document["thresholds"] as? [[String: Any]])
        #expect(thresholds.count == 1 && thresholds[0]["passed"] as? Bool == true)
    }
}
