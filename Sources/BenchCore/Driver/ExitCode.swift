/// Exit codes, following sysexits(3) where one fits; `ExitCode.for(_:)` is the one place where an
/// error becomes a code.
public enum ExitCode {
    public static let success: Int32 = 0
    /// A threshold failed (`--assert`), or `dbbench compare` found a gated regression.
    public static let thresholdFailed: Int32 = 1
    /// `dbbench compare`: the data cannot decide a gated change (too few runs).
    public static let undecided: Int32 = 2
    /// Bad command-line input (EX_USAGE).
    public static let usage: Int32 = 64
    /// The server cannot be reached or failed (EX_UNAVAILABLE).
    public static let unavailable: Int32 = 69
    /// A result file is not one dbbench wrote (EX_DATAERR).
    public static let badInput: Int32 = 65
    /// A result file cannot be read (EX_NOINPUT).
    public static let cannotOpenInput: Int32 = 66
    /// dbbench itself failed (EX_SOFTWARE).
    public static let software: Int32 = 70
    /// Not ready by `--start-at` (EX_TEMPFAIL): nothing was run; start earlier and try again.
    public static let notReady: Int32 = 75
    /// The `--output` file cannot be written (EX_CANTCREAT).
    public static let cannotCreate: Int32 = 73
    /// The results could not be written to stdout (EX_IOERR): a full disk, a closed pipe.
    public static let ioError: Int32 = 74
    /// The server refused the credentials or a privilege (EX_NOPERM).
    public static let noPermission: Int32 = 77
    /// Interrupted by SIGINT/SIGTERM.
    public static let interrupted: Int32 = 130

    /// The code of a run that got as far as a report: 130 after a stop signal, else the code of the
    /// first step that failed (69 for a server that went away), else 1 when a threshold failed,
    /// else 0.
    public static func forRun(
        thresholds: [ThresholdOutcome],
        interrupted: Bool,
        failures: [StepFailure] = []
    ) -> Int32 {
        if interrupted { return ExitCode.interrupted }
        if let failure = failures.first { return failure.exitCode }
        return thresholds.allSatisfy(\.passed) ? success : thresholdFailed
    }

    /// The code a run that failed with `error` ends with.
    public static func `for`(_ error: any Error) -> Int32 {
        switch error {
        case is UsageError: return usage
        case let failure as any CommandFailure:
            switch failure.kind {
            case .unavailable: return unavailable
            case .permissionDenied: return noPermission
            case .cannotWriteOutput: return cannotCreate
            case .badInput: return badInput
            case .cannotReadInput: return cannotOpenInput
            case .cannotWriteStandardOutput: return ioError
            case .internalError: return software
            case .notReady: return notReady
            }
        default: return software
        }
    }

    /// The lines of `dbbench --help` that list the codes.
    public static let summary = """
        Exit codes: 0 done, 1 an --assert failed (compare: a regression), 2 compare
        cannot decide, 64 bad input, 65 a result file is not dbbench's JSON, 66 a
        result file cannot be read, 69 server unreachable or failing, 70 internal
        error, 73 --output cannot be written, 74 the results could not be written to
        stdout, 75 not ready by --start-at (nothing was run), 77 authentication or
        privilege refused, 130 interrupted (SIGINT, SIGTERM, SIGHUP).
        """
}

/// What went wrong, as far as the exit code is concerned.
public enum FailureKind: Sendable {
    /// The server cannot be reached, or failed.
    case unavailable
    /// The server refused the credentials or a privilege.
    case permissionDenied
    /// The results file cannot be written.
    case cannotWriteOutput
    /// The results could not be written to stdout.
    case cannotWriteStandardOutput
    /// A result file is not JSON that dbbench wrote.
    case badInput
    /// A result file cannot be opened or read.
    case cannotReadInput
    /// dbbench itself failed (a reply it does not understand).
    case internalError
    /// Not ready by `--start-at`: nothing was run.
    case notReady
}

/// An error that ends the run with one line on stderr; `kind` decides the exit code.
public protocol CommandFailure: Error, CustomStringConvertible {
    var kind: FailureKind { get }
}

/// A server that cannot be used at all (unresolvable host, ...): exit 69.
public struct UnavailableError: CommandFailure {
    public let description: String
    public var kind: FailureKind { .unavailable }

    public init(description: String) { self.description = description }
}
