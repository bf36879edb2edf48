import BenchCore

/// `dbbench timescale`: placeholder until the TimescaleDB workloads land.
enum TimescaleCommand: Subcommand {
    static let name = "timescale"
    static let summary = "Load-test TimescaleDB/PostgreSQL (not available yet in this version)."
    static let discussion = ""
    static let options: [OptionSpec] = [.help]

    static func run(_ arguments: ParsedArguments, environment: [String: String]) async throws -> Int32 {
        throw NotYetAvailable()
    }

    struct NotYetAvailable: CommandFailure {
        var description: String { "not available yet in this version; see README" }
        var exitCode: Int32 { ExitCode.software }
    }
}
