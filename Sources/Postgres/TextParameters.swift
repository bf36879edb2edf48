/// Text parameters for one execution, NUL-terminated in one reusable buffer, with the array of
/// pointers that `PQsendQueryPrepared` reads built in place: executing a prepared statement
/// allocates nothing and checks no copy-on-write reference per query.
///
/// It owns its memory (hence `~Copyable`); `removeAll()` keeps the capacity for the next query.
public struct TextParameters: ~Copyable {
    private var bytes: UnsafeMutablePointer<CChar>
    private var byteCapacity: Int
    private var byteCount = 0
    /// Offset of each parameter's first byte in `bytes`.
    private var starts: UnsafeMutablePointer<Int>
    /// The pointers handed to libpq, rebuilt from `starts` when sent (the byte buffer may move as it grows).
    private var pointers: UnsafeMutablePointer<UnsafePointer<CChar>?>
    private var parameterCapacity: Int
    public private(set) var count = 0

    public init() {
        byteCapacity = 256
        bytes = .allocate(capacity: byteCapacity)
        parameterCapacity = 8
        starts = .allocate(capacity: parameterCapacity)
        pointers = .allocate(capacity: parameterCapacity)
    }

    deinit {
        bytes.deallocate()
        starts.deallocate()
        pointers.deallocate()
    }

    public mutating func removeAll() {
        byteCount = 0
        count = 0
    }

    public mutating func append(_ text: String) {
        beginParameter()
        for byte in text.utf8 { appendByte(CChar(bitPattern: byte)) }
        appendByte(0)
    }

    /// Appends the decimal digits of `value` without building a `String`.
    public mutating func append(_ value: Int) {
        beginParameter()
        reserveBytes(21)
        if value < 0 { appendByte(CChar(UInt8(ascii: "-"))) }
        let first = byteCount
        var magnitude = value.magnitude
        repeat {
            appendByte(CChar(UInt8(ascii: "0") + UInt8(magnitude % 10)))
            magnitude /= 10
        } while magnitude > 0
        var low = first
        var high = byteCount - 1
        while low < high {
            swap(&bytes[low], &bytes[high])
            low += 1
            high -= 1
        }
        appendByte(0)
    }

    /// Calls `body` with libpq's `paramValues` array and the number of parameters.
    public func withValuePointers<Result>(
        _ body: (UnsafePointer<UnsafePointer<CChar>?>, Int32) throws -> Result
    ) rethrows -> Result {
        for index in 0..<count { pointers[index] = UnsafePointer(bytes + starts[index]) }
        return try body(pointers, Int32(count))
    }

    /// The parameters as Swift strings (for tests and messages).
    public var strings: [String] {
        (0..<count).map { String(cString: bytes + starts[$0]) }
    }

    @inline(__always)
    private mutating func beginParameter() {
        if count == parameterCapacity {
            let capacity = parameterCapacity * 2
            starts = Self.grow(starts, from: parameterCapacity, to: capacity)
            pointers.deallocate()
            pointers = .allocate(capacity: capacity)
            parameterCapacity = capacity
        }
        starts[count] = byteCount
        count += 1
    }

    @inline(__always)
    private mutating func appendByte(_ byte: CChar) {
        if byteCount == byteCapacity { reserveBytes(1) }
        bytes[byteCount] = byte
        byteCount += 1
    }

    private mutating func reserveBytes(_ extra: Int) {
        guard byteCount + extra > byteCapacity else { return }
        let capacity = max(byteCapacity * 2, byteCount + extra)
        bytes = Self.grow(bytes, from: byteCount, to: capacity)
        byteCapacity = capacity
    }

    private static func grow<Element>(
        _ old: UnsafeMutablePointer<Element>,
        from used: Int,
        to capacity: Int
    ) -> UnsafeMutablePointer<Element> {
        let new = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
        new.moveInitialize(from: old, count: used)
        old.deallocate()
        return new
    }
}
