/// Finds complete commands in what a Redis client sent: RESP arrays of bulk strings (what dbbench
/// and every client library send) and inline commands (`PING\r\n`, what a person types into telnet).
/// The self-test server only needs each command's name, to choose its reply.
enum RESPCommandScanner {
    /// A command whose bytes are `start..<end` of the buffer.
    struct Command: Equatable {
        /// The first word, upper-cased ("PING").
        var name: String
        /// Where the next command starts.
        var end: Int
    }

    /// What the client sent is not RESP: the server closes the connection.
    struct Malformed: Error, Equatable {}

    /// The longest line (a count, a length or an inline command) accepted.
    static let longestLine = 64 * 1024

    /// The command starting at `start`, or nil when its bytes have not all arrived.
    static func next(in bytes: UnsafeRawBufferPointer, at start: Int) throws(Malformed) -> Command? {
        guard start < bytes.count else { return nil }
        guard bytes[start] == UInt8(ascii: "*") else { return try inline(in: bytes, at: start) }
        guard let (count, afterCount) = try number(in: bytes, at: start + 1) else { return nil }
        guard count > 0 else { throw Malformed() }
        var position = afterCount
        var name = ""
        for index in 0..<count {
            guard position < bytes.count else { return nil }
            guard bytes[position] == UInt8(ascii: "$") else { throw Malformed() }
            guard let (length, afterLength) = try number(in: bytes, at: position + 1) else { return nil }
            guard length >= 0 else { throw Malformed() }
            let end = afterLength + length + 2
            guard end <= bytes.count else { return nil }
            guard bytes[end - 2] == 13, bytes[end - 1] == 10 else { throw Malformed() }
            if index == 0 {
                name = String(
                    decoding: UnsafeRawBufferPointer(rebasing: bytes[afterLength..<(afterLength + length)]),
                    as: UTF8.self
                )
                .uppercased()
            }
            position = end
        }
        return Command(name: name, end: position)
    }

    /// A line of words ending in `\n` (with or without `\r`).
    private static func inline(in bytes: UnsafeRawBufferPointer, at start: Int) throws(Malformed) -> Command? {
        var position = start
        while position < bytes.count, bytes[position] != 10 {
            position += 1
            if position - start > longestLine { throw Malformed() }
        }
        guard position < bytes.count else { return nil }
        let line = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        let word = line.split(whereSeparator: { $0 == " " || $0 == "\r" || $0 == "\t" }).first ?? ""
        return Command(name: word.uppercased(), end: position + 1)
    }

    /// The decimal number from `start` to the next `\r\n`, and where the bytes after it start; nil
    /// when the line is incomplete.
    private static func number(in bytes: UnsafeRawBufferPointer, at start: Int) throws(Malformed) -> (Int, Int)? {
        var value = 0
        var negative = false
        var position = start
        while position < bytes.count {
            let byte = bytes[position]
            if byte == 13 {
                guard position + 1 < bytes.count else { return nil }
                guard bytes[position + 1] == 10, position > start else { throw Malformed() }
                return (negative ? -value : value, position + 2)
            }
            if byte == UInt8(ascii: "-"), position == start {
                negative = true
            } else if byte >= 48, byte <= 57, value < 1 << 40 {
                value = value * 10 + Int(byte - 48)
            } else {
                throw Malformed()
            }
            position += 1
        }
        return nil
    }
}
