import Foundation

/// What a run printed with `--format json` (Docs/output.md), for tests that check its numbers.
public struct RunReport: Sendable {
    /// One workload's figures.
    public struct Workload: Sendable {
        public let name: String
        public let attempted: Int
        public let succeeded: Int
        public let failed: Int
        public let wallSeconds: Double
        public let throughput: Double
        public let interrupted: Bool
        public let counters: [String: Int]
        public let countersPerSecond: [String: Double]
        public let notes: [String]
        /// Succeeded operations by kind.
        public let operations: [String: Int]
        public let errors: [String: Int]
        /// Succeeded and failed operations in each second.
        public let perSecond: [Int]
        public let errorsPerSecond: [Int]
        public let availability: Availability
        /// Per node of a cluster: succeeded operations by node name.
        public let nodes: [String: Int]

        /// True when some note contains `text`.
        public func notes(contain text: String) -> Bool { notes.contains { $0.contains(text) } }
    }

    /// Outages and reconnections of one workload.
    public struct Availability: Sendable {
        public struct Outage: Sendable {
            public let startSeconds: Double
            public let seconds: Double
            public let lostConnections: Int
            public let recovered: Bool
        }

        public let unavailableSeconds: Double
        public let outages: [Outage]
        public let reconnections: Int
        public let failedReconnects: [String: Int]

        init(_ object: [String: Any]) {
            unavailableSeconds = (object["unavailable_seconds"] as? NSNumber)?.doubleValue ?? -1
            outages = (object["outages"] as? [[String: Any]] ?? []).map {
                Outage(
                    startSeconds: ($0["start_seconds"] as? NSNumber)?.doubleValue ?? -1,
                    seconds: ($0["seconds"] as? NSNumber)?.doubleValue ?? -1,
                    lostConnections: $0["lost_connections"] as? Int ?? -1,
                    recovered: $0["recovered"] as? Bool ?? false
                )
            }
            reconnections = object["reconnections"] as? Int ?? -1
            failedReconnects = object["failed_reconnects"] as? [String: Int] ?? [:]
        }
    }

    public let workloads: [Workload]
    public let interrupted: Bool
    public let exitCode: Int
    /// The thresholds, as `expression passed`.
    public let thresholds: [String]
    public let configuration: [String: String]
    /// The id naming what the run created.
    public let runID: String
    /// The report's last lines (what cleanup did).
    public let footer: [String]
    /// The steps that failed, as `workload step: error`.
    public let failures: [String]
    /// `start`: `at` (Unix seconds), `skew_us`, `clock_offset_us`, `clock_offset_uncertainty_us`.
    public let start: [String: Double]
    /// The shard's index, or nil.
    public let shard: Int?

    /// When this generator began by the server's clock (`--start-at` + skew + clock offset).
    public var serverStart: Double? {
        guard let at = start["at"], let skew = start["skew_us"] else { return nil }
        return at + (skew + (start["clock_offset_us"] ?? 0)) / 1e6
    }

    public func workload(_ name: String) -> Workload? { workloads.first { $0.name == name } }

    /// Decodes stdout of a `--format json` run.
    public init(json text: String) throws {
        guard let document = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw NotAReport(text: text)
        }
        interrupted = document["interrupted"] as? Bool ?? false
        exitCode = document["exit_code"] as? Int ?? -1
        configuration = document["configuration"] as? [String: String] ?? [:]
        footer = document["footer"] as? [String] ?? []
        runID = document["run_id"] as? String ?? ""
        start = (document["start"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.doubleValue }
        shard = (document["shard"] as? [String: Any])?["index"] as? Int
        failures = (document["failures"] as? [[String: Any]] ?? []).map {
            "\($0["workload"] as? String ?? "") \($0["step"] as? String ?? ""): \($0["error"] as? String ?? "")"
        }
        thresholds = (document["thresholds"] as? [[String: Any]] ?? []).map {
            "\($0["expression"] as? String ?? "") \($0["passed"] as? Bool ?? false)"
        }
        workloads = (document["workloads"] as? [[String: Any]] ?? []).map { workload in
            var operations: [String: Int] = [:]
            for operation in workload["operations"] as? [[String: Any]] ?? [] {
                operations[operation["name"] as? String ?? ""] = operation["succeeded"] as? Int ?? 0
            }
            return Workload(
                name: workload["name"] as? String ?? "",
                attempted: workload["attempted"] as? Int ?? -1,
                succeeded: workload["succeeded"] as? Int ?? -1,
                failed: workload["failed"] as? Int ?? -1,
                wallSeconds: (workload["wall_seconds"] as? NSNumber)?.doubleValue ?? -1,
                throughput: (workload["throughput_per_second"] as? NSNumber)?.doubleValue ?? -1,
                interrupted: workload["interrupted"] as? Bool ?? false,
                counters: workload["counters"] as? [String: Int] ?? [:],
                countersPerSecond: (workload["counters_per_second"] as? [String: NSNumber] ?? [:])
                    .mapValues(\.doubleValue),
                notes: workload["notes"] as? [String] ?? [],
                operations: operations,
                errors: workload["errors"] as? [String: Int] ?? [:],
                perSecond: (workload["per_second"] as? [[String: Any]] ?? []).map { $0["succeeded"] as? Int ?? -1 },
                errorsPerSecond: (workload["per_second"] as? [[String: Any]] ?? []).map { $0["failed"] as? Int ?? -1 },
                availability: Availability(workload["availability"] as? [String: Any] ?? [:]),
                nodes: Dictionary(
                    (workload["nodes"] as? [[String: Any]] ?? []).map {
                        ($0["name"] as? String ?? "", $0["succeeded"] as? Int ?? -1)
                    },
                    uniquingKeysWith: +
                )
            )
        }
    }
}

public struct NotAReport: Error, CustomStringConvertible {
    public let text: String
    public var description: String { "not a JSON report: \(text.prefix(500))" }
}

extension CommandRunner {
    /// Runs dbbench with `--format json` added and decodes what it printed.
    public static func dbbenchJSON(
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: Double = 120,
        interruptAfter: Double? = nil,
        signal: Int32 = SIGINT
    ) throws -> (result: CommandResult, report: RunReport) {
        let result = try dbbench(
            arguments + ["--format", "json"],
            environment: environment,
            timeout: timeout,
            interruptAfter: interruptAfter,
            signal: signal
        )
        return (result, try RunReport(json: result.stdout))
    }
}
