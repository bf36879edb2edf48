import BenchCore

/// `dbbench redis`: SET, GET, MIXED and CONNECTIONS workloads against one Redis server.
public enum RedisCommand: Subcommand {
    public static let name = "redis"
    /// redis-benchmark's letters.
    public static let shortFlags = [
        ShortFlag("h", "host"), ShortFlag("p", "port"), ShortFlag("c", "connections"),
        ShortFlag("n", "num-operations"), ShortFlag("P", "pipeline"), ShortFlag("d", "value-size"),
        ShortFlag("t", "tests"),
        ShortFlag(
            "a",
            "password",
            warning: "-a puts the password in the process list and shell history; prefer REDIS_PASSWORD"
        ),
    ]
    public static let summary = "Load-test Redis: SET, GET, a mixed workload, a connection test."
    public static let discussion = """
        Every operation is timed on its own and recorded in an HdrHistogram; throughput is successful
        operations over wall-clock time, measured once all connections are open. Keys are created under
        --key-prefix and deleted after each workload with SCAN MATCH + UNLINK (never FLUSHDB).

        Examples:
          dbbench redis --num-operations 200000
          REDIS_PASSWORD=secret dbbench redis --host redis.staging -t set,get -P 16
        """
    public static var options: [OptionSpec] { RedisOptions.specs }

    public static func backend(_ arguments: ParsedArguments) throws -> RedisBackend {
        RedisBackend(options: try RedisOptions(arguments))
    }
}
