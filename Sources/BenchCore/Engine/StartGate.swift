import IOLoop
import Synchronization

/// Holds every connection task until all of them have arrived, then releases them together and
/// remembers when: the start of the measured interval.
///
/// With `startAt` (`--start-at`, as a monotonic time) the gate opens at that time rather than at
/// the last arrival, and when the last arrival comes after it the gate is *missed*: every
/// connection is released at once and runs nothing.
public final class StartGate: Sendable {
    private struct State {
        var remaining: Int
        var waiters: [UnsafeContinuation<Void, Never>] = []
        var openedAt: UInt64?
        var missed = false
        var lastArrival: UInt64 = 0
        /// Per I/O loop, when its first connection began after `startAt`.
        var loopStarts: [Int: UInt64] = [:]
    }

    private let state: Mutex<State>
    /// Monotonic nanoseconds at which the measured interval is to begin, or nil to begin when the
    /// last connection arrives.
    public let startAt: UInt64?

    public init(count: Int, startAt: UInt64? = nil) {
        state = Mutex(State(remaining: count))
        self.startAt = startAt
    }

    /// Monotonic nanoseconds at which the gate opened (`startAt` when one was given and kept), or
    /// `nil` while some tasks are missing.
    public var openedAt: UInt64? { state.withLock { $0.openedAt } }

    /// True when the last task arrived after `startAt`.
    public var missed: Bool { state.withLock { $0.missed } }

    /// When the last task arrived (monotonic nanoseconds).
    public var lastArrival: UInt64 { state.withLock { $0.lastArrival } }

    /// With `startAt`: when the last of the I/O loops began its first connection. A loop's later
    /// connections begin once the earlier ones have sent their first operation, which is the load
    /// itself, not lateness.
    public var lastLoopStart: UInt64 { state.withLock { $0.loopStarts.values.max() ?? 0 } }

    /// A connection on loop `loop` reports the moment it woke at `startAt` and began.
    public func released(at time: UInt64, loop: Int) {
        state.withLock { state in
            if state.loopStarts[loop] == nil { state.loopStarts[loop] = time }
        }
    }

    /// Arrives and waits for the others; the last arrival opens the gate.
    public func arrive() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let release: [UnsafeContinuation<Void, Never>] = state.withLock { state in
                state.remaining -= 1
                state.waiters.append(continuation)
                guard state.remaining <= 0 else { return [] }
                let now = monotonicNanoseconds()
                state.lastArrival = now
                if let startAt {
                    state.missed = now > startAt
                    state.openedAt = state.missed ? now : startAt
                } else {
                    state.openedAt = now
                }
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in release { waiter.resume() }
        }
    }
}
