/// Builds RESP request bytes (arrays of bulk strings) into one reusable buffer.
///
/// dbbench formats requests itself rather than with `redisFormatCommandArgv`, which allocates a new
/// buffer per command; a pipelined batch here is one buffer and one `send`. The storage is a raw
/// allocation so that it can be handed to an asynchronous write without copying.
public struct RESPWriter: ~Copyable {
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    public private(set) var count = 0

    public init(capacity: Int = 4096) {
        self.capacity = max(64, capacity)
        storage = .allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { storage.deallocate() }

    public var isEmpty: Bool { count == 0 }

    /// The bytes written so far; valid until the next mutation.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage, count: count) }

    public mutating func removeAll() { count = 0 }

    /// Starts a command of `count` arguments (`*count\r\n`).
    public mutating func arrayHeader(_ count: Int) {
        appendByte(UInt8(ascii: "*"))
        appendDecimal(count)
        appendCRLF()
    }

    public mutating func bulk(_ text: StaticString) {
        text.withUTF8Buffer { bulk(UnsafeRawBufferPointer($0)) }
    }

    public mutating func bulk(_ text: String) {
        var text = text
        text.withUTF8 { bulk(UnsafeRawBufferPointer($0)) }
    }

    public mutating func bulk(_ raw: UnsafeRawBufferPointer) {
        appendByte(UInt8(ascii: "$"))
        appendDecimal(raw.count)
        appendCRLF()
        append(raw)
        appendCRLF()
    }

    public mutating func bulk(_ raw: [UInt8]) {
        raw.withUnsafeBytes { bulk($0) }
    }

    public mutating func bulk(decimal value: Int) {
        bulk(prefix: [], decimal: value)
    }

    /// One bulk string made of `prefix` followed by the decimal digits of `value`: a key like
    /// `dbbench:key:42` without building a `String`.
    public mutating func bulk(prefix: [UInt8], decimal value: Int) {
        appendByte(UInt8(ascii: "$"))
        appendDecimal(prefix.count + Self.decimalLength(value))
        appendCRLF()
        prefix.withUnsafeBytes { append($0) }
        appendDecimal(value)
        appendCRLF()
    }

    /// A whole command from string arguments (for control-plane commands).
    public mutating func command(_ arguments: [String]) {
        arrayHeader(arguments.count)
        for argument in arguments { bulk(argument) }
    }

    @inline(__always)
    mutating func appendCRLF() {
        reserve(2)
        storage.storeBytes(of: 0x0A0D as UInt16, toByteOffset: count, as: UInt16.self)
        count += 2
    }

    @inline(__always)
    mutating func appendByte(_ byte: UInt8) {
        reserve(1)
        storage.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always)
    mutating func append(_ raw: UnsafeRawBufferPointer) {
        guard raw.count > 0 else { return }
        reserve(raw.count)
        (storage + count).copyMemory(from: raw.baseAddress!, byteCount: raw.count)
        count += raw.count
    }

    @inline(__always)
    mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var newCapacity = capacity * 2
        while newCapacity < count + extra { newCapacity *= 2 }
        let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newStorage.copyMemory(from: storage, byteCount: count)
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
    }

    static func decimalLength(_ value: Int) -> Int {
        var magnitude = value.magnitude
        var length = value < 0 ? 2 : 1
        while magnitude >= 10 {
            magnitude /= 10
            length += 1
        }
        return length
    }

    /// Appends the decimal digits of `value`, written backwards into a stack buffer (no division loop
    /// to find the width first).
    mutating func appendDecimal(_ value: Int) {
        if value >= 0 && value < 10 {
            appendByte(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var magnitude = value.magnitude
            var position = buffer.count
            repeat {
                position -= 1
                buffer[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                position -= 1
                buffer[position] = UInt8(ascii: "-")
            }
            append(UnsafeRawBufferPointer(rebasing: buffer[position...]))
        }
    }

    /// Appends bytes that are already RESP (a constant command head such as `*5\r\n$3\r\nSET\r\n`).
    public mutating func raw(_ encoded: [UInt8]) {
        encoded.withUnsafeBytes { append($0) }
    }
}

/// Constant pieces of requests, encoded once.
public enum RESPEncoded {
    /// The encoding of a command's fixed words: `*count` then each word as a bulk string. Append the
    /// variable arguments after it with `RESPWriter.bulk`.
    public static func head(count: Int, _ words: [String]) -> [UInt8] {
        var writer = RESPWriter(capacity: 64)
        writer.arrayHeader(count)
        for word in words { writer.bulk(word) }
        return Array(writer.bytes)
    }

    /// Bulk strings for trailing constant arguments (`EX 300`).
    public static func arguments(_ words: [String]) -> [UInt8] {
        var writer = RESPWriter(capacity: 64)
        for word in words { writer.bulk(word) }
        return Array(writer.bytes)
    }
}
