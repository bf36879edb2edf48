import IOLoop

/// What a subcommand plugs into `RunDriver`: how it reaches and prepares its server, which
/// workloads it runs, and how it cleans up. Everything else (the loops, the runner, the order of
/// the steps, thresholds, output and the exit code) is the driver's.
public protocol Backend: Sendable {
    /// What `prepare` found and did: the server's identity and what cleanup must undo.
    associatedtype Prepared: Sendable

    /// The options every subcommand shares.
    var run: RunOptions { get }
    /// "redis", "timescale": the JSON's `command`.
    var command: String { get }
    /// The effective options for the JSON output (no password).
    var configuration: [(String, String)] { get }
    /// Whether an idle I/O loop polls briefly before it sleeps (`IdlePolling`).
    var pollsWhenIdle: Bool { get }

    /// Resolves the server, connects once (which checks reachability and credentials), reads what
    /// the report names and prepares what the workloads need (unmeasured). Runs on `loop`. What it
    /// created before failing is its own to undo.
    func prepare(on loop: IOLoop) async throws -> Prepared
    /// `--phase prepare`: what `prepare` found and did, for stdout (the driver adds what comes next).
    func preparationSummary(_ prepared: Prepared) -> [String]
    /// `--phase cleanup`: removes what every shard of the run (`run.runID`) left and what
    /// `--phase prepare` created, bounded as a run's own cleanup is. Returns lines for stdout.
    func cleanUpDistributedRun(on loop: IOLoop) async throws -> [String]
    /// Title, target and settings of the report.
    func header(_ prepared: Prepared) -> ReportHeader
    /// Lines for stderr before the run (a plain table instead of a hypertable).
    func notices(_ prepared: Prepared) -> [String]
    /// The workloads to run, in order.
    func workloads(_ prepared: Prepared) -> [any Workload]
    /// Removes what the run created beyond what each workload's teardown removes; runs after
    /// success and after failure. Returns the report's last lines.
    func cleanUp(_ prepared: Prepared, on loop: IOLoop) async throws -> [String]
    /// After a step failed: whether the server still answers, so that the next workload may run.
    func stillAnswers(_ prepared: Prepared, on loop: IOLoop) async -> Bool
    /// After a failed teardown or cleanup: what the run may have left on the server, and how to
    /// find it, for the report's last lines.
    func leftBehind(_ prepared: Prepared) -> [String]
    /// This machine's clock against the server's (`ClockOffset.measure` over Redis `TIME` or
    /// PostgreSQL `clock_timestamp()`), for shards and `--start-at`; nil when it cannot be read.
    func clockOffset(_ prepared: Prepared, on loop: IOLoop) async throws -> ClockOffset?
    /// What the server said on its own during the run (notices and warnings worth reading), each
    /// once; shown on stderr, never in the results.
    func serverNotices() -> [String]
}

extension Backend {
    public var pollsWhenIdle: Bool { false }
    public func notices(_ prepared: Prepared) -> [String] { [] }
    public func cleanUp(_ prepared: Prepared, on loop: IOLoop) async throws -> [String] { [] }
    public func stillAnswers(_ prepared: Prepared, on loop: IOLoop) async -> Bool { false }
    public func serverNotices() -> [String] { [] }
    public func clockOffset(_ prepared: Prepared, on loop: IOLoop) async throws -> ClockOffset? { nil }
}

/// What a backend says of the server it measured, for the report.
public struct ReportHeader: Sendable {
    /// "dbbench redis → 127.0.0.1:6379 (Redis 7.0.15)".
    public var title: String
    /// The server measured ("127.0.0.1:6379").
    public var target: String
    public var serverVersion: String
    /// What shapes the numbers ("100 connections", "pipeline 1").
    public var settings: [String]

    public init(title: String, target: String, serverVersion: String, settings: [String]) {
        self.title = title
        self.target = target
        self.serverVersion = serverVersion
        self.settings = settings
    }
}
