import Foundation
import TestSupport
import Testing

/// Lines longer than `width` characters in `text`.
private func linesLonger(than width: Int, in text: String) -> [String] {
    text.split(separator: "\n").map(String.init).filter { $0.count > width }
}

/// What a new user meets first: the flags the peer tools taught them, a terminal of 80 columns,
/// `--output` into a directory that does not exist yet.
@Suite("First contact", .enabled(if: TestServices.hasRedis, "needs the servers of 'make test'"))
struct FirstContactTests {
    @Test func redisBenchmarksLettersWork() throws {
        let port = String(TestServices.redisPort ?? 0)
        let (result, report) = try CommandRunner.dbbenchJSON([
            "redis", "-h", "127.0.0.1", "-p", port, "-c", "4", "-n", "400", "-P", "4", "-d", "32", "-t", "set",
            "--key-prefix", "dbbench-short:", "--progress", "off",
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(report.configuration["connections"] == "4" && report.configuration["pipeline"] == "4")
        #expect(report.configuration["value-size"] == "32" && report.workload("SET")?.succeeded == 400)
        let password = try CommandRunner.dbbench([
            "redis", "-p", port, "-a", "not-needed", "-t", "set", "-n", "10", "-c", "1", "--progress", "off",
        ])
        #expect(password.stderr.contains("-a puts the password in the process list"), "\(password.stderr)")
        #expect(try CommandRunner.dbbench(["redis", "-h"]).stdout.hasPrefix("Usage: dbbench redis"))
    }

    @Test func pgbenchsLettersWork() throws {
        let environment = TestServices.postgresEnvironment
        let (result, report) = try CommandRunner.dbbenchJSON(
            [
                "timescale", "-h", "127.0.0.1", "-p", environment["DB_PORT"] ?? "", "-U", "postgres", "-d",
                "analytics", "-c", "2", "-j", "1", "-T", "1s", "--tests", "sql", "--sql", "SELECT 1",
                "--progress", "off",
            ],
            environment: ["DB_PASSWORD": TestServices.postgresPassword]
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(report.configuration["threads"] == "1" && report.configuration["duration"] == "1s")
        #expect((report.workload("SQL")?.wallSeconds ?? 0) >= 0.9)
    }

    @Test func hoursAndCompoundDurationsAreAccepted() throws {
        let result = try CommandRunner.dbbench(
            [
                "redis", "--port", String(TestServices.redisPort ?? 0), "--tests", "set", "--duration", "1h2m5s",
                "--connections", "1", "--key-prefix", "dbbench-hours:", "--progress", "off",
            ],
            interruptAfter: 1.5
        )
        #expect(result.exitCode == 130, "\(result.stderr)")
        #expect(result.stdout.contains("1h2m5s per workload"))
    }

    @Test func nothingIsWiderThanEightyColumns() throws {
        let port = String(TestServices.redisPort ?? 0)
        let columns = ["COLUMNS": "80"]
        let redis = try CommandRunner.dbbench(
            [
                "redis", "--port", port, "--tests", "set,get,mixed,connections", "--num-operations", "2000",
                "--connections", "10", "--key-prefix", "dbbench-columns:", "--progress", "on",
            ],
            environment: columns
        )
        #expect(redis.exitCode == 0, "\(redis.stderr)")
        #expect(linesLonger(than: 80, in: redis.stdout).isEmpty, "\(linesLonger(than: 80, in: redis.stdout))")
        let progress = redis.stderr.replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\u{1B}[K", with: "")
        #expect(linesLonger(than: 80, in: progress).isEmpty)
        #expect(redis.stdout.replacingOccurrences(of: "\n", with: " ").contains("left out to fit 80 columns"))
        let timescale = try CommandRunner.dbbench(
            [
                "timescale", "--schema", "dbbench_test_columns", "--tests", "insert,query,connections",
                "--connections", "4", "--inserts-per-connection", "200", "--num-queries", "20", "--progress", "off",
            ],
            environment: TestServices.postgresEnvironment.merging(columns) { $1 }
        )
        #expect(timescale.exitCode == 0, "\(timescale.stderr)")
        #expect(linesLonger(than: 80, in: timescale.stdout).isEmpty, "\(linesLonger(than: 80, in: timescale.stdout))")
        #expect(linesLonger(than: 80, in: timescale.stderr).isEmpty)
        for command in [
            ["--help"], ["redis", "--help"], ["timescale", "--help"], ["report", "--help"], ["compare", "--help"],
        ] {
            let help = try CommandRunner.dbbench(command)
            #expect(linesLonger(than: 80, in: help.stdout).isEmpty, "\(linesLonger(than: 80, in: help.stdout))")
        }
        // Piped without COLUMNS, the table keeps every column.
        let piped = try CommandRunner.dbbench([
            "redis", "--port", port, "--tests", "set", "--num-operations", "100", "--connections", "1",
            "--key-prefix", "dbbench-columns:", "--progress", "off",
        ])
        #expect(piped.stdout.contains("p99.9") && !piped.stdout.contains("left out"))
    }

    @Test func outputIntoADirectoryThatDoesNotExistYet() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dbbench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("new/dir/redis.json").path
        let result = try CommandRunner.dbbench([
            "redis", "--port", String(TestServices.redisPort ?? 0), "--tests", "set", "--num-operations", "100",
            "--connections", "1", "--key-prefix", "dbbench-newdir:", "--progress", "off", "--format", "json",
            "--output", path,
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let report = try RunReport(json: try String(contentsOfFile: path, encoding: .utf8))
        #expect(report.workload("SET")?.succeeded == 100)
    }

    @Test func helpShowsOnlyWhatTheCommandTakes() throws {
        let timescale = try CommandRunner.dbbench(["timescale", "--help"]).stdout
        #expect(!timescale.contains("set.p99") && timescale.contains("-U, --user"))
        #expect(try CommandRunner.dbbench(["--help"]).stdout.contains("73 --output cannot be written"))
    }

    /// A flag in ARGS that the CI target sets too replaces the target's value instead of repeating it.
    @Test func ciTargetsTakeOverridesFromArgs() throws {
        let make = try CommandRunner.run(
            "/usr/bin/make",
            ["-s", "-n", "-C", TestServices.packageRoot.path, "ci-bench-redis", "ARGS=--connections 20 --duration=2s"]
        )
        #expect(make.exitCode == 0, "\(make.stderr)")
        let command = make.stdout.replacingOccurrences(of: "\\\n", with: " ")
        #expect(command.components(separatedBy: "--connections").count == 2, "\(command)")
        #expect(command.components(separatedBy: "--duration").count == 2 && command.contains("--warmup 1s"))
    }
}
