import Testing

@testable import Postgres

@Suite("Binary COPY encoding")
struct BinaryRowsTests {
    /// The encoded field: length prefix stripped.
    func field(_ build: (inout BinaryRows) -> Void) -> [UInt8] {
        var rows = BinaryRows()
        build(&rows)
        let field = rows.fields[0]
        return Array(rows.bytes[field.offset..<(field.offset + Int(field.length))])
    }

    @Test func numericInBase10000Digits() {
        // 0.012345 = 123 × 10000^-1 + 4500 × 10000^-2: ndigits 2, weight -1, sign +, dscale 6
        #expect(field { $0.numeric(unscaled: 12345, scale: 6) } == [0, 2, 0xFF, 0xFF, 0, 0, 0, 6, 0, 123, 0x11, 0x94])
        // 250.50: digits 250, 5000; weight 0; dscale 2
        #expect(field { $0.numeric(unscaled: 25050, scale: 2) } == [0, 2, 0, 0, 0, 0, 0, 2, 0, 250, 0x13, 0x88])
        // 10000: one digit 1 with weight 1
        #expect(field { $0.numeric(unscaled: 1_000_000, scale: 2) } == [0, 1, 0, 1, 0, 0, 0, 2, 0, 1])
        // zero: no digits
        #expect(field { $0.numeric(unscaled: 0, scale: 6) } == [0, 0, 0, 0, 0, 0, 0, 6])
        // negative: sign 0x4000
        #expect(field { $0.numeric(unscaled: -5, scale: 0) } == [0, 1, 0, 0, 0x40, 0, 0, 0, 0, 5])
    }

    @Test func timestampCountsFromTheYear2000() {
        #expect(
            field { $0.timestamp(unixMicroseconds: BinaryRows.postgresEpochOffsetMicroseconds + 1) } == [
                0, 0, 0, 0, 0, 0, 0, 1,
            ]
        )
    }

    @Test func rowsAndFieldsAreTracked() {
        var rows = BinaryRows()
        rows.beginCopy()
        rows.beginRow(fieldCount: 3)
        rows.int32(7)
        rows.text(Array("hi".utf8))
        rows.null()
        rows.endCopy()
        #expect(rows.rowCount == 1)
        #expect(rows.fields.map(\.length) == [4, 2, -1])
        #expect(Array(rows.bytes.prefix(11)) == Array(BinaryRows.copyHeader.prefix(11)))
        #expect(Array(rows.bytes.suffix(2)) == [0xFF, 0xFF])
        // header (19) + field count (2) + int (4+4) + text (4+2) + null (4) + trailer (2)
        #expect(rows.bytes.count == 19 + 2 + 8 + 6 + 4 + 2)
    }
}
