import BenchCore
import Glibc
import RedisBench
import SelfTest
import TimescaleBench

/// Every subcommand, in the order `dbbench --help` lists them.
let subcommands: [any Command.Type] = [
    RedisCommand.self, TimescaleCommand.self, ReportCommand.self, CompareCommand.self, MergeCommand.self,
    SelfTestCommand.self,
]

let topLevelHelp = """
    dbbench \(dbbenchVersion) — load tests for TimescaleDB/PostgreSQL and Redis, honest numbers.

    Usage: dbbench <command> [options]

    Commands:
    \(subcommands.map { "  " + Format.leftAligned($0.name, 12) + $0.summary }.joined(separator: "\n"))

    Options:
      --help       Show this help (also: dbbench help <command>,
                   dbbench <command> --help)
      --version    Print the version

    Results go to stdout; progress, notices and errors to stderr. Ctrl-C stops new
    operations, lets those in flight finish, prints partial results and cleans up
    (a second Ctrl-C quits at once).

    \(ExitCode.summary)
    """

/// Routes `arguments` and returns the exit code; every error becomes one line on stderr.
func route(_ arguments: [String]) async -> Int32 {
    guard let first = arguments.first else {
        print(topLevelHelp)
        return ExitCode.usage
    }
    switch first {
    case "--help", "-h":
        print(topLevelHelp)
        return ExitCode.success
    case "--version", "-V", "version":
        print("dbbench \(dbbenchVersion)")
        return ExitCode.success
    case "help":
        guard arguments.count > 1 else {
            print(topLevelHelp)
            return ExitCode.success
        }
        guard let command = subcommands.first(where: { $0.name == arguments[1] }) else {
            return fail(unknownCommand(arguments[1]), code: ExitCode.usage)
        }
        print(
            command.helpText(width: TerminalWidth.of(STDOUT_FILENO, environment: processEnvironment())),
            terminator: ""
        )
        return ExitCode.success
    default:
        break
    }
    guard let command = subcommands.first(where: { $0.name == first }) else {
        return fail(unknownCommand(first), code: ExitCode.usage)
    }
    let environment = processEnvironment()
    do {
        let parsed = try ParsedArguments(
            parsing: Array(arguments.dropFirst()),
            specs: command.options,
            command: "dbbench \(command.name)",
            environment: environment,
            shortFlags: command.shortFlags,
            allowsPositionals: command.positionalUsage != nil
        )
        for warning in parsed.warnings { writeStandardError(warning + "\n") }
        if parsed.wantsHelp {
            print(
                command.helpText(width: TerminalWidth.of(STDOUT_FILENO, environment: processEnvironment())),
                terminator: ""
            )
            return ExitCode.success
        }
        return try await command.run(parsed, environment: environment)
    } catch let error as UsageError {
        return fail(error.message, code: ExitCode.for(error))
    } catch {
        return fail("dbbench \(command.name): \(error)", code: ExitCode.for(error))
    }
}

func unknownCommand(_ word: String) -> String {
    var message = "dbbench: unknown command '\(word)'"
    if word.hasPrefix("-") { message = "dbbench: unknown option '\(word)'" }
    if let suggestion = Suggestion.closest(to: word, in: subcommands.map { $0.name }) {
        message += " (did you mean '\(suggestion)'?)"
    }
    return message + "; see 'dbbench --help'"
}

func fail(_ message: String, code: Int32) -> Int32 {
    writeStandardError(message + "\n")
    return code
}

signal(SIGPIPE, SIG_IGN)
StopSignal.installSignalHandlers()
let code = await route(Array(CommandLine.arguments.dropFirst()))
fflush(nil)
exit(code)
