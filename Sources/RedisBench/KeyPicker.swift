import BenchCore

/// Draws key numbers: any of `0..<count`, or, for a connection to one node of a cluster, one of
/// the numbers whose keys that node serves.
struct KeyPicker: Sendable {
    let count: Int
    let subset: [Int32]?

    init(count: Int, subset: [Int32]? = nil) {
        self.count = count
        self.subset = subset
    }

    /// True when the node serves none of the keys (a cluster with more primaries than keys).
    var isEmpty: Bool { subset?.isEmpty ?? (count == 0) }

    @inline(__always)
    func draw(_ random: inout FastRandom) -> Int {
        guard let subset else { return random.below(count) }
        return Int(subset[random.below(subset.count)])
    }

    /// Every number this picker can draw, in order.
    var all: [Int] { subset.map { $0.map(Int.init) } ?? Array(0..<count) }
}
