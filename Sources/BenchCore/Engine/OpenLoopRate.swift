import Glibc

/// `--rate N` and `--arrival uniform|poisson`: an open-loop run, where operations are started on a
/// schedule instead of as soon as the previous one has finished.
///
/// The total rate is split evenly over the connections; each connection follows its own schedule.
/// Latency then counts from each operation's scheduled start, so a server that stalls is charged for
/// the operations that queued up behind the stall (no coordinated omission); service time, from the
/// actual send to the reply, is reported next to it.
public struct OpenLoopRate: Sendable, Equatable {
    public enum Arrival: String, CaseIterable, Sendable {
        /// Evenly spaced starts.
        case uniform
        /// Exponentially distributed gaps with the same mean: a Poisson process, like independent users.
        case poisson
    }

    /// Operations per second over all connections (of every shard).
    public var perSecond: Int
    public var arrival: Arrival
    /// With `--shard`: this generator takes the operations whose number is `index` mod `count`.
    public var stripe: Shard?

    public init(perSecond: Int, arrival: Arrival = .uniform, stripe: Shard? = nil) {
        self.perSecond = perSecond
        self.arrival = arrival
        self.stripe = stripe
    }

    /// An operation that starts more than this long after its scheduled time counts as late.
    public static let lateAfterNanoseconds: UInt64 = 1_000_000

    /// "open loop at 5,000/s (uniform)", for the settings line and the open-loop note.
    public var label: String {
        "open loop at \(Format.grouped(perSecond))/s (\(arrival.rawValue)"
            + (stripe.map { "; \($0.label): every arrival \($0.index) mod \($0.count)" } ?? "") + ")"
    }
}

/// The start times of one connection's operations (monotonic nanoseconds).
struct ArrivalSchedule {
    private let meanGap: Double
    private let arrival: OpenLoopRate.Arrival
    private var random: FastRandom
    /// The scheduled start of the next operation.
    private(set) var next: UInt64

    /// Connection `index` of `connections` starts from `origin`; uniform schedules are staggered so
    /// that the connections' starts interleave instead of coinciding.
    ///
    /// With a stripe (shard I of N), the schedule is the one of all shards' connections together:
    /// of one generator's operations at the total rate, numbered 0, 1, 2, ..., the shard takes those
    /// ≡ I mod N, and its connection c those of them ≡ c mod its connections. Poisson arrivals at
    /// rate/N per shard add up to Poisson arrivals at the rate.
    init(rate: OpenLoopRate, connection index: Int, of connections: Int, origin: UInt64, random: FastRandom) {
        let shards = Double(rate.stripe?.count ?? 1)
        meanGap = 1e9 * Double(connections) * shards / Double(rate.perSecond)
        arrival = rate.arrival
        self.random = random
        next = origin
        switch rate.arrival {
        case .uniform:
            let first = Double(rate.stripe?.index ?? 0) + shards * Double(index)
            next &+= UInt64(1e9 * first / Double(rate.perSecond))
        case .poisson: next &+= drawGap()
        }
    }

    /// Returns the next scheduled start and moves on to the one after it.
    mutating func advance() -> UInt64 {
        let scheduled = next
        next = scheduled &+ (arrival == .uniform ? UInt64(meanGap) : drawGap())
        return scheduled
    }

    private mutating func drawGap() -> UInt64 {
        // 1 - U is in (0, 1], so the logarithm is finite.
        let uniform = 1 - Double(random.next() >> 11) * 0x1p-53
        return UInt64(-log(uniform) * meanGap)
    }
}

/// The open-loop decisions of one connection on a clock it is given: when the next operation is
/// due, whether it may still start (`--duration`), and whether it starts late. It reads no clock
/// itself, so that scheduling is tested against made-up times.
struct OpenLoopPacer {
    enum Step: Equatable {
        /// No more operation may start: the next one would be due after the deadline.
        case stop
        /// Sleep until then and ask again (naps are short, so that Ctrl-C is noticed at low rates).
        case wait(until: UInt64)
        /// Start the operation that was due at `due`; `late` when that is over
        /// `OpenLoopRate.lateAfterNanoseconds` ago.
        case start(due: UInt64, late: Bool)
    }

    /// The longest nap before the pacer is asked again.
    static let longestNap: UInt64 = 100_000_000

    private var schedule: ArrivalSchedule
    /// Monotonic time after which no operation may start, or `.max`.
    let deadline: UInt64
    /// The scheduled start of the operation waited for, once drawn.
    private var due: UInt64?

    init(schedule: ArrivalSchedule, deadline: UInt64) {
        self.schedule = schedule
        self.deadline = deadline
    }

    /// How many operations were due before `limit` but have not started (at most `cap`): those a
    /// connection stuck on slow replies never got to when the run ended.
    func dueBefore(_ limit: UInt64, atMost cap: Int) -> Int {
        var schedule = self.schedule
        var next = due ?? schedule.advance()
        var count = 0
        while next < limit && count < cap {
            count += 1
            next = schedule.advance()
        }
        return count
    }

    mutating func step(now: UInt64) -> Step {
        let due = self.due ?? schedule.advance()
        self.due = due
        guard due < deadline else { return .stop }
        if now < due { return .wait(until: Swift.min(due, now &+ Self.longestNap)) }
        self.due = nil
        return .start(due: due, late: now &- due > OpenLoopRate.lateAfterNanoseconds)
    }
}
