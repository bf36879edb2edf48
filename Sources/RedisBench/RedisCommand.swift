import BenchCore
import Glibc
import IOLoop
import Redis

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

    public static func run(_ arguments: ParsedArguments, environment: [String: String]) async throws -> Int32 {
        let options = try RedisOptions(arguments)
        raiseOpenFileLimit()
        let addresses: [SocketAddress]
        do {
            addresses = try SocketAddress.resolve(host: options.host, port: options.port)
        } catch {
            throw UnavailableError(description: error.description)
        }
        let endpoint = RedisEndpoint(
            address: addresses[0],
            password: options.password,
            database: options.database,
            connectTimeout: options.connectTimeout,
            ioTimeout: options.ioTimeout
        )
        let target = RedisTarget(endpoint: endpoint, keyPrefix: options.keyPrefix)
        // Closed loop: poll before sleeping, so that Redis does not pay for waking the client (IdlePolling).
        let loops = try IOLoopGroup(count: options.threads, pollsWhenIdle: options.run.limits.rate == nil)
        defer { loops.shutdown() }

        let style = TerminalStyle.forStandardOutput(environment: environment)
        let runner = options.run.runner(loops: loops, style: style, stderrIsTerminal: standardErrorIsTerminal)
        try options.run.output.checkWritable()
        let version = try await serverVersion(target, on: loops.loops[0])

        var report = BenchmarkReport(
            title: "dbbench redis → \(endpoint.address) (Redis \(version))",
            settings: [
                "\(options.connections) connections", "\(options.threads) threads",
                "pipeline \(options.pipeline)",
                options.run.limits.summary ?? "\(Format.grouped(options.operations)) operations per workload",
                "\(Format.grouped(options.cacheKeys)) cache keys",
                "values \(options.valueSize.count == 1 ? "\(options.valueSize.lowerBound)" : "\(options.valueSize.lowerBound)-\(options.valueSize.upperBound)") B",
                options.ttl > 0 ? "TTL \(options.ttl) s" : "no TTL", options.run.limits.loopSummary,
            ]
        )
        let settings = KeyValueSettings(
            target: target,
            connections: options.connections,
            operations: options.operations,
            cacheKeys: options.cacheKeys,
            pipeline: options.pipeline,
            set: SetEncoding(
                keyPrefix: target.cacheKeyPrefix,
                values: ValueSource(sizes: options.valueSize),
                ttl: options.ttl
            )
        )
        for test in options.tests where !runner.stop.isRequested {
            let result: WorkloadResult
            switch test {
            case .set: result = try await runner.run(SetWorkload(settings: settings))
            case .get: result = try await runner.run(GetWorkload(settings: settings, keyRange: options.keyRange))
            case .mixed: result = try await runner.run(MixedWorkload(settings: settings))
            case .connections:
                result = try await runner.run(ConnectionsWorkload(target: target, connections: options.connections))
            }
            report.results.append(result)
        }
        report.assessments = RedisAssessment.assess(report.results)
        return try options.run.output.finish(
            &report,
            thresholds: options.run.thresholds,
            interrupted: runner.stop.isRequested,
            style: style,
            metadata: ReportMetadata(
                command: name,
                target: endpoint.address.description,
                serverVersion: version,
                configuration: options.configuration
            )
        )
    }

    /// Connects once (which checks reachability and credentials) and reads `redis_version`.
    static func serverVersion(_ target: RedisTarget, on loop: IOLoop) async throws -> String {
        try await withTaskExecutorPreference(loop) {
            do {
                let connection = try await target.connect(on: loop)
                defer { connection.close() }
                let info = try await connection.execute(["INFO", "server"]).string ?? ""
                for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("redis_version:") {
                    return String(line.dropFirst("redis_version:".count))
                }
                return "unknown version"
            } catch let error as RedisError {
                throw RedisBenchError(error)
            }
        }
    }
}

/// The old script's verdicts: throughput ≥100k ops/s EXCELLENT, ≥50k GOOD; GET hit ratio ≥90%
/// EXCELLENT, ≥70% GOOD. An open-loop run's throughput is the `--rate` asked for, so it is not rated.
enum RedisAssessment {
    static let throughput = RatingThresholds(excellent: 100_000, good: 50_000, higherIsBetter: true)
    static let hitRatio = RatingThresholds(excellent: 0.9, good: 0.7, higherIsBetter: true)

    static func assess(_ results: [WorkloadResult]) -> [Assessment] {
        var assessments: [Assessment] = []
        for result in results where result.name != "CONNECTIONS" {
            if result.rate == nil {
                assessments.append(
                    Assessment(
                        metric: "\(result.name) throughput",
                        value: "\(Format.grouped(Int(result.throughput.rounded()))) ops/s",
                        rating: throughput.rate(result.throughput)
                    )
                )
            }
            if result.name == "GET" {
                let ratio = GetWorkload.hitRatio(of: result).ratio
                assessments.append(
                    Assessment(
                        metric: "GET cache hit ratio",
                        value: Format.percent(ratio),
                        rating: hitRatio.rate(ratio)
                    )
                )
            }
        }
        return assessments
    }
}
