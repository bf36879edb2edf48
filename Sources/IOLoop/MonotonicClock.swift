import CLinux

/// `CLOCK_MONOTONIC` in nanoseconds: the clock every latency is measured with.
@inline(__always)
public func monotonicNanoseconds() -> UInt64 { clinux_monotonic_ns() }
