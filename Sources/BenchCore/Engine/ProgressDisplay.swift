import IOLoop
import Synchronization

/// How progress is shown on stderr while a workload runs.
public enum ProgressMode: Sendable, Equatable {
    /// A one-line bar redrawn about ten times a second (for a terminal).
    case bar
    /// One line per second (for CI logs): the timeline of the run.
    case lines
    case off

    /// `auto` (the default) draws the bar on a terminal and per-second lines elsewhere (CI logs
    /// get the timeline); `on` draws the bar wherever stderr goes; `off` nothing.
    public static func choose(_ setting: ProgressSetting, stderrIsTerminal: Bool) -> ProgressMode {
        switch setting {
        case .off: return .off
        case .on: return .bar
        case .auto: return stderrIsTerminal ? .bar : .lines
        }
    }
}

/// Progress on stderr from the recorders' atomic counters, and the per-second series of the results
/// (sampled whatever the mode). Results never go to stderr, so a terminal or a log shows both
/// without mixing them.
final class ProgressDisplay: Sendable {
    private let task: Task<PerSecondSeries, Never>

    private init(task: Task<PerSecondSeries, Never>) { self.task = task }

    /// Work done so far: operations finished (`failed` of them failed), and the workload's rate
    /// counter (rows) when it has one.
    struct Count: Equatable {
        var operations: Int
        var counted: Int
        var failed = 0
    }

    /// `total` operations, or for a timed run (`total` 0) `duration` (warm-up included), which the
    /// bar then fills by; `rateUnit` names the rate counter ("rows"), if any; `width` the columns
    /// of stderr, which the bar never exceeds (a wrapped bar leaves a new line at every redraw).
    /// Every second on the second since `origin` (monotonic nanoseconds, now by default) `sampler`
    /// takes the loops' intervals for the series.
    static func start(
        mode: ProgressMode,
        name: String,
        total: Int,
        duration: Duration? = nil,
        rateUnit: String?,
        sampler: SecondSampler,
        style: TerminalStyle,
        width: Int? = nil,
        origin: UInt64 = monotonicNanoseconds()
    ) -> ProgressDisplay {
        let recorders = sampler.recorders
        let started = origin
        // On the first I/O loop rather than Swift's shared pool: the seconds then keep time however
        // busy the pool's threads are.
        let task = Task(executorPreference: sampler.loops.first) { () -> PerSecondSeries in
            var series = PerSecondSeries(startUnixTime: WallClock.unixTime(atMonotonic: started))
            let redraw: UInt64 = mode == .bar ? 100_000_000 : 1_000_000_000
            var nextRedraw = started &+ redraw
            func done() -> Count {
                Count(
                    operations: recorders.reduce(0) { $0 + $1.completed.load(ordering: .relaxed) },
                    counted: recorders.reduce(0) { $0 + $1.counted.load(ordering: .relaxed) },
                    failed: recorders.reduce(0) { $0 + $1.failedSoFar.load(ordering: .relaxed) }
                )
            }
            while !Task.isCancelled {
                // Sleep to the next redraw or the next whole second, whichever comes first, so
                // that the series' seconds do not drift.
                let nextSecond = started &+ UInt64(series.count + 1) * 1_000_000_000
                let wakeAt = min(nextRedraw, nextSecond)
                await pause(until: wakeAt, on: sampler.loops.first)
                if Task.isCancelled { break }
                if monotonicNanoseconds() >= nextSecond {
                    let second = await sampler.sample()
                    series.append(second, hasRateCounter: rateUnit != nil)
                    if mode == .lines {
                        let line = timelineLine(
                            name: name,
                            second: series.count,
                            done: done().operations,
                            total: total,
                            lastSecond: second.total,
                            counted: second.counted,
                            rateUnit: rateUnit
                        )
                        writeStandardError(line + "\n")
                    }
                }
                if monotonicNanoseconds() >= nextRedraw {
                    nextRedraw = monotonicNanoseconds() &+ redraw
                }
                if mode == .bar {
                    let elapsed = Double(monotonicNanoseconds() - started) / 1e9
                    let line = bar(
                        name: name,
                        done: done(),
                        total: total,
                        elapsed: elapsed,
                        duration: duration.map { Double($0.nanoseconds) / 1e9 },
                        rateUnit: rateUnit,
                        style: style,
                        width: width
                    )
                    writeStandardError("\r\u{1B}[K" + line)
                }
            }
            if mode == .bar { writeStandardError("\r\u{1B}[K") }
            // What finished since the last whole second (the runner sets how long it lasted).
            let last = await sampler.sample()
            if last.total.succeeded + last.total.failed > 0 || series.count == 0 {
                series.append(last, hasRateCounter: rateUnit != nil)
            }
            return series
        }
        return ProgressDisplay(task: task)
    }

    /// Waits until `deadline` (monotonic nanoseconds) or until the task is cancelled: on `loop`'s
    /// timer in slices of at most 50 ms (so that a stop is seen soon), or off a loop with
    /// `Task.sleep`.
    private static func pause(until deadline: UInt64, on loop: IOLoop?) async {
        while !Task.isCancelled {
            let now = monotonicNanoseconds()
            guard deadline > now else { return }
            guard let loop, loop.inLoopThread else {
                try? await Task.sleep(nanoseconds: deadline - now)
                return
            }
            await loop.sleep(until: min(deadline, now &+ 50_000_000))
        }
    }

    /// Stops and returns the series: one entry per second since the start.
    func stop() async -> PerSecondSeries {
        task.cancel()
        return await task.value
    }

    /// "  INSERT [#########.....] 31.2% 337 ops/s · 33,700 rows/s"; for a timed run the bar fills
    /// with time ("  SET [####......] 12s of 30s 104,000 ops/s"). With `width`, the bar narrows and
    /// then the rates go, so that the line stays within it.
    static func bar(
        name: String,
        done: Count,
        total: Int,
        elapsed: Double,
        duration: Double? = nil,
        rateUnit: String?,
        style: TerminalStyle,
        width: Int? = nil
    ) -> String {
        let fraction: Double
        let amount: String
        if total == 0, let duration, duration > 0 {
            fraction = min(1, elapsed / duration)
            amount = "\(Int(elapsed))s of \(Int(duration.rounded()))s"
        } else {
            fraction = total > 0 ? min(1, Double(done.operations) / Double(total)) : 0
            amount = Format.percent(fraction)
        }
        func perSecond(_ amount: Int) -> String { Format.grouped(Int(elapsed > 0 ? Double(amount) / elapsed : 0)) }
        let rates =
            " \(perSecond(done.operations)) ops/s" + (rateUnit.map { " · \(perSecond(done.counted)) \($0)/s" } ?? "")
        let fixed = "  \(name) [] \(amount)"
        var barWidth = 30
        var tail = rates
        if let width {
            // One column spare: a line that fills the terminal exactly wraps on some terminals.
            let room = width - 1 - fixed.count
            barWidth = max(0, min(30, room - tail.count))
            if barWidth < 10 {
                tail = ""
                barWidth = max(0, min(30, room))
            }
        }
        let filled = Int(fraction * Double(barWidth))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: barWidth - filled)
        var line = "  \(style.bold(name)) [\(bar)] \(amount)" + tail
        if let width, fixed.count + barWidth + tail.count >= width {
            line = String("  \(name) [\(bar)] \(amount)".prefix(width - 1))
        }
        return line
    }

    /// "progress INSERT 3s: 312 of 1,000 (31.2%), 104 in the last second, p99 12.345 ms (10,400 rows;
    /// 2 failed)".
    static func timelineLine(
        name: String,
        second: Int,
        done: Int,
        total: Int,
        lastSecond: SecondStatistics,
        counted: Int = 0,
        rateUnit: String?
    ) -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let amount =
            total > 0
            ? "\(Format.grouped(done)) of \(Format.grouped(total)) (\(Format.percent(fraction)))"
            : "\(Format.grouped(done)) done"
        var details = rateUnit.map { ["\(Format.grouped(counted)) \($0)"] } ?? []
        if lastSecond.failed > 0 { details.append("\(Format.grouped(lastSecond.failed)) failed") }
        let p99 = lastSecond.succeeded > 0 ? ", p99 \(Format.milliseconds(lastSecond.latency.p99)) ms" : ""
        return "progress \(name) \(second)s: \(amount), "
            + "\(Format.grouped(lastSecond.succeeded + lastSecond.failed)) in the last second" + p99
            + (details.isEmpty ? "" : " (" + details.joined(separator: "; ") + ")")
    }
}
