import Glibc

/// The Mann–Whitney U test (Wilcoxon rank-sum) of two independent samples, exact for the sizes
/// benchmarks have: the distribution of the rank sum is counted over every way of choosing the
/// first sample's ranks (midranks for ties), so the p-value needs no normal approximation.
public enum MannWhitney {
    /// What the test gave.
    public struct Result: Sendable, Equatable {
        /// U of the first sample: the pairs (a, b) with a > b, ties counting a half.
        public let u: Double
        /// The two-sided p-value: how likely a rank sum at least this far from its mean is when both
        /// samples come from one distribution.
        public let p: Double
    }

    /// Samples larger than this together are tested with the normal approximation (with the tie
    /// correction) instead of the exact count.
    static let exactUpTo = 200

    /// Tests `a` against `b`; nil when either is empty.
    public static func test(_ a: [Double], _ b: [Double]) -> Result? {
        guard !a.isEmpty, !b.isEmpty else { return nil }
        let ranks = midranks(a + b)
        let m = a.count
        let n = b.count
        // Doubled ranks are whole numbers even with ties.
        let doubled = ranks.map { Int(($0 * 2).rounded()) }
        let observed = doubled[0..<m].reduce(0, +)
        let u = Double(observed) / 2 - Double(m * (m + 1)) / 2
        let total = m + n
        let mean = Double(m * (total + 1))  // of the doubled rank sum
        guard total <= exactUpTo else { return Result(u: u, p: normalApproximation(ranks, m: m, observed: observed)) }
        // ways[k][s]: subsets of k of the values seen so far whose doubled ranks add up to s.
        let maximum = doubled.reduce(0, +)
        var ways = Array(repeating: Array(repeating: 0.0, count: maximum + 1), count: m + 1)
        ways[0][0] = 1
        for (index, rank) in doubled.enumerated() {
            for k in stride(from: min(m, index + 1), through: 1, by: -1) {
                for sum in stride(from: maximum, through: rank, by: -1) where ways[k - 1][sum - rank] != 0 {
                    ways[k][sum] += ways[k - 1][sum - rank]
                }
            }
        }
        let distance = abs(Double(observed) - mean)
        var extreme = 0.0
        var all = 0.0
        for (sum, count) in ways[m].enumerated() where count != 0 {
            all += count
            if abs(Double(sum) - mean) >= distance - 1e-9 { extreme += count }
        }
        return Result(u: u, p: min(1, extreme / all))
    }

    /// Ranks from 1, tied values sharing the mean of their ranks.
    static func midranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = Array(repeating: 0.0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            let rank = Double(start + end + 2) / 2
            for position in start...end { ranks[order[position]] = rank }
            start = end + 1
        }
        return ranks
    }

    /// The two-sided p-value of the normal approximation with the tie correction.
    private static func normalApproximation(_ ranks: [Double], m: Int, observed: Int) -> Double {
        let total = Double(ranks.count)
        let first = Double(m)
        let second = total - first
        var ties: [Double: Int] = [:]
        for rank in ranks { ties[rank, default: 0] += 1 }
        let correction = ties.values.reduce(0.0) { $0 + Double($1 * $1 * $1 - $1) } / (total * (total - 1))
        let variance = first * second / 12 * ((total + 1) - correction)
        guard variance > 0 else { return 1 }
        let z = (abs(Double(observed) / 2 - first * (total + 1) / 2) - 0.5) / variance.squareRoot()
        return min(1, Glibc.erfc(max(0, z) / 2.0.squareRoot()))
    }

    /// The Hodges–Lehmann estimate of how much `b` is above `a` (the median of every difference
    /// b − a) and its distribution-free confidence interval at `1 − alpha` or better: the
    /// differences between the k-th smallest and the k-th largest, k the largest rank that the
    /// exact distribution of U (without ties) allows; nil below two values a side, or when the
    /// samples are too small for an interval at that level.
    public static func shift(
        from a: [Double],
        to b: [Double],
        alpha: Double
    ) -> (estimate: Double, low: Double, high: Double)? {
        guard a.count >= 2, b.count >= 2 else { return nil }
        let differences = b.flatMap { y in a.map { y - $0 } }.sorted()
        let count = differences.count
        let estimate =
            count % 2 == 1 ? differences[count / 2] : (differences[count / 2 - 1] + differences[count / 2]) / 2
        // P(U <= k - 1) <= alpha / 2, from the counts of U over every arrangement.
        let distribution = uDistribution(m: a.count, n: b.count)
        let all = distribution.reduce(0, +)
        var cumulative = 0.0
        var k = 0
        while k < distribution.count, (cumulative + distribution[k]) / all <= alpha / 2 {
            cumulative += distribution[k]
            k += 1
        }
        // Too few values for any interval at this level.
        guard k >= 1 else { return nil }
        return (estimate, differences[k - 1], differences[count - k])
    }

    /// How many arrangements of m and n distinct values give each U, from 0 to m × n.
    static func uDistribution(m: Int, n: Int) -> [Double] {
        // ways[i][j][u] by the recurrence f(m, n, u) = f(m - 1, n, u - n) + f(m, n - 1, u).
        var table = Array(
            repeating: Array(repeating: [Double](), count: n + 1),
            count: m + 1
        )
        for i in 0...m {
            for j in 0...n {
                var counts = Array(repeating: 0.0, count: i * j + 1)
                if i == 0 || j == 0 {
                    counts[0] = 1
                } else {
                    for u in 0...(i * j) {
                        if u - j >= 0, u - j < table[i - 1][j].count { counts[u] += table[i - 1][j][u - j] }
                        if u < table[i][j - 1].count { counts[u] += table[i][j - 1][u] }
                    }
                }
                table[i][j] = counts
            }
        }
        return table[m][n]
    }
}
