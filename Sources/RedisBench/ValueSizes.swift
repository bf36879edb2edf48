import BenchCore

/// `--value-size`: a size (`32`), a range drawn uniformly (`10-20`), or sizes with weights
/// (`32:60,1024:30,65536:10`, memtier's `--data-size-list`), each drawn in proportion to its weight.
enum ValueSizes: Sendable, Equatable, CustomStringConvertible {
    case range(ClosedRange<Int>)
    /// Sizes with their cumulative weights, in the order given.
    case weighted(sizes: [Int], cumulative: [Int])

    static let limit = 1...1_048_576

    /// Nil for text of none of the three forms, or a size outside `limit`, or a weight below 1.
    init?(_ text: String) {
        if text.contains(":") || text.contains(",") {
            var sizes: [Int] = []
            var cumulative: [Int] = []
            for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
                let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2, let size = Int(parts[0]), let weight = Int(parts[1]), Self.limit.contains(size),
                    (1...1_000_000).contains(weight)
                else { return nil }
                sizes.append(size)
                cumulative.append((cumulative.last ?? 0) + weight)
            }
            self = .weighted(sizes: sizes, cumulative: cumulative)
            return
        }
        let bounds = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(bounds.count), let low = bounds.first ?? nil, let high = bounds.last ?? nil,
            low <= high, Self.limit.contains(low), Self.limit.contains(high)
        else { return nil }
        self = .range(low...high)
    }

    var largest: Int {
        switch self {
        case .range(let range): return range.upperBound
        case .weighted(let sizes, _): return sizes.max() ?? 0
        }
    }

    var description: String {
        switch self {
        case .range(let range):
            return range.count == 1 ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
        case .weighted(let sizes, let cumulative):
            return zip(sizes, cumulative.indices).map { size, index in
                "\(size):\(cumulative[index] - (index == 0 ? 0 : cumulative[index - 1]))"
            }.joined(separator: ",")
        }
    }

    @inline(__always)
    func draw(_ random: inout FastRandom) -> Int {
        switch self {
        case .range(let range):
            return range.count == 1 ? range.lowerBound : random.within(range)
        case .weighted(let sizes, let cumulative):
            let point = random.below(cumulative[cumulative.count - 1])
            var index = 0
            while cumulative[index] <= point { index += 1 }
            return sizes[index]
        }
    }
}
