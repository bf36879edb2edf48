@testable import BenchCore

/// The shape of a workload with the operation kinds `names` (slots in order; those in `preStart`
/// timed before the measured interval) and the counters `counters`.
func testShape(_ names: [String], preStart: Set<String> = [], counters: [CounterKey] = []) -> WorkloadShape {
    WorkloadShape(
        operations: names.enumerated().map {
            WorkloadShape.Operation(
                slot: $0.offset,
                name: $0.element,
                isBeforeMeasuredInterval: preStart.contains($0.element)
            )
        },
        counters: counters.enumerated().map { (slot: $0.offset, key: $0.element) }
    )
}

extension ReportMetadata {
    /// Metadata for reports built by tests.
    static let test = ReportMetadata(
        command: "redis",
        target: "127.0.0.1:6379",
        serverVersion: "7.0",
        configuration: []
    )
}

/// `RunLimits` from `arguments` as `dbbench redis` would parse them.
func parseRunLimits(_ arguments: [String]) throws(UsageError) -> RunLimits {
    try RunLimits(
        ParsedArguments(parsing: arguments, specs: RunLimits.specs, command: "dbbench redis", environment: [:])
    )
}
