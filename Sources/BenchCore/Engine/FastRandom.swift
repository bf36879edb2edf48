/// SplitMix64: a tiny, fast, seedable generator for choosing keys and values.
///
/// `SystemRandomNumberGenerator` costs a `getrandom` system call per draw on Linux, which would
/// show up in a benchmark client's profile; this costs a few instructions.
public struct FastRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound` (multiply-shift; the bias is below 2^-32 for bounds used here).
    @inline(__always)
    public mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A number in `range`, any range of `Int` included (`range.count` would overflow for the widest).
    @inline(__always)
    public mutating func within(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(bitPattern: Int64(range.upperBound &- range.lowerBound)) &+ 1
        // A span of 0 is all 2^64 values.
        let offset = span == 0 ? next() : next().multipliedFullWidth(by: span).high
        return range.lowerBound &+ Int(truncatingIfNeeded: offset)
    }
}
