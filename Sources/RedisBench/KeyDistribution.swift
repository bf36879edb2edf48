import BenchCore
import Glibc

/// `--key-distribution`: how workloads that pick keys draw them from `0..<n` (`--key-range` for GET,
/// the cache keys otherwise): uniformly, one after the other per connection, clustered around the
/// middle (Gaussian), or with a few hot keys (Zipf), as memtier_benchmark's `--key-pattern` does.
enum KeyDistribution: Sendable, Equatable, CustomStringConvertible {
    case uniform
    /// Each connection walks the keys in order from its own offset.
    case sequential
    /// Mean `n / 2`; the standard deviation as a fraction of `n` (memtier's default is 1/6).
    case gaussian(stddev: Double)
    /// Key `k` (0-based) drawn with probability proportional to `1 / (k + 1)^exponent`.
    case zipf(exponent: Double)

    static let defaultStddev = 1.0 / 6
    static let defaultExponent = 0.99

    /// `uniform`, `sequential`, `gaussian[:STDDEV]` (a fraction of the range), `zipf[:EXPONENT]`.
    init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let parameter = parts.count == 2 ? Double(parts[1]) : nil
        if parts.count == 2 && parameter == nil { return nil }
        switch parts.first ?? "" {
        case "uniform" where parts.count == 1: self = .uniform
        case "sequential" where parts.count == 1: self = .sequential
        case "gaussian":
            let stddev = parameter ?? Self.defaultStddev
            guard stddev > 0, stddev <= 10 else { return nil }
            self = .gaussian(stddev: stddev)
        case "zipf":
            let exponent = parameter ?? Self.defaultExponent
            guard exponent > 0, exponent <= 10 else { return nil }
            self = .zipf(exponent: exponent)
        default: return nil
        }
    }

    var description: String {
        switch self {
        case .uniform: return "uniform"
        case .sequential: return "sequential"
        case .gaussian(let stddev): return "gaussian:\(stddev)"
        case .zipf(let exponent): return "zipf:\(exponent)"
        }
    }
}

/// Draws indexes in `0..<count` by a `KeyDistribution`; the state of one connection's draws.
struct KeyDrawer: Sendable {
    private enum Method: Sendable {
        case uniform
        case sequential(next: Int)
        case gaussian(mean: Double, stddev: Double)
        case zipf(ZipfSampler)
    }

    let count: Int
    private var method: Method

    /// `connection` of `connections` chooses where a sequential walk starts.
    init(_ distribution: KeyDistribution, count: Int, connection: Int = 0, of connections: Int = 1) {
        self.count = max(count, 1)
        switch distribution {
        case .uniform: method = .uniform
        case .sequential: method = .sequential(next: self.count * connection / max(connections, 1))
        case .gaussian(let stddev):
            method = .gaussian(mean: Double(self.count) / 2, stddev: stddev * Double(self.count))
        case .zipf(let exponent): method = .zipf(ZipfSampler(count: self.count, exponent: exponent))
        }
    }

    @inline(__always)
    mutating func draw(_ random: inout FastRandom) -> Int {
        switch method {
        case .uniform:
            return random.below(count)
        case .sequential(let next):
            method = .sequential(next: next + 1 == count ? 0 : next + 1)
            return next
        case .gaussian(let mean, let stddev):
            // Box-Muller; values outside the range are drawn again.
            while true {
                let u1 = 1 - Double(random.next() >> 11) * 0x1p-53
                let u2 = Double(random.next() >> 11) * 0x1p-53
                let value = mean + stddev * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
                if value >= 0 && value < Double(count) { return Int(value) }
            }
        case .zipf(let sampler):
            return sampler.sample(&random) - 1
        }
    }
}

/// Zipf's law over `1...count` by rejection-inversion (Hörmann and Derflinger, "Rejection-inversion
/// to generate variates from monotone discrete distributions", 1996): constant time and memory per
/// draw, whatever the number of keys.
struct ZipfSampler: Sendable {
    let count: Int
    let exponent: Double
    private let hIntegralX1: Double
    private let hIntegralCount: Double
    private let s: Double

    init(count: Int, exponent: Double) {
        self.count = count
        self.exponent = exponent
        hIntegralX1 = Self.hIntegral(1.5, exponent) - 1
        hIntegralCount = Self.hIntegral(Double(count) + 0.5, exponent)
        s = 2 - Self.hIntegralInverse(Self.hIntegral(2.5, exponent) - Self.h(2, exponent), exponent)
    }

    func sample(_ random: inout FastRandom) -> Int {
        while true {
            let uniform = Double(random.next() >> 11) * 0x1p-53
            let u = hIntegralCount + uniform * (hIntegralX1 - hIntegralCount)
            let x = Self.hIntegralInverse(u, exponent)
            let k = min(max(Int(x + 0.5), 1), count)
            if Double(k) - x <= s || u >= Self.hIntegral(Double(k) + 0.5, exponent) - Self.h(Double(k), exponent) {
                return k
            }
        }
    }

    private static func h(_ x: Double, _ exponent: Double) -> Double { exp(-exponent * log(x)) }

    private static func hIntegral(_ x: Double, _ exponent: Double) -> Double {
        let logX = log(x)
        return helper2((1 - exponent) * logX) * logX
    }

    private static func hIntegralInverse(_ x: Double, _ exponent: Double) -> Double {
        var t = x * (1 - exponent)
        if t < -1 { t = -1 }
        return exp(helper1(t) * x)
    }

    /// `log(1 + x) / x`, continuous at 0.
    private static func helper1(_ x: Double) -> Double { abs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x / 3) }

    /// `(exp(x) - 1) / x`, continuous at 0.
    private static func helper2(_ x: Double) -> Double { abs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x / 3) }
}
