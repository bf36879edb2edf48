import BenchCore
import IOLoop

/// The workloads `dbbench redis --tests` can select, in the order they run.
public enum RedisTest: String, CaseIterable, Sendable {
    case set, get, mixed, connections
}

/// `dbbench redis` options after validation; each option is declared once, below.
public struct RedisOptions: Sendable {
    public var host: String
    public var port: Int
    public var password: String?
    public var database: Int
    public var connections: Int
    public var operations: Int
    public var cacheKeys: Int
    /// GET draws keys from `0..<keyRange`; larger than `cacheKeys` produces misses.
    public var keyRange: Int
    public var pipeline: Int
    public var tests: [RedisTest]
    public var keyPrefix: String
    /// Sizes of the values SET, LPUSH and HSET write, in bytes.
    public var valueSize: ClosedRange<Int>
    /// Expiry of the keys SET writes, in seconds; 0 writes them without one.
    public var ttl: Int
    public var ioTimeout: Duration
    /// `--threads`, `--connect-timeout`, `--duration`, `--warmup`, `--rate`, `--arrival`, `--assert`,
    /// `--progress`, `--format`, `--output`.
    public var run: RunOptions
    /// The effective options for the JSON output (no password).
    public var configuration: [(String, String)]

    /// The most request bytes all connections may have in flight at once (connections × pipeline ×
    /// largest value), so that a configuration never exhausts the client's memory mid-run.
    static let inFlightBudget = 1 << 30

    enum Declared {
        static let host = Option.string(
            "host",
            placeholder: "HOST",
            default: "127.0.0.1",
            environment: "REDIS_HOST",
            help: "Redis server host name or address"
        )
        static let port = Option.integer(
            "port",
            placeholder: "PORT",
            default: 6379,
            in: 1...65535,
            environment: "REDIS_PORT",
            help: "Redis server port"
        )
        static let password = Option.optionalString(
            "password",
            placeholder: "PASSWORD",
            environment: "REDIS_PASSWORD",
            secret: true,
            help: "AUTH password; prefer the environment variable, which stays out of shell history and ps"
        )
        static let database = Option.integer(
            "db",
            default: 0,
            in: 0...1_000_000,
            environment: "REDIS_DB",
            help: "Database number (SELECT)"
        )
        static let connections = Option.integer(
            "connections",
            default: 100,
            in: 1...100_000,
            help: "Concurrent connections"
        )
        static let operations = Option.integer(
            "num-operations",
            default: 100_000,
            in: 1...10_000_000_000,
            help: "Operations per workload in total, split evenly over the connections"
        )
        static let cacheKeys = Option.integer(
            "cache-keys",
            default: 10_000,
            in: 1...100_000_000,
            help: "Keys SET and MIXED write and GET pre-populates"
        )
        static let keyRange = Option.optionalInteger(
            "key-range",
            defaultLabel: "--cache-keys",
            in: 1...1_000_000_000,
            help: "GET reads random keys from this many; above --cache-keys some reads miss"
        )
        static let pipeline = Option.integer(
            "pipeline",
            default: 1,
            in: 1...10_000,
            help: "Requests in flight per connection"
        )
        static let tests = Option.list(
            "tests",
            default: RedisTest.allCases,
            help: "Workloads to run, comma-separated"
        )
        static let keyPrefix = Option.string(
            "key-prefix",
            placeholder: "PREFIX",
            default: "dbbench:",
            help: "Every key the run creates starts with this; teardown deletes keys under it"
        )
        static let valueSize = Option.range(
            "value-size",
            default: 10...20,
            in: 1...1_048_576,
            help: "Bytes per value written, fixed or drawn uniformly from a range"
        )
        static let ttl = Option.integer(
            "ttl",
            placeholder: "SECONDS",
            default: 300,
            in: 0...100_000_000,
            help: "Expiry of the keys SET writes (SET ... EX); 0 for none"
        )
        static let ioTimeout = RunOptions.ioTimeout(
            default: .seconds(30),
            operation: "one request",
            answer: "its reply"
        )
    }

    public static let specs: [OptionSpec] =
        [
            Declared.host.spec, Declared.port.spec, Declared.password.spec, Declared.database.spec,
            Declared.connections.spec, Declared.operations.spec, Declared.cacheKeys.spec, Declared.keyRange.spec,
            Declared.pipeline.spec, Declared.tests.spec, Declared.keyPrefix.spec, Declared.valueSize.spec,
            Declared.ttl.spec,
        ] + RunOptions.connectionSpecs + [Declared.ioTimeout.spec] + RunOptions.specs

    public init(_ arguments: ParsedArguments) throws(UsageError) {
        let command = arguments.command
        host = try arguments[Declared.host]
        port = try arguments[Declared.port]
        password = try arguments[Declared.password]
        database = try arguments[Declared.database]
        connections = try arguments[Declared.connections]
        operations = try arguments[Declared.operations]
        cacheKeys = try arguments[Declared.cacheKeys]
        keyRange = try arguments[Declared.keyRange] ?? cacheKeys
        pipeline = try arguments[Declared.pipeline]
        tests = try arguments[Declared.tests]
        keyPrefix = try arguments[Declared.keyPrefix]
        valueSize = try arguments[Declared.valueSize]
        ttl = try arguments[Declared.ttl]
        ioTimeout = try arguments[Declared.ioTimeout]

        run = try RunOptions(arguments, workloads: RedisTest.allCases.map(\.rawValue), countingRows: [])
        configuration = arguments.configuration(resolved: ["key-range": String(keyRange)])
        if host.isEmpty { throw UsageError("\(command): --host must not be empty") }
        if tests.isEmpty {
            throw UsageError("\(command): --tests selects no workload; choose from set,get,mixed,connections")
        }
        if keyPrefix.isEmpty {
            throw UsageError("\(command): --key-prefix must not be empty: teardown deletes every key under the prefix")
        }
        if run.limits.rate != nil && pipeline > 1 {
            throw UsageError(
                "\(command): --rate schedules every request on its own and cannot be combined with --pipeline "
                    + "\(pipeline); use more --connections for more requests in flight"
            )
        }
        let inFlight = connections.multipliedReportingOverflow(by: pipeline * valueSize.upperBound)
        if inFlight.overflow || inFlight.partialValue > Self.inFlightBudget {
            throw UsageError(
                "\(command): --connections \(connections) × --pipeline \(pipeline) × --value-size "
                    + "\(valueSize.upperBound) B would keep over \(Self.inFlightBudget >> 20) MiB of requests in flight; "
                    + "lower one of them"
            )
        }
        let countsOperations = tests.contains { $0 != .connections }
        if countsOperations && run.limits.duration == nil && operations < connections {
            throw UsageError(
                "\(command): --num-operations (\(operations)) is smaller than --connections (\(connections)); "
                    + "every connection needs at least one operation"
            )
        }
    }
}
