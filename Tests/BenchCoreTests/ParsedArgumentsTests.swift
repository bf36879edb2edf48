import Testing

@testable import BenchCore

@Suite("Command-line parsing")
struct ParsedArgumentsTests {
    enum Item: String, CaseIterable, Sendable { case set, get }

    static let connections = Option.integer("connections", default: 100, in: 1...1000, help: "connections")
    static let port = Option.integer(
        "port",
        placeholder: "PORT",
        default: 6379,
        in: 1...65535,
        environment: "REDIS_PORT",
        help: "port"
    )
    static let tests = Option.list("tests", default: [Item](), help: "tests")
    static let timeout = Option.duration(
        "timeout",
        default: .seconds(1),
        in: .milliseconds(1)...(.seconds(60)),
        help: "timeout"
    )
    static let valueSize = Option.range("value-size", default: 1...2, in: 1...100, help: "sizes")
    static let keepData = Option.flag("keep-data", help: "keep")
    static let password = Option.optionalString(
        "password",
        placeholder: "PASSWORD",
        environment: "REDIS_PASSWORD",
        secret: true,
        help: "password"
    )
    static let specs: [OptionSpec] = [
        connections.spec, port.spec, tests.spec, timeout.spec, valueSize.spec, keepData.spec, password.spec, .help,
    ]

    func parse(_ arguments: [String], environment: [String: String] = [:]) throws(UsageError) -> ParsedArguments {
        try ParsedArguments(parsing: arguments, specs: Self.specs, command: "dbbench redis", environment: environment)
    }

    func usageError(_ arguments: [String], environment: [String: String] = [:]) -> String? {
        do {
            let parsed = try parse(arguments, environment: environment)
            _ = try parsed[Self.connections]
            _ = try parsed[Self.port]
            _ = try parsed[Self.tests]
            _ = try parsed[Self.timeout]
            return nil
        } catch {
            return error.message
        }
    }

    @Test func acceptsSpaceAndEqualsForms() throws {
        let parsed = try parse(["--connections", "20", "--port=7000", "--keep-data"])
        #expect(try parsed[Self.connections] == 20)
        #expect(try parsed[Self.port] == 7000)
        #expect(try parsed[Self.keepData])
        #expect(!parsed.wantsHelp)
    }

    @Test func defaultsApplyWhenAbsent() throws {
        let parsed = try parse([])
        #expect(try parsed[Self.connections] == 100)
        #expect(try !parsed[Self.keepData])
    }

    @Test func environmentFillsInAndFlagWins() throws {
        let fromEnvironment = try parse([], environment: ["REDIS_PORT": "7001"])
        #expect(try fromEnvironment[Self.port] == 7001)
        let fromFlag = try parse(["--port", "7002"], environment: ["REDIS_PORT": "7001"])
        #expect(try fromFlag[Self.port] == 7002)
    }

    @Test func underscoresInNumbers() throws {
        #expect(try parse(["--connections", "1_000"])[Self.connections] == 1000)
    }

    @Test(arguments: [
        (["--conections", "5"], "unknown option '--conections' (did you mean '--connections'?)"),
        (["--connections"], "--connections N needs a value"),
        (["--connections", "--keep-data"], "--connections N needs a value"),
        (["--connections", "0"], "--connections must be a whole number from 1 to 1000, got '0'"),
        (["--connections", "-3"], "--connections must be a whole number from 1 to 1000, got '-3'"),
        (["--connections", "many"], "--connections must be a whole number from 1 to 1000, got 'many'"),
        (["--connections", "5", "--connections", "6"], "--connections is given more than once"),
        (["--keep-data=yes"], "--keep-data takes no value, got 'yes'"),
        (["extra"], "unexpected argument 'extra'"),
        (["--tests", "set,gte"], "--tests has unknown item 'gte'; choose from set,get (did you mean 'get'?)"),
        (
            ["--timeout", "5 parsecs"],
            "--timeout must be a duration from 1ms to 1m such as 500ms, 5s or 2m, got '5 parsecs'"
        ),
    ])
    func rejectsBadInputNamingTheFlag(arguments: [String], expected: String) {
        let message = usageError(arguments)
        #expect(message?.hasPrefix("dbbench redis: ") == true)
        #expect(message?.contains(expected) == true, "got: \(message ?? "no error")")
    }

    @Test func badEnvironmentValueNamesTheVariable() {
        #expect(
            usageError([], environment: ["REDIS_PORT": "http"])?.contains("REDIS_PORT must be a whole number") == true
        )
    }

    @Test func listKeepsOrderAndDropsRepeats() throws {
        let parsed = try parse(["--tests", "get, set,get"])
        #expect(try parsed[Self.tests] == [.get, .set])
    }

    @Test func rangesAcceptOneNumberOrMinMax() throws {
        #expect(try parse(["--value-size", "7"])[Self.valueSize] == 7...7)
        #expect(try parse(["--value-size", "10-20"])[Self.valueSize] == 10...20)
        #expect(try parse([])[Self.valueSize] == 1...2)
        for bad in ["20-10", "0", "5-", "a-b", "1-2-3", "101"] {
            #expect(throws: UsageError.self) {
                try parse(["--value-size", bad])[Self.valueSize]
            }
        }
    }

    @Test func configurationHoldsTypedValuesAndNoSecret() throws {
        let parsed = try parse(["--connections", "20", "--tests", "get"], environment: ["REDIS_PASSWORD": "hunter2"])
        let configuration = Dictionary(uniqueKeysWithValues: parsed.configuration())
        #expect(configuration["connections"] == "20")
        #expect(configuration["port"] == "6379")
        #expect(configuration["tests"] == "get")
        #expect(configuration["timeout"] == "1s")
        #expect(configuration["value-size"] == "1-2")
        #expect(configuration["keep-data"] == "false")
        #expect(configuration["password"] == nil && configuration["help"] == nil)
        #expect(!configuration.values.contains { $0.contains("hunter2") })
    }

    @Test func helpShowsTheDeclaredDefaults() {
        #expect(Self.port.spec.defaultText == "6379" && Self.port.spec.environment == "REDIS_PORT")
        #expect(Self.timeout.spec.defaultText == "1s")
        #expect(Self.valueSize.spec.defaultText == "1-2")
        #expect(Self.keepData.spec.takesValue == false && Self.keepData.spec.defaultText == nil)
    }

    @Test func helpIsRecognised() throws {
        #expect(try parse(["--help"]).wantsHelp)
        #expect(try parse(["-h"]).wantsHelp)
    }

    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("5s", .seconds(5)), ("1.5s", .milliseconds(1500)),
        ("2m", .seconds(120)), ("3", .seconds(3)), ("100us", .microseconds(100)), ("1h", .seconds(3600)),
        ("1m30s", .seconds(90)), ("1h15m", .seconds(4500)), ("2m0.5s", .milliseconds(120_500)),
    ])
    func durations(text: String, expected: Duration) {
        #expect(DurationParser.parse(text) == expected)
    }

    @Test func invalidDurations() {
        #expect(DurationParser.parse("") == nil)
        #expect(DurationParser.parse("-1s") == nil)
        #expect(DurationParser.parse("fast") == nil)
        #expect(DurationParser.parse("30s1m") == nil)
        #expect(DurationParser.parse("1m1m") == nil)
        #expect(DurationParser.parse("5x") == nil)
    }

    @Test func durationsPrintAsTheyAreWritten() {
        #expect(DurationParser.format(.seconds(90)) == "1m30s")
        #expect(DurationParser.format(.seconds(3600)) == "1h")
        #expect(DurationParser.format(.seconds(3725)) == "1h2m5s")
        #expect(DurationParser.format(.milliseconds(250)) == "250ms")
        #expect(DurationParser.format(.seconds(6)) == "6s")
    }

    @Test func shortFlagsBecomeTheirLongForms() throws {
        let flags = [
            ShortFlag("h", "host"), ShortFlag("c", "connections"), ShortFlag("a", "password", warning: "careful"),
        ]
        #expect(ShortFlag.expand("-c", next: "50", in: flags)?.argument == "--connections")
        #expect(ShortFlag.expand("-c50", next: nil, in: flags)?.argument == "--connections=50")
        #expect(ShortFlag.expand("-h", next: "10.0.0.1", in: flags)?.argument == "--host")
        #expect(ShortFlag.expand("-h", next: nil, in: flags)?.argument == "--help")
        #expect(ShortFlag.expand("-h", next: "--port", in: flags)?.argument == "--help")
        #expect(ShortFlag.expand("-a", next: "pw", in: flags)?.warning == "careful")
        #expect(ShortFlag.expand("-x", next: nil, in: flags) == nil)
        #expect(ShortFlag.expand("--connections", next: "5", in: flags) == nil)
    }

    @Test func suggestionsOnlyForCloseWords() {
        #expect(Suggestion.editDistance("kitten", "sitting") == 3)
        #expect(Suggestion.closest(to: "rdis", in: ["redis", "timescale"]) == "redis")
        #expect(Suggestion.closest(to: "mongodb", in: ["redis", "timescale"]) == nil)
    }
}
