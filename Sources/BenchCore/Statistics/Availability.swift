import IOLoop
import Synchronization

/// The server's availability during one workload as its connections see it, shared by all of
/// them: an outage begins when an operation finds the server gone (a lost connection, or a reply
/// such as `LOADING` that says it cannot serve now) and ends when an operation sent after that
/// succeeds on any connection. Replies already on their way when the server went away do not end
/// it; a connection of many that was killed alone hardly opens one, since the others go on.
public final class AvailabilityTracker: Sendable {
    /// When the open outage began (monotonic nanoseconds), or 0 while the server answers: read on
    /// every success, written only when an outage begins or ends.
    @usableFromInline
    let openSince = Atomic<UInt64>(0)
    private let state = Mutex(State())

    private struct State {
        var outages: [(start: UInt64, end: UInt64, lost: Int)] = []
        /// Lost connections since the open outage began.
        var lostInOpenOutage = 0
        var reconnections = 0
        var failedAttempts: [String: Int] = [:]
    }

    public init() {}

    /// The server could not serve an operation at `time`: opens an outage unless one is open.
    /// `lostConnection` when it closed, reset or stopped answering the connection.
    func serverUnavailable(at time: UInt64, lostConnection: Bool) {
        state.withLock { state in
            if openSince.load(ordering: .relaxed) == 0 {
                openSince.store(max(time, 1), ordering: .relaxed)
                state.lostInOpenOutage = 0
            }
            if lostConnection { state.lostInOpenOutage += 1 }
        }
    }

    /// An operation that took `nanoseconds` succeeded while an outage was open: ends it if the
    /// operation was sent after it began.
    @usableFromInline
    func succeeded(tookNanoseconds nanoseconds: UInt64) {
        let now = monotonicNanoseconds()
        state.withLock { state in
            let since = openSince.load(ordering: .relaxed)
            guard since != 0, now &- nanoseconds > since else { return }
            state.outages.append((since, now, state.lostInOpenOutage))
            openSince.store(0, ordering: .relaxed)
        }
    }

    func reconnected() { state.withLock { $0.reconnections += 1 } }

    func reconnectFailed(kind: String) { state.withLock { $0.failedAttempts[kind, default: 0] += 1 } }

    /// The figures of the run that ended at `end`, with times from `origin` (the start of the
    /// measured interval: outages over before it are left out, one open at the end is unrecovered).
    func availability(origin: UInt64, end: UInt64) -> Availability {
        state.withLock { state in
            var outages = state.outages.map { (start: $0.start, end: $0.end, lost: $0.lost, recovered: true) }
            let open = openSince.load(ordering: .relaxed)
            if open != 0 { outages.append((open, max(end, open), state.lostInOpenOutage, false)) }
            return Availability(
                outages: outages.filter { $0.end > origin }.map { outage in
                    let start = max(outage.start, origin)
                    return Outage(
                        start: Double(start &- origin) / 1e9,
                        seconds: Double(outage.end &- start) / 1e9,
                        lostConnections: outage.lost,
                        recovered: outage.recovered
                    )
                },
                reconnections: state.reconnections,
                failedReconnects: state.failedAttempts.sorted {
                    $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key
                }
                .map { (kind: $0.key, count: $0.value) }
            )
        }
    }
}

/// A time the workload's server was unavailable as its connections saw it: from the first failure
/// to the first success of an operation sent after it.
public struct Outage: Sendable, Equatable {
    /// Seconds from the start of the measured interval to the first failure.
    public let start: Double
    public let seconds: Double
    /// Connections lost during it.
    public let lostConnections: Int
    /// False when no operation succeeded again before the run ended.
    public let recovered: Bool

    public init(start: Double, seconds: Double, lostConnections: Int, recovered: Bool) {
        self.start = start
        self.seconds = seconds
        self.lostConnections = lostConnections
        self.recovered = recovered
    }
}

/// How available the server was during one workload, as its connections saw it.
public struct Availability: Sendable {
    public var outages: [Outage] = []
    /// Connections opened again after one was lost.
    public var reconnections = 0
    /// Reconnection attempts that failed, by kind, most frequent first.
    public var failedReconnects: [(kind: String, count: Int)] = []

    public init(outages: [Outage] = [], reconnections: Int = 0, failedReconnects: [(kind: String, count: Int)] = []) {
        self.outages = outages
        self.reconnections = reconnections
        self.failedReconnects = failedReconnects
    }

    /// Nothing was unavailable and nothing reconnected.
    public var isEmpty: Bool { outages.isEmpty && reconnections == 0 && failedReconnects.isEmpty }

    public var unavailableSeconds: Double { outages.reduce(0) { $0 + $1.seconds } }

    public var failedReconnectCount: Int { failedReconnects.reduce(0) { $0 + $1.count } }
}
