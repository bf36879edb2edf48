import IOLoop
import Synchronization

/// Holds every connection task until all of them have arrived, then releases them together and
/// remembers when: the start of the measured interval.
public final class StartGate: Sendable {
    private struct State {
        var remaining: Int
        var waiters: [UnsafeContinuation<Void, Never>] = []
        var openedAt: UInt64?
    }

    private let state: Mutex<State>

    public init(count: Int) {
        state = Mutex(State(remaining: count))
    }

    /// Monotonic nanoseconds at which the last task arrived, or `nil` while some are missing.
    public var openedAt: UInt64? { state.withLock { $0.openedAt } }

    /// Arrives and waits for the others; the last arrival opens the gate.
    public func arrive() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let release: [UnsafeContinuation<Void, Never>] = state.withLock { state in
                state.remaining -= 1
                state.waiters.append(continuation)
                guard state.remaining <= 0 else { return [] }
                state.openedAt = monotonicNanoseconds()
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in release { waiter.resume() }
        }
    }
}
