import IOLoop
import Synchronization

/// A one-line progress bar on stderr, redrawn about ten times a second from the recorders'
/// atomic counters. Results never go to stderr, so a terminal shows both without mixing them.
final class ProgressDisplay: Sendable {
    private let task: Task<Void, Never>

    private init(task: Task<Void, Never>) { self.task = task }

    static func start(name: String, total: Int, recorders: [OperationRecorder], style: TerminalStyle) -> ProgressDisplay {
        let task = Task {
            let started = monotonicNanoseconds()
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                if Task.isCancelled { break }
                let done = recorders.reduce(0) { $0 + $1.completed.load(ordering: .relaxed) }
                let elapsed = Double(monotonicNanoseconds() - started) / 1e9
                writeStandardError("\r\u{1B}[K" + line(name: name, done: done, total: total, elapsed: elapsed, style: style))
            }
            writeStandardError("\r\u{1B}[K")
        }
        return ProgressDisplay(task: task)
    }

    func stop() async {
        task.cancel()
        await task.value
    }

    static func line(name: String, done: Int, total: Int, elapsed: Double, style: TerminalStyle) -> String {
        let width = 30
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        return "  \(style.bold(name)) [\(bar)] \(Format.percent(fraction)) \(Format.grouped(Int(rate))) ops/s"
    }
}
