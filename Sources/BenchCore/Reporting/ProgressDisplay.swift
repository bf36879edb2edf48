import IOLoop
import Synchronization

/// How progress is shown on stderr while a workload runs.
public enum ProgressMode: Sendable, Equatable {
    /// A one-line bar redrawn about ten times a second (for a terminal).
    case bar
    /// One line per second (for CI logs): the timeline of the run.
    case lines
    case off

    /// `--progress auto|on|off`: `auto` (the default) and `on` draw the bar on a terminal and
    /// per-second lines elsewhere; `auto` shows lines too, so CI logs get the timeline.
    public static func choose(_ setting: String, stderrIsTerminal: Bool) -> ProgressMode {
        if setting == "off" { return .off }
        return stderrIsTerminal ? .bar : .lines
    }
}

extension OptionSpec {
    /// `--progress`, shared by every subcommand.
    public static let progress = OptionSpec(
        "progress",
        placeholder: "auto|on|off",
        default: "auto",
        help: "Progress on stderr: a bar on a terminal, one line per second otherwise (CI logs); off for none"
    )
}

/// Progress on stderr from the recorders' atomic counters, and the per-second series of the results
/// (sampled whatever the mode). Results never go to stderr, so a terminal or a log shows both
/// without mixing them.
final class ProgressDisplay: Sendable {
    private let task: Task<[Int], Never>

    private init(task: Task<[Int], Never>) { self.task = task }

    static func start(
        mode: ProgressMode,
        name: String,
        total: Int,
        recorders: [OperationRecorder],
        style: TerminalStyle
    ) -> ProgressDisplay {
        let task = Task { () -> [Int] in
            let started = monotonicNanoseconds()
            let interval: Duration = mode == .bar ? .milliseconds(100) : .seconds(1)
            var series: [Int] = []
            var doneAtLastSecond = 0
            func done() -> Int { recorders.reduce(0) { $0 + $1.completed.load(ordering: .relaxed) } }
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                let now = done()
                let seconds = Int((monotonicNanoseconds() - started) / 1_000_000_000)
                if seconds > series.count {
                    series.append(now - doneAtLastSecond)
                    doneAtLastSecond = now
                    if mode == .lines {
                        writeStandardError(
                            timelineLine(
                                name: name,
                                second: series.count,
                                done: now,
                                total: total,
                                lastSecond: series.last ?? 0
                            ) + "\n"
                        )
                    }
                }
                if mode == .bar {
                    let elapsed = Double(monotonicNanoseconds() - started) / 1e9
                    writeStandardError(
                        "\r\u{1B}[K" + bar(name: name, done: now, total: total, elapsed: elapsed, style: style)
                    )
                }
            }
            if mode == .bar { writeStandardError("\r\u{1B}[K") }
            let remainder = done() - doneAtLastSecond
            if remainder > 0 { series.append(remainder) }
            return series
        }
        return ProgressDisplay(task: task)
    }

    /// Stops and returns the work done in each second since the start (the last entry may cover
    /// less than a second).
    func stop() async -> [Int] {
        task.cancel()
        return await task.value
    }

    static func bar(name: String, done: Int, total: Int, elapsed: Double, style: TerminalStyle) -> String {
        let width = 30
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        return "  \(style.bold(name)) [\(bar)] \(Format.percent(fraction)) \(Format.grouped(Int(rate))) ops/s"
    }

    /// "progress SET 3s: 312,000 of 1,000,000 (31.2%), 104,000 in the last second".
    static func timelineLine(name: String, second: Int, done: Int, total: Int, lastSecond: Int) -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let amount =
            total > 0
            ? "\(Format.grouped(done)) of \(Format.grouped(total)) (\(Format.percent(fraction)))"
            : "\(Format.grouped(done)) done"
        return "progress \(name) \(second)s: \(amount), \(Format.grouped(lastSecond)) in the last second"
    }
}
