import IOLoop

/// The waits between reconnection attempts: exponential from `first` up to `longest`, each drawn
/// at random from the upper half of its step, so that connections lost together do not come back
/// in lockstep. Short enough that a restart is noticed within half a second of the server
/// answering again, long enough that a server that is down is not flooded with connects.
struct ReconnectBackoff {
    static let first: UInt64 = 20_000_000
    static let longest: UInt64 = 500_000_000

    private var step = ReconnectBackoff.first
    private var random: FastRandom

    init(random: FastRandom) { self.random = random }

    /// The wait before the next attempt.
    mutating func next() -> UInt64 {
        let wait = step / 2 + UInt64(random.below(Int(step / 2) + 1))
        step = min(step * 2, Self.longest)
        return wait
    }
}

extension ConnectionContext {
    /// After `connection` was lost (its operations recorded as failed): closes it with `close`,
    /// counts the server as unavailable from now on and, when the run reconnects
    /// (`RunLimits.reconnects`), tries `connect` after each `ReconnectBackoff` wait until it succeeds
    /// or the run is over, and puts the new connection in the old one's place. False when there is
    /// none: the connection task should then end.
    nonisolated(nonsending)
        public func replace<Connection>(
            _ connection: inout Connection,
            closing close: (Connection) -> Void,
            with connect: nonisolated(nonsending) () async throws -> Connection
        ) async -> Bool
    {
        close(connection)
        availability.serverUnavailable(at: monotonicNanoseconds(), lostConnection: true)
        guard limits.reconnects else { return false }
        var backoff = ReconnectBackoff(random: makeRandom(salt: 0xBAC0_FF))
        while true {
            guard await pause(until: monotonicNanoseconds() &+ backoff.next()) else { return false }
            do {
                connection = try await connect()
                availability.reconnected()
                return true
            } catch {
                availability.reconnectFailed(kind: BenchmarkRunner.kind(of: error))
            }
        }
    }

    /// Sleeps until `time` in short naps; false, at the deadline at the latest, when the run is
    /// over (the deadline passed, or a stop was requested).
    nonisolated(nonsending)
        private func pause(until time: UInt64) async -> Bool
    {
        while true {
            if shouldStop { return false }
            let now = monotonicNanoseconds()
            if now >= time { return true }
            await loop.sleep(until: min(time, now &+ OpenLoopPacer.longestNap, deadline))
        }
    }
}
