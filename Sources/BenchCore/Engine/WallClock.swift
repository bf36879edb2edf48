import Glibc
import IOLoop

/// Unix time for the reports' timestamps; every duration is still measured on the monotonic clock.
public enum WallClock {
    /// Now, as Unix time in seconds (`CLOCK_REALTIME`).
    public static func unixTime() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The Unix time at which the monotonic clock read `monotonic` nanoseconds.
    public static func unixTime(atMonotonic monotonic: UInt64) -> Double {
        let now = monotonicNanoseconds()
        let ago = now >= monotonic ? Double(now - monotonic) / 1e9 : -Double(monotonic - now) / 1e9
        return unixTime() - ago
    }

    /// The monotonic nanoseconds at which the wall clock will read (or read) `unixTime`: what a
    /// loop's timer waits for (`--start-at`).
    public static func monotonic(atUnixTime unixTime: Double) -> UInt64 {
        let ahead = unixTime - Self.unixTime()
        let now = monotonicNanoseconds()
        return ahead >= 0 ? now &+ UInt64(ahead * 1e9) : now &- min(now, UInt64(-ahead * 1e9))
    }
}
