import BenchCore
import Glibc
import IOLoop
import RedisBench

/// `dbbench selftest`: calibrates dbbench's latency measurement against a server whose latency is
/// known (Gil Tene's rule for latency tools), with the same code a `dbbench redis` run uses.
///
/// Two open-loop runs of `--tests custom` against a `DelayedRESPServer`: PINGs answered after
/// `--delay` interleaved with ECHOs answered at once (the loopback round trip, measured alongside so
/// that a machine whose speed drifts between runs does not show as error), whose PING p50 must be
/// the delay plus the ECHO p50 and whose rate must be the one asked for; then PINGs with the server
/// frozen once for `--stall`, whose percentiles must be what a stall of that length implies for
/// every operation scheduled during it, not for one operation per connection.
public enum SelfTestCommand: Command {
    public static let name = "selftest"
    public static let summary = "Check the latency figures against a server with a known delay."
    public static let discussion = """
        Starts a RESP server on 127.0.0.1 (a thread of dbbench) that answers PING exactly --delay after \
        reading it and ECHO at once, and runs dbbench redis against it in open loop: \
        first PINGs and ECHOs interleaved (the PING p50 must be the delay plus the ECHO p50, the loopback \
        round trip, within 5 us + 1% of the delay; the rate within 1%), then PINGs with the server \
        frozen once for --stall half-way through a --duration run (at percentile p the latency is \
        about delay + stall x (1 - (1 - p) x duration / stall), the maximum about stall + delay, and \
        every operation scheduled during the stall is late, not one per connection). Each figure is \
        printed with its error and bound; exit 0 when all are within, 1 otherwise. It keeps about one core \
        busy while it runs and loads nothing outside this process.
        """

    static let delayOption = Option.duration(
        "delay",
        default: .microseconds(200),
        in: .zero...(.seconds(1)),
        help: "How long the server waits before it answers each PING (us, ms, s)"
    )
    static let stallOption = Option.duration(
        "stall",
        default: .seconds(1),
        in: .zero...(.seconds(60)),
        help: "How long the server freezes once, half-way through the last run; 0 skips that run"
    )
    static let durationOption = Option.duration(
        "duration",
        default: .seconds(10),
        in: .seconds(1)...(.seconds(600)),
        help: "How long the run with the stall lasts (the first run takes 4 s)"
    )
    static let rateOption = Option.integer(
        "rate",
        default: 1000,
        in: 10...100_000,
        help: "PINGs per second, over all connections, in every run"
    )
    static let connectionsOption = Option.integer(
        "connections",
        default: 10,
        in: 1...1000,
        help: "Connections to the server, on one I/O thread"
    )
    static let formatOption = Option.choice(
        "format",
        default: SelfTestFormat.text,
        help: "The checks as a table or as JSON"
    )

    public static let options: [OptionSpec] = [
        delayOption.spec, stallOption.spec, durationOption.spec, rateOption.spec, connectionsOption.spec,
        formatOption.spec, .help,
    ]

    public static func run(_ arguments: ParsedArguments, environment: [String: String]) async throws -> Int32 {
        let settings = SelfTestSettings(
            delay: try arguments[delayOption],
            stall: try arguments[stallOption],
            duration: try arguments[durationOption],
            rate: try arguments[rateOption],
            connections: try arguments[connectionsOption]
        )
        let format = try arguments[formatOption]
        let report = try await SelfTestRun(settings: settings, environment: environment).run()
        switch format {
        case .text: try ReportOutput.writeStandardOutput(report.text)
        case .json: try ReportOutput.writeStandardOutput(report.json.text + "\n")
        }
        return report.passed ? ExitCode.success : ExitCode.thresholdFailed
    }
}

/// `selftest --format`.
enum SelfTestFormat: String, CaseIterable, Sendable {
    case text, json
}

/// What `dbbench selftest` runs with.
struct SelfTestSettings: Sendable {
    var delay: Duration
    var stall: Duration
    var duration: Duration
    var rate: Int
    var connections: Int

    var delayMicroseconds: Double { delay.microseconds }
}

extension Duration {
    var microseconds: Double { Double(nanoseconds) / 1_000 }
}

/// The three runs of the self-test, and the checks on their results.
struct SelfTestRun {
    let settings: SelfTestSettings
    let environment: [String: String]

    /// How long the run without a stall lasts.
    static let delayRun = Duration.seconds(4)
    /// Latencies above this count as the stall's ("slower than 100 ms").
    static let slowAbove = 100_000.0

    func run() async throws -> SelfTestReport {
        let delay = settings.delayMicroseconds
        guard Double(settings.rate) / Double(settings.connections) * delay / 1e6 < 0.5 else {
            throw UsageError(
                "dbbench selftest: \(Format.grouped(settings.rate))/s over \(settings.connections) connections leaves "
                    + "a connection less than twice the delay per PING; give more --connections or a lower --rate"
            )
        }
        let delayed = try await measure(
            "a \(Format.milliseconds(delay)) ms delay beside the round trip",
            commands: ["PING", "ECHO x"],
            delay: settings.delay,
            for: Self.delayRun
        )
        let pings = try latency(of: "PING", in: delayed)
        let roundTrip = Double(try latency(of: "ECHO", in: delayed).p50)
        var report = SelfTestReport(
            settings: [
                "open loop at \(Format.grouped(settings.rate))/s (uniform)", "\(settings.connections) connections",
                "1 thread",
                "delay \(Format.milliseconds(delay)) ms",
                settings.stall == .zero ? "no stall" : "stall \(DurationParser.format(settings.stall)) once",
            ],
            roundTrip: roundTrip,
            checks: []
        )
        let expectedBase = delay + roundTrip
        report.checks.append(
            SelfTestCheck(
                "p50, delay \(Format.milliseconds(delay)) ms",
                measured: Double(pings.p50),
                expected: expectedBase,
                bound: 5 + delay / 100,
                unit: .microseconds
            )
        )
        report.checks.append(rateCheck(delayed, name: "rate, delay \(Format.milliseconds(delay)) ms"))

        guard settings.stall > .zero else { return report }
        let stall = settings.stall.microseconds
        let total = settings.duration.microseconds
        let stalled = try await measure(
            "a \(DurationParser.format(settings.stall)) stall",
            commands: ["PING"],
            delay: settings.delay,
            for: settings.duration,
            stall: DelayedRESPServer.Stall(
                afterPings: Int(Double(settings.rate) * total / 2e6),
                duration: settings.stall
            )
        )
        let latency = stalled.total.latency
        // An operation scheduled t into the stall waits for the rest of it, then behind the k = t x r
        // operations its connection had due before it (r, the rate per connection), each answered
        // in b = delay + round trip: its latency is stall - t x (1 - r x b) + b. At percentile p the
        // slower operations are the (1 - p) x duration x rate scheduled first in the stall, so
        // t = (1 - p) x duration. With r x b small this is Gil Tene's delay + stall x (1 - (1 - p) x
        // duration / stall).
        let drain = 1 - Double(settings.rate) / Double(settings.connections) * expectedBase / 1e6
        func expected(_ percentile: Double) -> Double {
            expectedBase + max(0, stall - (1 - percentile) * total * drain)
        }
        let label = "stall \(DurationParser.format(settings.stall))"
        for (name, percentile, measured) in [("p99", 0.99, latency.p99), ("p99.9", 0.999, latency.p999)]
        where (1 - percentile) * total < stall {
            let value = expected(percentile)
            report.checks.append(
                SelfTestCheck(
                    "\(name), \(label)",
                    measured: Double(measured),
                    expected: value,
                    bound: value / 10,
                    unit: .microseconds
                )
            )
        }
        let longest = stall + expectedBase
        report.checks.append(
            SelfTestCheck(
                "max, \(label)",
                measured: Double(latency.max),
                expected: longest,
                bound: longest / 20,
                unit: .microseconds
            )
        )
        let slow = Double(stalled.total.histogram.count(within: UInt64(Self.slowAbove) + 1...60_000_000))
        let expectedSlow =
            Double(settings.rate) * min(stall, max(0, stall - Self.slowAbove + expectedBase) / drain) / 1e6
        report.checks.append(
            SelfTestCheck(
                "slower than 100 ms, \(label)",
                measured: slow,
                expected: expectedSlow,
                bound: max(expectedSlow / 10, 2),
                unit: .operations
            )
        )
        report.checks.append(rateCheck(stalled, name: "rate, \(label)"))
        return report
    }

    /// The achieved rate, within 1% of `--rate`.
    private func rateCheck(_ result: WorkloadResult, name: String) -> SelfTestCheck {
        let rate = Double(settings.rate)
        return SelfTestCheck(name, measured: result.throughput, expected: rate, bound: rate / 100, unit: .perSecond)
    }

    /// The latency figures of one command of `result`.
    private func latency(of command: String, in result: WorkloadResult) throws -> LatencySummary {
        guard let operation = result.operations.first(where: { $0.name == command }), operation.succeeded > 0 else {
            throw SelfTestFailure(what: command, reasons: ["no \(command) succeeded"])
        }
        return operation.latency
    }

    /// One `dbbench redis --tests custom` run of `commands` (in equal shares) against a new server.
    private func measure(
        _ what: String,
        commands: [String],
        delay: Duration,
        for duration: Duration,
        stall: DelayedRESPServer.Stall? = nil
    ) async throws -> WorkloadResult {
        writeStandardError("dbbench selftest: measuring \(what) (\(DurationParser.format(duration)))\n")
        let server = try DelayedRESPServer(delay: delay, stall: stall)
        defer { server.stop() }
        let arguments = try ParsedArguments(
            parsing: [
                "--host", "127.0.0.1", "--port", String(server.port), "--tests", "custom",
            ] + commands.flatMap { ["--command", $0] } + [
                "--rate", String(settings.rate), "--duration", DurationParser.format(duration), "--connections",
                String(settings.connections), "--threads", "1", "--progress", "off",
            ],
            specs: RedisCommand.options,
            command: "dbbench selftest",
            environment: [:]
        )
        let report = try await RunDriver(environment: environment).measure(try RedisCommand.backend(arguments))
        guard let result = report.results.first, report.failures.isEmpty, result.total.failed == 0 else {
            let reasons = report.failures.map(\.description) + report.results.flatMap { $0.errors.map(\.kind) }
            throw SelfTestFailure(what: what, reasons: reasons)
        }
        return result
    }
}

/// A self-test run that did not measure: the server inside dbbench did not answer as it should.
struct SelfTestFailure: CommandFailure {
    let what: String
    let reasons: [String]

    var description: String {
        "measuring \(what) failed: " + (reasons.isEmpty ? "no result" : reasons.joined(separator: "; "))
    }

    var kind: FailureKind { .internalError }
}
