import BenchCore
import IOLoop

/// The workloads `dbbench redis --tests` can select, in the order they run.
public enum RedisTest: String, CaseIterable, Sendable {
    case set, get, mixed, connections
}

/// `dbbench redis` options after validation.
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
    public var threads: Int
    public var connectTimeout: Duration
    public var ioTimeout: Duration
    /// `--duration`, `--warmup`, `--rate`, `--arrival`, `--assert`, `--progress`, `--format`, `--output`.
    public var run: RunOptions
    /// The effective options for the JSON output (no password).
    public var configuration: [(String, String)]

    public static let specs: [OptionSpec] =
        [
            OptionSpec(
                "host",
                placeholder: "HOST",
                default: "127.0.0.1",
                environment: "REDIS_HOST",
                help: "Redis server host name or address"
            ),
            OptionSpec(
                "port",
                placeholder: "PORT",
                default: "6379",
                environment: "REDIS_PORT",
                help: "Redis server port"
            ),
            OptionSpec(
                "password",
                placeholder: "PASSWORD",
                environment: "REDIS_PASSWORD",
                help: "AUTH password; prefer the environment variable, which stays out of shell history and ps"
            ),
            OptionSpec(
                "db",
                placeholder: "N",
                default: "0",
                environment: "REDIS_DB",
                help: "Database number (SELECT)"
            ),
            OptionSpec(
                "connections",
                placeholder: "N",
                default: "100",
                help: "Concurrent connections"
            ),
            OptionSpec(
                "num-operations",
                placeholder: "N",
                default: "100000",
                help: "Operations per workload in total, split evenly over the connections"
            ),
            OptionSpec(
                "cache-keys",
                placeholder: "N",
                default: "10000",
                help: "Keys SET and MIXED write and GET pre-populates"
            ),
            OptionSpec(
                "key-range",
                placeholder: "N",
                default: "--cache-keys",
                help: "GET reads random keys from this many; above --cache-keys some reads miss"
            ),
            OptionSpec(
                "pipeline",
                placeholder: "N",
                default: "1",
                help: "Requests in flight per connection"
            ),
            OptionSpec(
                "tests",
                placeholder: "LIST",
                default: "set,get,mixed,connections",
                help: "Workloads to run, comma-separated"
            ),
            OptionSpec(
                "key-prefix",
                placeholder: "PREFIX",
                default: "dbbench:",
                help: "Every key the run creates starts with this; teardown deletes keys under it"
            ),
            OptionSpec(
                "value-size",
                placeholder: "N|MIN-MAX",
                default: "10-20",
                help: "Bytes per value written, fixed or drawn uniformly from a range"
            ),
            OptionSpec(
                "ttl",
                placeholder: "SECONDS",
                default: "300",
                help: "Expiry of the keys SET writes (SET ... EX); 0 for none"
            ),
            .threads,
            .connectTimeout,
            .ioTimeout,
        ] + RunOptions.specs

    public init(_ arguments: ParsedArguments) throws(UsageError) {
        let command = arguments.command
        host = arguments.string("host", default: "127.0.0.1")
        port = try arguments.integer("port", default: 6379, in: 1...65535)
        password = arguments.optionalString("password")
        database = try arguments.integer("db", default: 0, in: 0...1_000_000)
        connections = try arguments.integer("connections", default: 100, in: 1...100_000)
        operations = try arguments.integer("num-operations", default: 100_000, in: 1...10_000_000_000)
        cacheKeys = try arguments.integer("cache-keys", default: 10_000, in: 1...100_000_000)
        keyRange = try arguments.integer("key-range", default: cacheKeys, in: 1...1_000_000_000)
        pipeline = try arguments.integer("pipeline", default: 1, in: 1...10_000)
        tests = try arguments.list(
            "tests",
            default: RedisTest.allCases.map(\.rawValue),
            allowed: RedisTest.allCases.map(\.rawValue)
        ).compactMap(RedisTest.init(rawValue:))
        keyPrefix = arguments.string("key-prefix", default: "dbbench:")
        valueSize = try arguments.range("value-size", default: 10...20, in: 1...1_048_576)
        ttl = try arguments.integer("ttl", default: 300, in: 0...100_000_000)
        threads = try arguments.integer("threads", default: IOLoopGroup.processorCount, in: 1...256)
        connectTimeout = try arguments.duration(
            "connect-timeout",
            default: .seconds(5),
            in: .milliseconds(1)...(.seconds(600))
        )
        ioTimeout = try arguments.duration("timeout", default: .seconds(30), in: .milliseconds(1)...(.seconds(3600)))

        run = try RunOptions(arguments, workloads: RedisTest.allCases.map(\.rawValue))
        configuration = arguments.effectiveConfiguration(
            hiding: ["password"],
            resolved: ["threads": String(threads), "key-range": String(keyRange)]
        )
        if host.isEmpty { throw UsageError("\(command): --host must not be empty") }
        if tests.isEmpty {
            throw UsageError("\(command): --tests selects no workload; choose from set,get,mixed,connections")
        }
        if keyPrefix.isEmpty {
            throw UsageError("\(command): --key-prefix must not be empty: teardown deletes every key under the prefix")
        }
        if run.limits.rate != nil && pipeline > 1 {
            throw UsageError(
                "\(command): --rate schedules every request on its own and cannot be combined with --pipeline \(pipeline); use more --connections for more requests in flight"
            )
        }
        let countsOperations = tests.contains { $0 != .connections }
        if countsOperations && run.limits.duration == nil && operations < connections {
            throw UsageError(
                "\(command): --num-operations (\(operations)) is smaller than --connections (\(connections)); every connection needs at least one operation"
            )
        }
    }
}
