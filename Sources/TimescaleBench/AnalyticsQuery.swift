/// The queries of the QUERY workload: the old script's aggregate, and what a TimescaleDB user runs
/// on such a table.
public struct AnalyticsQuery: Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        /// The old script's query: per (model, provider) over the last hour, ordered by requests.
        case topModels = "top_models"
        /// The latest row of every model: one index lookup per model on (model_id, time DESC).
        case lastPoint = "last_point"
        /// One-minute buckets over the last hour (`time_bucket`, or `date_bin` without TimescaleDB).
        case buckets
        /// The last 10 minutes of one random user, newest first.
        case userRange = "user_range"
    }

    public let kind: Kind
    public let sql: String
    /// Whether the statement takes the user id as `$1`.
    public let takesUser: Bool

    public init(_ kind: Kind, table: String, timescale: Bool) {
        self.kind = kind
        switch kind {
        case .topModels:
            sql = """
                SELECT model_id, provider, SUM(request_count) AS total_requests, SUM(token_total) AS total_tokens,
                       SUM(cost_usd) AS total_cost, AVG(avg_latency_ms) AS avg_latency
                FROM \(table) WHERE time > now() - interval '1 hour'
                GROUP BY model_id, provider ORDER BY total_requests DESC LIMIT 10
                """
        case .lastPoint:
            let models = MetricRow.models.map { "('\(String(decoding: $0.model, as: UTF8.self))')" }.joined(separator: ", ")
            sql = """
                SELECT m.model_id, l.time, l.provider, l.token_total, l.cost_usd
                FROM (VALUES \(models)) AS m (model_id)
                CROSS JOIN LATERAL (SELECT time, provider, token_total, cost_usd FROM \(table)
                                    WHERE model_id = m.model_id ORDER BY time DESC LIMIT 1) AS l
                """
        case .buckets:
            let bucket = timescale ? "time_bucket('1 minute', time)" : "date_bin('1 minute', time, timestamptz '2000-01-01')"
            sql = """
                SELECT \(bucket) AS minute, count(*) AS requests, SUM(token_total) AS tokens, AVG(avg_latency_ms) AS latency
                FROM \(table) WHERE time > now() - interval '1 hour' GROUP BY minute ORDER BY minute
                """
        case .userRange:
            sql = """
                SELECT time, model_id, provider, token_total, cost_usd FROM \(table)
                WHERE user_id = $1 AND time > now() - interval '10 minutes' ORDER BY time DESC LIMIT 100
                """
        }
        takesUser = kind == .userRange
    }
}
