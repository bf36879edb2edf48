import Foundation
import TestSupport
import Testing

/// The top-level rows of the results table, by workload name: [attempted, ok, errors, wall s, ops/s, ...].
func resultRows(_ output: String) -> [String: [String]] {
    var rows: [String: [String]] = [:]
    for line in output.split(separator: "\n") where !line.hasPrefix(" ") {
        let cells = line.split(separator: " ").map(String.init)
        guard cells.count >= 13, Int(cells[1].replacingOccurrences(of: ",", with: "")) != nil else { continue }
        rows[cells[0]] = Array(cells.dropFirst())
    }
    return rows
}

func number(_ cell: String) -> Int? { Int(cell.replacingOccurrences(of: ",", with: "")) }

/// `cmdstat_<command>:calls=N` from INFO commandstats (0 when the command was never called).
func commandCalls(_ command: String) throws -> Int {
    let info = try CommandRunner.redisCLI(["INFO", "commandstats"])
    for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_\(command):calls=") {
        let value = line.dropFirst("cmdstat_\(command):calls=".count).prefix { $0.isNumber }
        return Int(value) ?? 0
    }
    return 0
}

func keys(matching pattern: String) throws -> [String] {
    try CommandRunner.redisCLI(["--scan", "--pattern", pattern]).split(separator: "\n").map(String.init)
}

/// Makes the test server stop answering clients `seconds` from now, for `milliseconds` (CLIENT PAUSE).
func pauseServer(in seconds: Double, forMilliseconds milliseconds: Int) {
    Thread {
        Thread.sleep(forTimeInterval: seconds)
        _ = try? CommandRunner.redisCLI(["CLIENT", "PAUSE", String(milliseconds)])
    }.start()
}

func redisArguments(_ extra: [String], prefix: String) -> [String] {
    ["redis", "--port", String(TestServices.redisPort ?? 0), "--key-prefix", prefix] + extra
}

@Suite(
    "dbbench redis against the real server",
    .serialized,
    .enabled(if: TestServices.hasRedis, "needs the servers of 'make test'")
)
struct RedisCommandTests {
    @Test func setCountsMatchTheServersCommandStats() throws {
        let before = try commandCalls("set")
        let result = try CommandRunner.dbbench(
            redisArguments(
                ["--tests", "set", "--connections", "8", "--num-operations", "12345"],
                prefix: "dbbench-test-set:"
            )
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let after = try commandCalls("set")
        #expect(after - before == 12345)
        let row = try #require(resultRows(result.stdout)["SET"])
        #expect(number(row[0]) == 12345)  // attempted
        #expect(number(row[1]) == 12345)  // succeeded
        #expect(number(row[2]) == 0)  // errors
        #expect((number(row[4]) ?? 0) > 0)  // ops/s
        #expect(try keys(matching: "dbbench-test-set:*").isEmpty)
    }

    @Test func pipelinedSetSendsExactlyTheRequestedOperations() throws {
        let before = try commandCalls("set")
        let result = try CommandRunner.dbbench(
            redisArguments(
                ["--tests", "set", "--connections", "5", "--num-operations", "20001", "--pipeline", "16"],
                prefix: "dbbench-test-pipe:"
            )
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(try commandCalls("set") - before == 20001)
        #expect(number(resultRows(result.stdout)["SET"]?[1] ?? "") == 20001)
        #expect(result.stdout.contains("pipeline 16"))
    }

    @Test func getHitRatioIsCountedFromReplies() throws {
        let getsBefore = try commandCalls("get")
        let setsBefore = try commandCalls("set")
        let full = try CommandRunner.dbbench(
            redisArguments(
                ["--tests", "get", "--connections", "10", "--num-operations", "5000", "--cache-keys", "1000"],
                prefix: "dbbench-test-get:"
            )
        )
        #expect(full.exitCode == 0, "\(full.stderr)")
        #expect(full.stdout.contains("cache hit ratio 100.0% (5,000 hits, 0 misses"))
        #expect(try commandCalls("get") - getsBefore == 5000)
        #expect(try commandCalls("set") - setsBefore == 1000)  // pre-population, one SET per key

        let partial = try CommandRunner.dbbench(
            redisArguments(
                [
                    "--tests", "get", "--connections", "10", "--num-operations", "5000", "--cache-keys", "1000",
                    "--key-range", "4000",
                ],
                prefix: "dbbench-test-get:"
            )
        )
        #expect(partial.exitCode == 0, "\(partial.stderr)")
        let line = try #require(partial.stdout.split(separator: "\n").first { $0.contains("cache hit ratio") })
        let percent = try #require(Double(line.split(separator: " ")[3].dropLast()))
        #expect(percent > 15 && percent < 35, "expected about 25% hits with 1000 of 4000 keys cached: \(line)")
        #expect(try keys(matching: "dbbench-test-get:*").isEmpty)
    }

    @Test func teardownDeletesOnlyTheRunsKeys() throws {
        _ = try CommandRunner.redisCLI(["SET", "keep:me", "1"])
        _ = try CommandRunner.redisCLI(["SET", "dbbench-test-safetyx", "similar name, other prefix"])
        _ = try CommandRunner.redisCLI(["RPUSH", "keep:list", "a"])
        defer { _ = try? CommandRunner.redisCLI(["DEL", "keep:me", "dbbench-test-safetyx", "keep:list"]) }
        let sizeBefore = try CommandRunner.redisCLI(["DBSIZE"])

        let result = try CommandRunner.dbbench(
            redisArguments(
                ["--connections", "6", "--num-operations", "3000", "--cache-keys", "500"],
                prefix: "dbbench-test-safety:"
            )
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        for workload in ["SET", "GET", "MIXED", "CONNECTIONS"] {
            #expect(resultRows(result.stdout)[workload] != nil, "no \(workload) row in:\n\(result.stdout)")
        }
        #expect(try keys(matching: "dbbench-test-safety:*").isEmpty)
        #expect(try CommandRunner.redisCLI(["GET", "keep:me"]) == "1")
        #expect(try CommandRunner.redisCLI(["EXISTS", "dbbench-test-safetyx"]) == "1")
        #expect(try CommandRunner.redisCLI(["LLEN", "keep:list"]) == "1")
        #expect(try CommandRunner.redisCLI(["DBSIZE"]) == sizeBefore)
    }

    @Test func mixedRunsAllFiveCommands() throws {
        let commands = ["set", "get", "incr", "lpush", "hset"]
        let before = try commands.map(commandCalls)
        let result = try CommandRunner.dbbench(
            redisArguments(
                ["--tests", "mixed", "--connections", "4", "--num-operations", "10000"],
                prefix: "dbbench-test-mixed:"
            )
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let deltas = try zip(commands.map(commandCalls), before).map { $0 - $1 }
        #expect(deltas.reduce(0, +) == 10000)
        for delta in deltas { #expect(delta > 1500 && delta < 2500, "expected about 20% each: \(deltas)") }
        #expect(try keys(matching: "dbbench-test-mixed:*").isEmpty)
    }

    @Test func connectionTestHoldsEveryConnection() throws {
        let result = try CommandRunner.dbbench(
            redisArguments(
                ["--tests", "connections", "--connections", "40"],
                prefix: "dbbench-test-conn:"
            )
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("40 of 40 connections opened and held at once; 40 answered PING"))
        let row = try #require(resultRows(result.stdout)["CONNECTIONS"])
        #expect(number(row[1]) == 40)  // the PINGs; connects are timed before the measured interval
        let connectRow = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("  connect ") })
        #expect(connectRow.split(separator: " ")[1] == "40")
    }

    @Test func environmentSelectsTheServerAndFlagsWin() throws {
        let port = String(TestServices.redisPort ?? 0)
        let closed = String(TestServices.closedPort())
        let viaEnvironment = try CommandRunner.dbbench(
            [
                "redis", "--tests", "set", "--connections", "2", "--num-operations", "10", "--key-prefix",
                "dbbench-test-env:",
            ],
            environment: ["REDIS_HOST": "127.0.0.1", "REDIS_PORT": port]
        )
        #expect(viaEnvironment.exitCode == 0, "\(viaEnvironment.stderr)")
        let flagWins = try CommandRunner.dbbench(
            [
                "redis", "--port", port, "--tests", "set", "--connections", "2", "--num-operations", "10",
                "--key-prefix", "dbbench-test-env:",
            ],
            environment: ["REDIS_PORT": closed]
        )
        #expect(flagWins.exitCode == 0, "\(flagWins.stderr)")
        let wrongEnvironment = try CommandRunner.dbbench(
            ["redis", "--tests", "set"],
            environment: ["REDIS_PORT": closed]
        )
        #expect(wrongEnvironment.exitCode == 69)
        #expect(wrongEnvironment.stderr.contains("127.0.0.1:\(closed)"))
    }

    @Test func thresholdsSetTheExitCode() throws {
        let passing = try CommandRunner.dbbench(
            redisArguments(
                [
                    "--tests", "set,get", "--connections", "4", "--num-operations", "2000",
                    "--assert", "errors==0", "--assert", "ops>=1", "--assert", "get.p99<30s",
                ],
                prefix: "dbbench-test-assert:"
            )
        )
        #expect(passing.exitCode == 0, "\(passing.stderr)")
        #expect(passing.stdout.contains("all 5 passed"))
        let failing = try CommandRunner.dbbench(
            redisArguments(
                [
                    "--tests", "set", "--connections", "4", "--num-operations", "2000",
                    "--assert", "errors==0", "--assert", "set.p50<1us",
                ],
                prefix: "dbbench-test-assert:"
            )
        )
        #expect(failing.exitCode == 1)
        #expect(failing.stdout.contains("PASS  errors==0"))
        #expect(failing.stdout.contains("FAIL  set.p50<1us  SET p50 = "))
        #expect(try keys(matching: "dbbench-test-assert:*").isEmpty)
    }

    @Test func interruptionPrintsPartialResultsAndCleansUp() throws {
        let result = try CommandRunner.dbbench(
            redisArguments(
                ["--tests", "mixed,set", "--connections", "8", "--num-operations", "100000000", "--progress", "off"],
                prefix: "dbbench-test-int:"
            ),
            timeout: 60,
            interruptAfter: 1.5
        )
        #expect(result.exitCode == 130, "\(result.stderr)")
        #expect(result.stdout.contains("INTERRUPTED: partial results"))
        let row = try #require(resultRows(result.stdout)["MIXED*"], "no MIXED* row:\n\(result.stdout)")
        let succeeded = try #require(number(row[1]))
        #expect(succeeded > 0 && succeeded < 100_000_000)
        #expect(number(row[2]) == 0)  // operations in flight were allowed to finish
        #expect(resultRows(result.stdout)["SET"] == nil && resultRows(result.stdout)["SET*"] == nil)  // never started
        #expect(try keys(matching: "dbbench-test-int:*").isEmpty)
        #expect(result.seconds < 15)
        #expect(result.stderr.isEmpty, "--progress off prints nothing: \(result.stderr)")
    }

    @Test func aStopThatWaitsForAPausedServerSaysHowToQuitAtOnce() throws {
        // The server stops answering a second into the run, for 4 s; the signal comes half a second later.
        pauseServer(in: 1.0, forMilliseconds: 4000)
        let result = try CommandRunner.dbbench(
            redisArguments(
                ["--tests", "set", "--connections", "4", "--num-operations", "100000000", "--progress", "off"],
                prefix: "dbbench-test-stuck:"
            ),
            timeout: 60,
            interruptAfter: 1.5
        )
        #expect(result.exitCode == 130, "\(result.stderr)")
        #expect(result.stderr.contains("dbbench: stopping: waiting for the operations in flight"), "\(result.stderr)")
        #expect(result.stderr.contains("interrupt again to quit at once, without cleanup"))
        #expect(result.stdout.contains("INTERRUPTED: partial results"))
        #expect(result.seconds > 4 && result.seconds < 15, "took \(result.seconds) s")  // waited for the pause to end
        #expect(try keys(matching: "dbbench-test-stuck:*").isEmpty)  // and then cleaned up
    }

    @Test func durationEndsTheRunOnTime() throws {
        let setsBefore = try commandCalls("set")
        let result = try CommandRunner.dbbench(
            redisArguments(
                [
                    "--tests", "set", "--connections", "8", "--duration", "1500ms", "--warmup", "500ms", "--progress",
                    "off",
                ],
                prefix: "dbbench-test-duration:"
            )
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let row = try #require(resultRows(result.stdout)["SET"])
        let wall = try #require(Double(row[3]))
        #expect(wall >= 1.5 && wall < 1.6, "wall \(wall)")
        let measured = try #require(number(row[1]))
        #expect(measured > 1000)
        // The warm-up's SETs reached the server but are not in the results.
        #expect(try commandCalls("set") - setsBefore > measured)
        #expect(result.seconds < 2 + 3, "took \(result.seconds) s")  // 2 s of load plus start-up and teardown
        #expect(result.stdout.contains("1500ms per workload after a 500ms warm-up"))
        #expect(try keys(matching: "dbbench-test-duration:*").isEmpty)
    }

    @Test func openLoopChargesAPausedServerToTheOperationsScheduledBehindIt() throws {
        // 1000 SETs/s over 2 connections for 3 s; a second in, the server stops answering for 600 ms.
        pauseServer(in: 1.2, forMilliseconds: 600)
        let result = try CommandRunner.dbbench(
            redisArguments(
                [
                    "--tests", "set", "--connections", "2", "--rate", "1000", "--duration", "3s", "--progress", "off",
                    "--format", "json",
                ],
                prefix: "dbbench-test-rate:"
            )
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let document = try parseJSON(result.stdout)
        try checkDocumentSchema(document)
        let set = try #require((document["workloads"] as? [[String: Any]])?.first)
        #expect((set["open_loop"] as? [String: Any])?["rate_per_second"] as? Int == 1000)
        let latency = try #require(set["latency_us"] as? [String: Any]).compactMapValues { $0 as? Int }
        let service = try #require(set["service_time_us"] as? [String: Any]).compactMapValues { $0 as? Int }
        let succeeded = try #require(set["succeeded"] as? Int)
        #expect(succeeded > 2700 && succeeded <= 3002, "the rate held: \(succeeded) in 3 s")
        // Each connection started its half of the schedule, the pause notwithstanding.
        let spread = try #require(set["operations_per_connection"] as? [String: Int])
        #expect(spread["min"]! + spread["max"]! == set["attempted"] as? Int, "\(spread)")
        #expect(spread["max"]! - spread["min"]! <= 1, "\(spread)")
        // About 600 of the 3000 operations were due during the pause: they start late and their
        // latency, counted from the schedule, includes the wait. Only the two requests sent just
        // before the pause have a long service time.
        let late = try #require(set["late"] as? Int)
        #expect(late > 400, "late starts: \(late)")
        #expect(latency["p95"]! > 200_000, "latency from the schedule: \(latency)")
        #expect(service["p95"]! < 20_000, "service time: \(service)")
        #expect(latency["p95"]! > 10 * service["p95"]!)
        #expect(service["max"]! > 300_000)
        #expect(try keys(matching: "dbbench-test-rate:*").isEmpty)
    }

    @Test func progressLinesWhenStderrIsNotATerminal() throws {
        let result = try CommandRunner.dbbench(
            redisArguments(
                ["--tests", "set", "--connections", "8", "--num-operations", "100000000"],
                prefix: "dbbench-test-progress:"
            ),
            timeout: 60,
            interruptAfter: 2.6
        )
        #expect(result.exitCode == 130)
        let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("progress SET ") }
        #expect(lines.count >= 2, "stderr: \(result.stderr)")
        #expect(lines.first?.hasPrefix("progress SET 1s: ") == true)
        #expect(lines.first?.contains(" of 100,000,000 (") == true)
        #expect(!result.stderr.contains("\u{1B}"))  // no terminal control codes in a log
    }

    @Test func passwordFromTheEnvironmentAndRefusedCredentials() throws {
        let secret = "s3cret-\(UInt32.random(in: 0...UInt32.max))"
        _ = try CommandRunner.redisCLI(["CONFIG", "SET", "requirepass", secret])
        defer {
            _ = try? CommandRunner.redisCLI(["-a", secret, "--no-auth-warning", "CONFIG", "SET", "requirepass", ""])
        }
        let arguments = [
            "redis", "--port", String(TestServices.redisPort ?? 0), "--tests", "set,connections",
            "--connections", "3", "--num-operations", "30", "--key-prefix", "dbbench-test-auth:",
        ]

        let accepted = try CommandRunner.dbbench(arguments, environment: ["REDIS_PASSWORD": secret])
        #expect(accepted.exitCode == 0, "\(accepted.stderr)")
        #expect(accepted.stdout.contains("3 of 3 connections opened"))
        #expect(!accepted.stdout.contains(secret) && !accepted.stderr.contains(secret))

        let refused = try CommandRunner.dbbench(arguments, environment: ["REDIS_PASSWORD": secret + "-wrong"])
        #expect(refused.exitCode == 77)
        #expect(refused.stderr.contains("refused authentication"))
        #expect(!refused.stderr.contains(secret) && !refused.stdout.contains(secret))

        let missing = try CommandRunner.dbbench(arguments)
        #expect(missing.exitCode == 77, "\(missing.stderr)")
        #expect(missing.stderr.contains("NOAUTH"))
    }
}

@Suite("dbbench command line")
struct CommandLineTests {
    @Test func versionAndHelp() throws {
        let version = try CommandRunner.dbbench(["--version"])
        #expect(version.exitCode == 0)
        #expect(version.stdout.hasPrefix("dbbench "))
        let help = try CommandRunner.dbbench(["--help"])
        #expect(help.exitCode == 0)
        #expect(help.stdout.contains("redis") && help.stdout.contains("timescale"))
        for arguments in [["help", "redis"], ["redis", "--help"]] {
            let redisHelp = try CommandRunner.dbbench(arguments)
            #expect(redisHelp.exitCode == 0)
            #expect(redisHelp.stdout.contains("--connections N"))
            #expect(redisHelp.stdout.contains("default: 100"))
            #expect(redisHelp.stdout.contains("env: REDIS_PASSWORD"))
        }
    }

    @Test(arguments: [
        (["rdis"], "unknown command 'rdis' (did you mean 'redis'?)"),
        (["redis", "--conections", "5"], "unknown option '--conections' (did you mean '--connections'?)"),
        (["redis", "--connections", "0"], "--connections must be a whole number from 1 to 100000, got '0'"),
        (["redis", "--connections", "-4"], "--connections must be a whole number"),
        (["redis", "--pipeline", "0"], "--pipeline must be a whole number from 1 to 10000, got '0'"),
        (["redis", "--num-operations", "lots"], "--num-operations must be a whole number"),
        (["redis", "--port"], "--port PORT needs a value"),
        (["redis", "--port", "70000"], "--port must be a whole number from 1 to 65535, got '70000'"),
        (["redis", "--tests", "set,gett"], "--tests has unknown item 'gett'"),
        (["redis", "--key-prefix", ""], "--key-prefix must not be empty"),
        (
            ["redis", "--connections", "50", "--num-operations", "10"],
            "--num-operations (10) is smaller than --connections (50)"
        ),
        (["redis", "--timeout", "soon"], "--timeout must be a duration"),
        (["redis", "--threads", "0"], "--threads must be a whole number"),
        (["redis", "--value-size", "20-10"], "--value-size must be a number or MIN-MAX range"),
        (["redis", "--ttl", "-1"], "--ttl must be a whole number"),
        (
            ["redis", "--rate", "1000", "--pipeline", "16"],
            "--rate schedules every request on its own and cannot be combined with --pipeline 16"
        ),
        (["redis", "--arrival", "poisson"], "--arrival needs --rate"),
        (["redis", "--format", "xml"], "--format must be one of text, json, csv, got 'xml'"),
    ])
    func badInputExits64NamingTheProblem(arguments: [String], expected: String) throws {
        let result = try CommandRunner.dbbench(arguments)
        #expect(result.exitCode == 64)
        #expect(result.stderr.contains(expected), "stderr: \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "one line expected: \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func closedPortExits69WithinTheConnectTimeout() throws {
        let port = TestServices.closedPort()
        let result = try CommandRunner.dbbench(["redis", "--port", String(port)], timeout: 30)
        #expect(result.exitCode == 69)
        #expect(result.stderr == "dbbench redis: cannot connect to Redis at 127.0.0.1:\(port): Connection refused\n")
        #expect(result.seconds < 5)
    }

    @Test func unresolvableHostExits69() throws {
        let result = try CommandRunner.dbbench(["redis", "--host", "no-such-host.invalid"], timeout: 60)
        #expect(result.exitCode == 69)
        #expect(result.stderr.contains("cannot resolve no-such-host.invalid"))
    }
}
