/// Rows in PostgreSQL's binary COPY tuple format, built into one reusable buffer.
///
/// The same bytes serve both insert methods: `COPY ... FROM STDIN (FORMAT binary)` sends them as they
/// are (between `copyHeader` and `copyTrailer`), and a multi-row prepared INSERT passes each field as a
/// binary parameter pointing into the buffer (`parameters`).
public struct BinaryRows: ~Copyable {
    /// `PGCOPY\n\377\r\n\0`, flags 0, header extension length 0.
    public static let copyHeader: [UInt8] = [
        0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0,
    ]
    /// A field count of -1 ends the data.
    public static let copyTrailer: [UInt8] = [0xFF, 0xFF]
    /// Microseconds from the Unix epoch to PostgreSQL's epoch, 2000-01-01 00:00:00 UTC.
    public static let postgresEpochOffsetMicroseconds: Int64 = 946_684_800_000_000

    public private(set) var bytes: [UInt8] = []
    /// Start of each field's data and its length (-1 for NULL), in order; kept only when
    /// `tracksFields` (the rows become INSERT parameters), since COPY does not need it.
    public private(set) var fields: [(offset: Int, length: Int32)] = []
    public let tracksFields: Bool
    public private(set) var rowCount = 0
    private var lengthPosition = 0

    public init(capacity: Int = 64 * 1024, tracksFields: Bool = true) {
        self.tracksFields = tracksFields
        bytes.reserveCapacity(capacity)
    }

    /// Drops the bytes written so far but keeps the row count (streaming COPY data in pieces).
    public mutating func removeBytes() {
        bytes.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
    }

    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
        rowCount = 0
    }

    /// Starts COPY data: call before the first row when the rows are for `copyIn`.
    public mutating func beginCopy() { bytes.append(contentsOf: Self.copyHeader) }

    /// Ends COPY data.
    public mutating func endCopy() { bytes.append(contentsOf: Self.copyTrailer) }

    /// Starts a row of `fieldCount` fields.
    public mutating func beginRow(fieldCount: Int) {
        appendBigEndian(Int16(fieldCount))
        rowCount += 1
    }

    public mutating func null() {
        appendBigEndian(Int32(-1))
        if tracksFields { fields.append((bytes.count, -1)) }
    }

    public mutating func int32(_ value: Int32) {
        beginField()
        appendBigEndian(value)
        endField()
    }

    public mutating func int64(_ value: Int64) {
        beginField()
        appendBigEndian(value)
        endField()
    }

    /// `timestamptz` from microseconds since the Unix epoch.
    public mutating func timestamp(unixMicroseconds: Int64) {
        int64(unixMicroseconds - Self.postgresEpochOffsetMicroseconds)
    }

    /// `text`/`varchar` from UTF-8 bytes.
    public mutating func text(_ utf8: [UInt8]) {
        beginField()
        bytes.append(contentsOf: utf8)
        endField()
    }

    /// `jsonb`: format version 1 followed by the JSON text.
    public mutating func jsonb(_ json: [UInt8]) {
        beginField()
        bytes.append(1)
        bytes.append(contentsOf: json)
        endField()
    }

    /// `numeric` equal to `unscaled × 10^-scale` (cost 0.012345 is unscaled 12345, scale 6), in
    /// PostgreSQL's base-10000 digit format.
    public mutating func numeric(unscaled: Int64, scale: Int) {
        beginField()
        let magnitude = unscaled.magnitude
        var power: UInt64 = 1
        for _ in 0..<scale { power *= 10 }
        var integer = magnitude / power
        let fraction = magnitude % power
        var integerGroups: [Int16] = []
        while integer > 0 {
            integerGroups.append(Int16(integer % 10_000))
            integer /= 10_000
        }
        integerGroups.reverse()
        let fractionGroupCount = (scale + 3) / 4
        var padded = fraction
        for _ in 0..<(fractionGroupCount * 4 - scale) { padded *= 10 }
        var fractionGroups = [Int16](repeating: 0, count: fractionGroupCount)
        for index in stride(from: fractionGroupCount - 1, through: 0, by: -1) {
            fractionGroups[index] = Int16(padded % 10_000)
            padded /= 10_000
        }
        var digits = integerGroups + fractionGroups
        var weight = integerGroups.count - 1
        while let first = digits.first, first == 0 {
            digits.removeFirst()
            weight -= 1
        }
        while let last = digits.last, last == 0 { digits.removeLast() }
        if digits.isEmpty { weight = 0 }
        appendBigEndian(Int16(digits.count))
        appendBigEndian(Int16(weight))
        appendBigEndian(UInt16(unscaled < 0 && !digits.isEmpty ? 0x4000 : 0))
        appendBigEndian(Int16(scale))
        for digit in digits { appendBigEndian(digit) }
        endField()
    }

    private mutating func beginField() {
        lengthPosition = bytes.count
        appendBigEndian(Int32(0))
        if tracksFields { fields.append((bytes.count, 0)) }
    }

    private mutating func endField() {
        let length = Int32(bytes.count - lengthPosition - 4)
        withUnsafeBytes(of: length.bigEndian) { raw in
            for (offset, byte) in raw.enumerated() { bytes[lengthPosition + offset] = byte }
        }
        if tracksFields { fields[fields.count - 1].length = length }
    }

    private mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
