import BenchCore

/// Draws key numbers: any of `0..<count`, or, for a connection to one node of a cluster, one of
/// the numbers whose keys that node serves; by the `--key-distribution` once `drawing(_:...)` set
/// it for a connection (uniform until then).
struct KeyPicker: Sendable {
    let count: Int
    let subset: [Int32]?
    private var drawer: KeyDrawer

    init(count: Int, subset: [Int32]? = nil) {
        self.count = count
        self.subset = subset
        drawer = KeyDrawer(.uniform, count: subset?.count ?? count)
    }

    /// This picker for connection `connection` of `connections`, drawing by `distribution`.
    func drawing(_ distribution: KeyDistribution, connection: Int, of connections: Int) -> KeyPicker {
        var picker = self
        picker.drawer = KeyDrawer(distribution, count: subset?.count ?? count, connection: connection, of: connections)
        return picker
    }

    /// True when the node serves none of the keys (a cluster with more primaries than keys).
    var isEmpty: Bool { subset?.isEmpty ?? (count == 0) }

    @inline(__always)
    mutating func draw(_ random: inout FastRandom) -> Int {
        let index = drawer.draw(&random)
        guard let subset else { return index }
        return Int(subset[index])
    }

    /// Every number this picker can draw, in order.
    var all: [Int] { subset.map { $0.map(Int.init) } ?? Array(0..<count) }
}
