import BenchCore
import Glibc
import IOLoop
import Postgres

/// Generates rows of `llm_usage_metrics` as the old load-test script did, with times spread over
/// the last hour (or `--time-spread`) so that the query workload reads real data.
struct MetricRow {
    static let columnCount = 15
    static let columns =
        "time, model_id, provider, request_count, token_input, token_output, token_total, cost_usd, "
        + "avg_latency_ms, error_count, success_count, user_id, application_id, environment, metadata"

    static let models: [(model: [UInt8], provider: [UInt8])] = [
        ("gpt-4", "openai"), ("gpt-3.5-turbo", "openai"), ("claude-3", "anthropic"), ("claude-2", "anthropic"),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }
    static let users = (1...3).map { Array("user-\($0)".utf8) }
    static let applications = (1...3).map { Array("app-\($0)".utf8) }
    static let environments = ["dev", "staging", "prod"].map { Array($0.utf8) }
    static let regions = ["us-east-1", "eu-west-1", "ap-south-1"]

    /// The JSON each row carries in `metadata`: this run's id (how teardown finds the rows it
    /// inserted into a table it did not create) and a region.
    let metadata: [[UInt8]]
    /// How far back from now a row's time may lie, in microseconds.
    let spreadMicroseconds: Int

    init(runID: String, spread: Duration = .seconds(3600)) {
        spreadMicroseconds = max(1, Int(spread.nanoseconds / 1_000))
        metadata = Self.regions.map {
            Array("{\"run_id\": \"\(runID)\", \"region\": \"\($0)\", \"source\": \"dbbench\"}".utf8)
        }
    }

    /// Appends `count` random rows to `rows`.
    func append(_ count: Int, to rows: inout BinaryRows, random: inout FastRandom) {
        let now = Self.unixMicroseconds()
        for _ in 0..<count {
            rows.beginRow(fieldCount: Self.columnCount)
            rows.timestamp(unixMicroseconds: now - Int64(random.below(spreadMicroseconds)))
            let model = Self.models[random.below(Self.models.count)]
            rows.text(model.model)
            rows.text(model.provider)
            rows.int32(Int32(random.within(1...100)))
            let input = random.within(100...10_000)
            let output = random.within(100...10_000)
            rows.int32(Int32(input))
            rows.int32(Int32(output))
            rows.int32(Int32(input + output))
            rows.numeric(unscaled: Int64(random.within(1_000...500_000)), scale: 6)  // 0.001–0.5 USD
            rows.numeric(unscaled: Int64(random.within(5_000...50_000)), scale: 2)  // 50–500 ms
            rows.int32(Int32(random.within(0...10)))
            rows.int32(Int32(random.within(90...100)))
            rows.text(Self.users[random.below(Self.users.count)])
            rows.text(Self.applications[random.below(Self.applications.count)])
            rows.text(Self.environments[random.below(Self.environments.count)])
            rows.jsonb(metadata[random.below(metadata.count)])
        }
    }

    static func unixMicroseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1_000
    }
}
