/// Text parameters for one execution, NUL-terminated in one reusable buffer so that executing a
/// prepared statement allocates nothing per parameter.
public struct TextParameters: ~Copyable {
    private(set) var storage: [CChar] = []
    private(set) var starts: [Int] = []

    public init() {
        storage.reserveCapacity(256)
    }

    public var count: Int { starts.count }

    public mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
    }

    public mutating func append(_ text: String) {
        starts.append(storage.count)
        for byte in text.utf8 { storage.append(CChar(bitPattern: byte)) }
        storage.append(0)
    }

    /// Appends the decimal digits of `value` without building a `String`.
    public mutating func append(_ value: Int) {
        starts.append(storage.count)
        if value < 0 { storage.append(CChar(UInt8(ascii: "-"))) }
        let first = storage.count
        var magnitude = value.magnitude
        repeat {
            storage.append(CChar(UInt8(ascii: "0") + UInt8(magnitude % 10)))
            magnitude /= 10
        } while magnitude > 0
        // Reversed in place: `storage[first...].reverse()` would mutate a copied slice, one
        // allocation per parameter.
        var low = first, high = storage.count - 1
        while low < high {
            storage.swapAt(low, high)
            low += 1
            high -= 1
        }
        storage.append(0)
    }
}
