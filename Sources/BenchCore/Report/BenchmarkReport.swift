/// The one model of a run that every renderer (text, JSON, CSV) prints: who measured what with
/// which settings, the results of each workload, the verdicts and the exit code.
public struct BenchmarkReport: Sendable {
    /// "dbbench redis → 127.0.0.1:6379 (Redis 7.0.15)".
    public var title: String
    /// Settings that shape the numbers ("100 connections", "pipeline 1", ...).
    public var settings: [String]
    public var metadata: ReportMetadata
    public var results: [WorkloadResult]
    /// The old scripts' ratings of the results.
    public var assessments: [Assessment]
    /// The `--assert` results; any failure makes the exit code 1.
    public var thresholds: [ThresholdOutcome] = []
    /// Steps that failed as a whole (a workload's setup or teardown, the cleanup), in order.
    public var failures: [StepFailure] = []
    /// Last lines (what cleanup did, or what a failure left behind).
    public var footer: [String] = []
    /// `--start-at` and the clock offset against the server (shards and `--start-at` only).
    public var start: StartTiming?
    /// Unix time when the driver began the run and when it ended (after cleanup).
    public var startUnixTime: Double = 0
    public var endUnixTime: Double = 0
    /// The exit code the run ends with, decided by the driver.
    public var exitCode: Int32 = ExitCode.success

    public init(
        title: String,
        settings: [String],
        metadata: ReportMetadata,
        results: [WorkloadResult] = [],
        assessments: [Assessment] = []
    ) {
        self.title = title
        self.settings = settings
        self.metadata = metadata
        self.results = results
        self.assessments = assessments
    }

    /// True when a stop signal cut a workload short.
    public var interrupted: Bool { results.contains(where: \.interrupted) }
}

/// Who measured what, with which settings: carried by the JSON and CSV outputs.
public struct ReportMetadata: Sendable {
    public let version: String
    /// "redis", "timescale".
    public let command: String
    /// The server measured ("127.0.0.1:6379").
    public let target: String
    public let serverVersion: String
    /// The effective options (flag, environment or default), passwords left out.
    public let configuration: [(String, String)]
    /// The id that names what the run created (`RunOptions.runID`).
    public let runID: String
    /// `--shard`: which generator of the run this report is.
    public let shard: Shard?

    public init(
        command: String,
        target: String,
        serverVersion: String,
        configuration: [(String, String)],
        runID: String = "",
        shard: Shard? = nil,
        version: String = dbbenchVersion
    ) {
        self.runID = runID
        self.shard = shard
        self.version = version
        self.command = command
        self.target = target
        self.serverVersion = serverVersion
        self.configuration = configuration
    }
}
