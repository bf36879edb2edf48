import Testing

@testable import BenchCore

@Suite("Command-line parsing")
struct ParsedArgumentsTests {
    static let specs: [OptionSpec] = [
        OptionSpec("connections", placeholder: "N", default: "100", help: "connections"),
        OptionSpec("port", placeholder: "PORT", default: "6379", environment: "REDIS_PORT", help: "port"),
        OptionSpec("tests", placeholder: "LIST", help: "tests"),
        OptionSpec("timeout", placeholder: "DURATION", help: "timeout"),
        OptionSpec("value-size", placeholder: "N|MIN-MAX", help: "sizes"),
        .flag("keep-data", help: "keep"),
        .help,
    ]

    func parse(_ arguments: [String], environment: [String: String] = [:]) throws(UsageError) -> ParsedArguments {
        try ParsedArguments(parsing: arguments, specs: Self.specs, command: "dbbench redis", environment: environment)
    }

    func usageError(_ arguments: [String], environment: [String: String] = [:]) -> String? {
        do {
            let parsed = try parse(arguments, environment: environment)
            _ = try parsed.integer("connections", default: 100, in: 1...1000)
            _ = try parsed.integer("port", default: 6379, in: 1...65535)
            _ = try parsed.list("tests", default: [], allowed: ["set", "get"])
            _ = try parsed.duration("timeout", default: .seconds(1), in: .milliseconds(1)...(.seconds(60)))
            return nil
        } catch {
            return error.message
        }
    }

    @Test func acceptsSpaceAndEqualsForms() throws {
        let parsed = try parse(["--connections", "20", "--port=7000", "--keep-data"])
        #expect(try parsed.integer("connections", default: 100, in: 1...1000) == 20)
        #expect(try parsed.integer("port", default: 6379, in: 1...65535) == 7000)
        #expect(parsed.isSet("keep-data"))
        #expect(!parsed.wantsHelp)
    }

    @Test func defaultsApplyWhenAbsent() throws {
        let parsed = try parse([])
        #expect(try parsed.integer("connections", default: 100, in: 1...1000) == 100)
        #expect(!parsed.isSet("keep-data"))
    }

    @Test func environmentFillsInAndFlagWins() throws {
        let fromEnvironment = try parse([], environment: ["REDIS_PORT": "7001"])
        #expect(try fromEnvironment.integer("port", default: 6379, in: 1...65535) == 7001)
        let fromFlag = try parse(["--port", "7002"], environment: ["REDIS_PORT": "7001"])
        #expect(try fromFlag.integer("port", default: 6379, in: 1...65535) == 7002)
    }

    @Test func underscoresInNumbers() throws {
        #expect(try parse(["--connections", "1_000"]).integer("connections", default: 1, in: 1...1000) == 1000)
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
        #expect(try parsed.list("tests", default: [], allowed: ["set", "get"]) == ["get", "set"])
    }

    @Test func rangesAcceptOneNumberOrMinMax() throws {
        #expect(try parse(["--value-size", "7"]).range("value-size", default: 1...2, in: 1...100) == 7...7)
        #expect(try parse(["--value-size", "10-20"]).range("value-size", default: 1...2, in: 1...100) == 10...20)
        #expect(try parse([]).range("value-size", default: 1...2, in: 1...100) == 1...2)
        for bad in ["20-10", "0", "5-", "a-b", "1-2-3", "101"] {
            #expect(throws: UsageError.self) {
                try parse(["--value-size", bad]).range("value-size", default: 1...2, in: 1...100)
            }
        }
    }

    @Test func helpIsRecognised() throws {
        #expect(try parse(["--help"]).wantsHelp)
        #expect(try parse(["-h"]).wantsHelp)
    }

    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("5s", .seconds(5)), ("1.5s", .milliseconds(1500)),
        ("2m", .seconds(120)), ("3", .seconds(3)), ("100us", .microseconds(100)),
    ])
    func durations(text: String, expected: Duration) {
        #expect(DurationParser.parse(text) == expected)
    }

    @Test func invalidDurations() {
        #expect(DurationParser.parse("") == nil)
        #expect(DurationParser.parse("-1s") == nil)
        #expect(DurationParser.parse("fast") == nil)
    }

    @Test func suggestionsOnlyForCloseWords() {
        #expect(Suggestion.editDistance("kitten", "sitting") == 3)
        #expect(Suggestion.closest(to: "rdis", in: ["redis", "timescale"]) == "redis")
        #expect(Suggestion.closest(to: "mongodb", in: ["redis", "timescale"]) == nil)
    }
}
