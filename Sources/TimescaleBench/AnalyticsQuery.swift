/// One prepared statement the QUERY or SQL workload executes, with how to draw its parameters.
public struct BenchQuery: Sendable {
    /// How one `$n` parameter is drawn for each execution.
    public enum Parameter: Sendable, Equatable {
        /// One of these strings, uniformly.
        case oneOf([String])
        /// A whole number in the range, uniformly.
        case integer(ClosedRange<Int>)
    }

    public let name: String
    public let sql: String
    public let parameters: [Parameter]

    public init(name: String, sql: String, parameters: [Parameter] = []) {
        self.name = name
        self.sql = sql
        self.parameters = parameters
    }
}

/// The queries of the QUERY workload: the old script's aggregate, and what a TimescaleDB user runs
/// on such a table.
public enum AnalyticsQuery: String, CaseIterable, Sendable {
    /// The old script's query: per (model, provider) over the last hour, ordered by requests.
    case topModels = "top_models"
    /// The latest row of every model: one index lookup per model on (model_id, time DESC).
    case lastPoint = "last_point"
    /// One-minute buckets over the last hour (`time_bucket`, or `date_bin` without TimescaleDB).
    case buckets
    /// The last 10 minutes of one random user, newest first.
    case userRange = "user_range"

    /// The statement against `table`.
    public func query(table: String, timescale: Bool) -> BenchQuery {
        switch self {
        case .topModels:
            return BenchQuery(
                name: rawValue,
                sql: """
                    SELECT model_id, provider, SUM(request_count) AS total_requests, SUM(token_total) AS total_tokens,
                           SUM(cost_usd) AS total_cost, AVG(avg_latency_ms) AS avg_latency
                    FROM \(table) WHERE time > now() - interval '1 hour'
                    GROUP BY model_id, provider ORDER BY total_requests DESC LIMIT 10
                    """
            )
        case .lastPoint:
            let models = MetricRow.models.map { "('\(String(decoding: $0.model, as: UTF8.self))')" }.joined(
                separator: ", "
            )
            return BenchQuery(
                name: rawValue,
                sql: """
                    SELECT m.model_id, l.time, l.provider, l.token_total, l.cost_usd
                    FROM (VALUES \(models)) AS m (model_id)
                    CROSS JOIN LATERAL (SELECT time, provider, token_total, cost_usd FROM \(table)
                                        WHERE model_id = m.model_id ORDER BY time DESC LIMIT 1) AS l
                    """
            )
        case .buckets:
            let bucket =
                timescale ? "time_bucket('1 minute', time)" : "date_bin('1 minute', time, timestamptz '2000-01-01')"
            return BenchQuery(
                name: rawValue,
                sql: """
                    SELECT \(bucket) AS minute, count(*) AS requests, SUM(token_total) AS tokens, AVG(avg_latency_ms) AS latency
                    FROM \(table) WHERE time > now() - interval '1 hour' GROUP BY minute ORDER BY minute
                    """
            )
        case .userRange:
            return BenchQuery(
                name: rawValue,
                sql: """
                    SELECT time, model_id, provider, token_total, cost_usd FROM \(table)
                    WHERE user_id = $1 AND time > now() - interval '10 minutes' ORDER BY time DESC LIMIT 100
                    """,
                parameters: [.oneOf(MetricRow.users.map { String(decoding: $0, as: UTF8.self) })]
            )
        }
    }
}
