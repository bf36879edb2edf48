import Foundation
import Synchronization
import TestSupport
import Testing

func keys(matching pattern: String, port: Int? = TestServices.redisPort) throws -> [String] {
    try CommandRunner.redisCLI(["--scan", "--pattern", pattern], port: port).split(separator: "\n").map(String.init)
}

func redisArguments(_ extra: [String], prefix: String, port: Int? = TestServices.redisPort) -> [String] {
    ["redis", "--port", String(port ?? 0), "--key-prefix", prefix] + extra
}

/// Runs against the shared Redis server, in parallel with other suites: each test owns its key
/// prefix and asserts only on its own keys and its own report.
@Suite(
    "dbbench redis against the shared server",
    .enabled(if: TestServices.hasRedis, "needs the servers of 'make test'")
)
struct RedisCommandTests {
    @Test func connectionTestHoldsEveryConnection() throws {
        let (result, report) = try CommandRunner.dbbenchJSON(
            redisArguments(["--tests", "connections", "--connections", "40"], prefix: "dbbench-test-conn:")
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let connections = try #require(report.workload("CONNECTIONS"))
        #expect(connections.notes(contain: "40 of 40 connections opened and held at once; 40 answered PING"))
        #expect(connections.succeeded == 40)  // the PINGs; connects are timed before the measured interval
        #expect(connections.operations["connect"] == 40 && connections.operations["PING"] == 40)
    }

    @Test func environmentSelectsTheServerAndFlagsWin() throws {
        let port = String(TestServices.redisPort ?? 0)
        let closed = String(TestServices.closedPort())
        let arguments = [
            "redis", "--tests", "set", "--connections", "2", "--num-operations", "10", "--key-prefix",
            "dbbench-test-env:",
        ]
        let viaEnvironment = try CommandRunner.dbbenchJSON(
            arguments,
            environment: ["REDIS_HOST": "127.0.0.1", "REDIS_PORT": port]
        )
        #expect(viaEnvironment.result.exitCode == 0, "\(viaEnvironment.result.stderr)")
        #expect(viaEnvironment.report.workload("SET")?.succeeded == 10)
        let flagWins = try CommandRunner.dbbenchJSON(arguments + ["--port", port], environment: ["REDIS_PORT": closed])
        #expect(flagWins.result.exitCode == 0, "\(flagWins.result.stderr)")
        #expect(flagWins.report.configuration["port"] == port)
        let wrongEnvironment = try CommandRunner.dbbench(
            ["redis", "--tests", "set"],
            environment: ["REDIS_PORT": closed]
        )
        #expect(wrongEnvironment.exitCode == 69)
        #expect(wrongEnvironment.stderr.contains("127.0.0.1:\(closed)"))
    }

    @Test func thresholdsSetTheExitCode() throws {
        let passing = try CommandRunner.dbbenchJSON(
            redisArguments(
                [
                    "--tests", "set,get", "--connections", "4", "--num-operations", "2000",
                    "--assert", "errors==0", "--assert", "ops>=1", "--assert", "get.p99<30s",
                ],
                prefix: "dbbench-test-assert:"
            )
        )
        #expect(passing.result.exitCode == 0, "\(passing.result.stderr)")
        #expect(passing.report.exitCode == 0)
        #expect(passing.report.thresholds.count == 5 && passing.report.thresholds.allSatisfy { $0.hasSuffix(" true") })
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
        let (result, report) = try CommandRunner.dbbenchJSON(
            redisArguments(
                ["--tests", "mixed,set", "--connections", "8", "--num-operations", "100000000", "--progress", "off"],
                prefix: "dbbench-test-int:"
            ),
            timeout: 60,
            interruptAfter: 1.5
        )
        #expect(result.exitCode == 130, "\(result.stderr)")
        #expect(report.interrupted && report.exitCode == 130)
        let mixed = try #require(report.workload("MIXED"), "no MIXED:\n\(result.stdout)")
        #expect(mixed.interrupted)
        #expect(mixed.succeeded > 0 && mixed.succeeded < 100_000_000)
        #expect(mixed.failed == 0)  // operations in flight were allowed to finish
        #expect(report.workload("SET") == nil)  // never started
        #expect(try keys(matching: "dbbench-test-int:*").isEmpty)
        #expect(result.stderr.isEmpty, "--progress off prints nothing: \(result.stderr)")
    }

    @Test func aPrefixWithGlobCharactersDeletesOnlyItsOwnKeys() throws {
        // `*` followed by a combining mark or a variation selector is one Swift character, but a glob
        // `*` to Redis; neither these foreign keys nor any other may be deleted.
        let foreign = [
            "app:1\u{FE0F}\u{20E3}:user-\(UUID().uuidString)", "#\u{FE0F}\u{20E3}:x-\(UUID().uuidString)",
            "e\u{0301}-\(UUID().uuidString)",
        ]
        for key in foreign { _ = try CommandRunner.redisCLI(["SET", key, "mine"]) }
        defer { _ = try? CommandRunner.redisCLI(["DEL"] + foreign) }
        for prefix in ["*\u{FE0F}\u{20E3}:", "*\u{0301}"] {
            let result = try CommandRunner.dbbench(
                redisArguments(["--tests", "set", "--connections", "2", "--num-operations", "50"], prefix: prefix)
            )
            #expect(result.exitCode == 0, "\(result.stderr)")
        }
        for key in foreign { #expect(try CommandRunner.redisCLI(["GET", key]) == "mine", "\(key) was deleted") }
    }

    @Test func concurrentRunsKeepToTheirOwnKeys() throws {
        // A key that was under the prefix before the runs is not theirs to delete.
        let mine = "dbbench-test-twin:key:1"
        _ = try CommandRunner.redisCLI(["SET", mine, "mine"])
        defer { _ = try? CommandRunner.redisCLI(["DEL", mine]) }
        let arguments = redisArguments(
            ["--tests", "get", "--connections", "4", "--duration", "2s", "--cache-keys", "2000"],
            prefix: "dbbench-test-twin:"
        )
        let runs = Mutex<[Int: (CommandResult, RunReport)]>([:])
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            // The second starts while the first runs, and ends after the first has cleaned up.
            if index == 1 { Thread.sleep(forTimeInterval: 0.7) }
            if let run = try? CommandRunner.dbbenchJSON(arguments, timeout: 60) { runs.withLock { $0[index] = run } }
        }
        let both = runs.withLock { $0 }
        #expect(both.count == 2)
        for (result, report) in both.values {
            #expect(result.exitCode == 0, "\(result.stderr)")
            let get = try #require(report.workload("GET"))
            #expect(get.counters["misses"] == 0 && (get.counters["hits"] ?? 0) > 0, "\(get.counters)")
        }
        #expect(Set(both.values.map(\.1.runID)).count == 2)
        #expect(try CommandRunner.redisCLI(["GET", mine]) == "mine")
        #expect(try keys(matching: "dbbench-test-twin:*") == [mine])
    }

    @Test func hangupStopsLikeInterruptWithPartialResultsAndCleanup() throws {
        let (result, report) = try CommandRunner.dbbenchJSON(
            redisArguments(
                ["--tests", "set", "--connections", "4", "--num-operations", "100000000", "--progress", "off"],
                prefix: "dbbench-test-hup:"
            ),
            timeout: 60,
            interruptAfter: 1.5,
            signal: SIGHUP
        )
        #expect(result.exitCode == 130, "\(result.stderr)")
        #expect(report.interrupted && (report.workload("SET")?.succeeded ?? 0) > 0)
        #expect(try keys(matching: "dbbench-test-hup:*").isEmpty)
    }

    @Test func resultsThatCannotBeWrittenToStdoutAreAnErrorNotSilence() throws {
        let result = try CommandRunner.dbbench(
            redisArguments(
                ["--tests", "set", "--connections", "2", "--num-operations", "100"],
                prefix: "dbbench-test-full:"
            ),
            standardOutput: "/dev/full"
        )
        #expect(result.exitCode == 74)
        #expect(result.stderr.contains("cannot write the results to stdout: No space left on device"))
        #expect(try keys(matching: "dbbench-test-full:*").isEmpty)
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
        #expect(lines.count >= 1, "stderr: \(result.stderr)")
        #expect(lines.first?.hasPrefix("progress SET 1s: ") == true)
        #expect(lines.first?.contains(" of 100,000,000 (") == true)
        #expect(!result.stderr.contains("\u{1B}"))  // no terminal control codes in a log
        #expect(try keys(matching: "dbbench-test-progress:*").isEmpty)
    }
}

/// `cmdstat_<command>:calls=N` from INFO commandstats of the suite's own server (0 when the command
/// was never called).
func commandCalls(_ command: String) throws -> Int {
    CommandRunner.calls(
        of: command,
        in: try CommandRunner.redisCLI(["INFO", "commandstats"], port: TestServices.ownRedisPort)
    )
}

func ownKeys(matching pattern: String) throws -> [String] {
    try keys(matching: pattern, port: TestServices.ownRedisPort)
}

func ownServerArguments(_ extra: [String], prefix: String) -> [String] {
    redisArguments(extra, prefix: prefix, port: TestServices.ownRedisPort)
}

/// Makes the suite's own server stop answering clients `seconds` from now, for `milliseconds`.
func pauseOwnServer(in seconds: Double, forMilliseconds milliseconds: Int) {
    Thread {
        Thread.sleep(forTimeInterval: seconds)
        _ = try? CommandRunner.redisCLI(["CLIENT", "PAUSE", String(milliseconds)], port: TestServices.ownRedisPort)
    }.start()
}

/// The tests that read the server's global counters (INFO commandstats, DBSIZE), pause it or change
/// its configuration run one at a time against a server of their own, so that no other test moves
/// their numbers and they slow no other test down.
@Suite(
    "dbbench redis against a server of its own",
    .serialized,
    .enabled(if: TestServices.ownRedisPort != nil, "needs the servers of 'make test'")
)
struct OwnRedisServerTests {
    @Test func setCountsMatchTheServersCommandStats() throws {
        let before = try commandCalls("set")
        let (result, report) = try CommandRunner.dbbenchJSON(
            ownServerArguments(["--tests", "set", "--connections", "8", "--num-operations", "12345"], prefix: "t-set:")
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(try commandCalls("set") - before == 12345)
        let set = try #require(report.workload("SET"))
        #expect(set.attempted == 12345 && set.succeeded == 12345 && set.failed == 0)
        #expect(set.throughput > 0)
        #expect(try ownKeys(matching: "t-set:*").isEmpty)
    }

    @Test func pipelinedSetSendsExactlyTheRequestedOperations() throws {
        let before = try commandCalls("set")
        let (result, report) = try CommandRunner.dbbenchJSON(
            ownServerArguments(
                ["--tests", "set", "--connections", "5", "--num-operations", "20001", "--pipeline", "16"],
                prefix: "t-pipe:"
            )
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(try commandCalls("set") - before == 20001)
        #expect(report.workload("SET")?.succeeded == 20001)
        #expect(report.configuration["pipeline"] == "16")
    }

    @Test func getHitRatioIsCountedFromReplies() throws {
        let getsBefore = try commandCalls("get")
        let setsBefore = try commandCalls("set")
        let full = try CommandRunner.dbbenchJSON(
            ownServerArguments(
                ["--tests", "get", "--connections", "10", "--num-operations", "5000", "--cache-keys", "1000"],
                prefix: "t-get:"
            )
        )
        #expect(full.result.exitCode == 0, "\(full.result.stderr)")
        let get = try #require(full.report.workload("GET"))
        #expect(get.counters == ["hits": 5000, "misses": 0, "redirects": 0])
        #expect(get.notes(contain: "cache hit ratio 100.0% (5,000 hits, 0 misses"))
        #expect(try commandCalls("get") - getsBefore == 5000)
        #expect(try commandCalls("set") - setsBefore == 1000)  // pre-population, one SET per key

        let partial = try CommandRunner.dbbenchJSON(
            ownServerArguments(
                [
                    "--tests", "get", "--connections", "10", "--num-operations", "5000", "--cache-keys", "1000",
                    "--key-range", "4000",
                ],
                prefix: "t-get:"
            )
        )
        #expect(partial.result.exitCode == 0, "\(partial.result.stderr)")
        let hits = try #require(partial.report.workload("GET")?.counters["hits"])
        #expect(hits > 750 && hits < 1750, "expected about 25% hits with 1000 of 4000 keys cached: \(hits)")
        #expect(try ownKeys(matching: "t-get:*").isEmpty)
    }

    @Test func teardownDeletesOnlyTheRunsKeys() throws {
        let port = TestServices.ownRedisPort
        _ = try CommandRunner.redisCLI(["SET", "keep:me", "1"], port: port)
        _ = try CommandRunner.redisCLI(["SET", "t-safetyx", "similar name, other prefix"], port: port)
        _ = try CommandRunner.redisCLI(["RPUSH", "keep:list", "a"], port: port)
        defer { _ = try? CommandRunner.redisCLI(["DEL", "keep:me", "t-safetyx", "keep:list"], port: port) }
        let sizeBefore = try CommandRunner.redisCLI(["DBSIZE"], port: port)

        let (result, report) = try CommandRunner.dbbenchJSON(
            ownServerArguments(
                ["--connections", "6", "--num-operations", "3000", "--cache-keys", "500"],
                prefix: "t-safety:"
            )
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(report.workloads.map(\.name) == ["SET", "GET", "MIXED", "CONNECTIONS"])
        #expect(try ownKeys(matching: "t-safety:*").isEmpty)
        #expect(try CommandRunner.redisCLI(["GET", "keep:me"], port: port) == "1")
        #expect(try CommandRunner.redisCLI(["EXISTS", "t-safetyx"], port: port) == "1")
        #expect(try CommandRunner.redisCLI(["LLEN", "keep:list"], port: port) == "1")
        #expect(try CommandRunner.redisCLI(["DBSIZE"], port: port) == sizeBefore)
    }

    @Test func mixedRunsAllFiveCommands() throws {
        let commands = ["set", "get", "incr", "lpush", "hset"]
        let before = try commands.map(commandCalls)
        let (result, report) = try CommandRunner.dbbenchJSON(
            ownServerArguments(
                ["--tests", "mixed", "--connections", "4", "--num-operations", "10000"],
                prefix: "t-mixed:"
            )
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let deltas = try zip(commands.map(commandCalls), before).map { $0 - $1 }
        #expect(deltas.reduce(0, +) == 10000)
        for delta in deltas { #expect(delta > 1500 && delta < 2500, "expected about 20% each: \(deltas)") }
        let mixed = try #require(report.workload("MIXED"))
        #expect(commands.map { mixed.operations[$0.uppercased()] ?? -1 } == deltas)
        #expect(try ownKeys(matching: "t-mixed:*").isEmpty)
    }

    @Test func aStopThatWaitsForAPausedServerSaysHowToQuitAtOnce() throws {
        // The server stops answering a second into the run, for 4 s; the signal comes half a second later.
        pauseOwnServer(in: 1.0, forMilliseconds: 4000)
        let result = try CommandRunner.dbbench(
            ownServerArguments(
                ["--tests", "set", "--connections", "4", "--num-operations", "100000000", "--progress", "off"],
                prefix: "t-stuck:"
            ),
            timeout: 60,
            interruptAfter: 1.5
        )
        #expect(result.exitCode == 130, "\(result.stderr)")
        #expect(result.stderr.contains("dbbench: stopping: waiting for the operations in flight"), "\(result.stderr)")
        #expect(result.stderr.contains("interrupt again to quit at once, without cleanup"))
        #expect(result.stdout.contains("INTERRUPTED: partial results"))
        #expect(result.seconds > 4, "took \(result.seconds) s")  // waited for the pause to end
        #expect(try ownKeys(matching: "t-stuck:*").isEmpty)  // and then cleaned up
    }

    @Test func durationEndsTheRunOnTime() throws {
        let setsBefore = try commandCalls("set")
        let (result, report) = try CommandRunner.dbbenchJSON(
            ownServerArguments(
                [
                    "--tests", "set", "--connections", "8", "--duration", "1500ms", "--warmup", "500ms", "--progress",
                    "off",
                ],
                prefix: "t-duration:"
            )
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let set = try #require(report.workload("SET"))
        // The clock ends the run: no operation starts after 1.5 s; the last ones in flight finish.
        #expect(set.wallSeconds >= 1.5 && set.wallSeconds < 3, "wall \(set.wallSeconds)")
        #expect(set.succeeded > 1000)
        // The warm-up's SETs reached the server but are not in the results.
        #expect(try commandCalls("set") - setsBefore > set.succeeded)
        #expect(report.configuration["duration"] == "1500ms" && report.configuration["warmup"] == "500ms")
        #expect(try ownKeys(matching: "t-duration:*").isEmpty)
    }

    @Test func openLoopChargesAPausedServerToTheOperationsScheduledBehindIt() throws {
        // 1000 SETs/s over 2 connections for 3 s; a second in, the server stops answering for 600 ms.
        pauseOwnServer(in: 1.2, forMilliseconds: 600)
        let result = try CommandRunner.dbbench(
            ownServerArguments(
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
        // Each connection started its half of the schedule, the pause notwithstanding, but for the
        // operations a connection still waiting for a reply at the end never started (on a loaded
        // machine, a few), which the report counts.
        let spread = try #require(set["operations_per_connection"] as? [String: Any]).compactMapValues { $0 as? Int }
        let notStarted = try #require(set["not_started"] as? Int)
        #expect(spread["min"]! + spread["max"]! == set["attempted"] as? Int, "\(spread)")
        #expect(spread["max"]! - spread["min"]! <= 1 + notStarted, "\(spread), \(notStarted) not started")
        // Started or not, every one of the 3,000 operations of the schedule is accounted for.
        #expect((set["attempted"] as? Int ?? 0) + notStarted == 3000, "\(notStarted) not started")
        // About 600 of the 3000 operations were due during the pause: they start late and their
        // latency, counted from the schedule, includes the wait. Only the two requests sent just
        // before the pause have a long service time.
        let late = try #require(set["late"] as? Int)
        #expect(late > 400, "late starts: \(late)")
        #expect(latency["p95"]! > 200_000, "latency from the schedule: \(latency)")
        #expect(service["p95"]! < 20_000, "service time: \(service)")
        #expect(latency["p95"]! > 10 * service["p95"]!)
        #expect(service["max"]! > 300_000)
        #expect(try ownKeys(matching: "dbbench-test-rate:*").isEmpty)
    }

    @Test func unwritableOutputFailsBeforeAnyLoad() throws {
        let before = try commandCalls("set")
        let result = try CommandRunner.dbbench(
            ownServerArguments(
                ["--tests", "set", "--num-operations", "100", "--output", "/proc/nonexistent-dir/results.json"],
                prefix: "t-output:"
            )
        )
        #expect(result.exitCode == 73)
        #expect(result.stderr.contains("--output /proc/nonexistent-dir/results.json"))
        #expect(try commandCalls("set") == before)
    }

    @Test func aServerThatStopsAnsweringLosesNoResults() throws {
        // The server stops answering halfway through SET, for 4 s: SET's teardown cannot delete its
        // keys, GET is not started against a server that no longer answers, and SET's results are
        // still printed with the failed step and what was left behind.
        pauseOwnServer(in: 1.5, forMilliseconds: 4000)
        let (result, report) = try CommandRunner.dbbenchJSON(
            ownServerArguments(
                ["--tests", "set,get", "--connections", "2", "--duration", "3s", "--timeout", "500ms"],
                prefix: "t-lost:"
            ),
            timeout: 60
        )
        #expect(result.exitCode == 69, "\(result.stderr)")
        #expect(report.exitCode == 69)
        let set = try #require(report.workload("SET"), "no SET in \(result.stdout)")
        #expect(set.succeeded > 0)
        #expect(report.workload("GET") == nil)
        #expect(report.failures.count == 1 && report.failures[0].hasPrefix("SET teardown: "), "\(report.failures)")
        #expect(report.failures[0].contains("timed out"))
        #expect(
            report.footer.contains { $0.hasPrefix("left behind: keys of this run under 't-lost:\(report.runID):'") }
        )
        // What the report says was left behind is there once the server answers again.
        Thread.sleep(forTimeInterval: 3)
        let left = try ownKeys(matching: "t-lost:*")
        #expect(!left.isEmpty)
        if !left.isEmpty { _ = try CommandRunner.redisCLI(["DEL"] + left, port: TestServices.ownRedisPort) }
    }

    @Test func errorRepliesAreCountedInTheServersWords() throws {
        // With maxmemory at 1 byte every write is refused; the report keeps the server's words.
        let port = TestServices.ownRedisPort
        _ = try CommandRunner.redisCLI(["CONFIG", "SET", "maxmemory", "1"], port: port)
        defer { _ = try? CommandRunner.redisCLI(["CONFIG", "SET", "maxmemory", "0"], port: port) }
        let (result, report) = try CommandRunner.dbbenchJSON(
            ownServerArguments(["--tests", "set", "--connections", "2", "--num-operations", "200"], prefix: "t-oom:")
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let set = try #require(report.workload("SET"))
        #expect(set.failed == 200 && set.succeeded == 0)
        #expect(set.errors == ["OOM command not allowed when used memory > 'maxmemory'.": 200], "\(set.errors)")
        #expect(try ownKeys(matching: "t-oom:*").isEmpty)
    }

    @Test func passwordFromTheEnvironmentAndRefusedCredentials() throws {
        let port = TestServices.ownRedisPort
        let secret = "s3cret-\(UInt32.random(in: 0...UInt32.max))"
        _ = try CommandRunner.redisCLI(["CONFIG", "SET", "requirepass", secret], port: port)
        defer {
            _ = try? CommandRunner.redisCLI(
                ["-a", secret, "--no-auth-warning", "CONFIG", "SET", "requirepass", ""],
                port: port
            )
        }
        let arguments = ownServerArguments(
            ["--tests", "set,connections", "--connections", "3", "--num-operations", "30"],
            prefix: "t-auth:"
        )

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
            // Help wraps at 80 columns: compare with the lines joined.
            let text = redisHelp.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(text.contains("--connections N"))
            #expect(text.contains("default: 100"))
            #expect(text.contains("env: REDIS_PASSWORD"))
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
        (["redis", "--value-size", "20-10"], "--value-size must be N, MIN-MAX or SIZE:WEIGHT"),
        (["redis", "--ttl", "-1"], "--ttl must be a number or MIN-MAX range"),
        (
            ["redis", "--rate", "1000", "--pipeline", "16"],
            "--rate schedules every request on its own and cannot be combined with --pipeline 16"
        ),
        (["redis", "--arrival", "poisson"], "--arrival needs --rate"),
        (["redis", "--format", "xml"], "--format must be one of text, json, csv, html, got 'xml'"),
    ])
    func badInputExits64NamingTheProblem(arguments: [String], expected: String) throws {
        let result = try CommandRunner.dbbench(arguments)
        #expect(result.exitCode == 64)
        #expect(result.stderr.contains(expected), "stderr: \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "one line expected: \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func outputThatIsNoRegularFileIsRefusedAtOnce() throws {
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("dbbench-\(UUID().uuidString)").path
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        // Opening a FIFO without a reader would block for ever.
        let result = try CommandRunner.dbbench(["redis", "--output", fifo], timeout: 30)
        #expect(result.exitCode == 73)
        #expect(result.stderr.contains("cannot write --output \(fifo): not a regular file"))
    }

    @Test func aConfigurationBeyondTheMemoryBudgetIsRefused() throws {
        let result = try CommandRunner.dbbench(
            ["redis", "--connections", "1", "--pipeline", "10000", "--value-size", "1048576"])
        #expect(result.exitCode == 64)
        #expect(
            result.stderr.contains(
                "--connections 1 × --pipeline 10000 × --value-size 1048576 B would keep over 1024 MiB"
            )
        )
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test func aThresholdOnAMetricNoWorkloadHasIsRefused() throws {
        let result = try CommandRunner.dbbench(["redis", "--assert", "rows>1000000"])
        #expect(result.exitCode == 64)
        #expect(result.stderr.contains("none of the workloads of this run counts rows"))
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
