import BenchCore

/// `dbbench redis`: SET, GET, MIXED and CONNECTIONS workloads against one Redis server.
public enum RedisCommand: Subcommand {
    public static let name = "redis"
    public static let summary = "Load-test a Redis server: SET, GET, a mixed workload and a connection test."
    public static let discussion = """
        Every operation is timed on its own and recorded in an HdrHistogram; throughput is successful
        operations over wall-clock time, measured once all connections are open. Keys are created under
        --key-prefix and deleted after each workload with SCAN MATCH + UNLINK (never FLUSHDB).

        Examples:
          dbbench redis --num-operations 200000
          REDIS_PASSWORD=secret dbbench redis --host redis.staging --tests set,get --pipeline 16
        """
    public static var options: [OptionSpec] { RedisOptions.specs }

    public static func backend(_ arguments: ParsedArguments) throws -> RedisBackend {
        RedisBackend(options: try RedisOptions(arguments))
    }
}
