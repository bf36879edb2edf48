import Testing

@testable import Postgres

@Suite("Text parameters")
struct TextParametersTests {
    /// The NUL-terminated strings as libpq will read them, through the pointer array it is given.
    func strings(_ parameters: borrowing TextParameters) -> [String] {
        parameters.withValuePointers { values, count in
            (0..<Int(count)).map { String(cString: values[$0]!) }
        }
    }

    @Test func integersAndTextAreNulTerminatedInOrder() {
        var parameters = TextParameters()
        for value in [0, 7, 10, 12_345, -42, Int.max, Int.min] { parameters.append(value) }
        parameters.append("gpt-4")
        #expect(parameters.count == 8)
        #expect(strings(parameters) == ["0", "7", "10", "12345", "-42", String(Int.max), String(Int.min), "gpt-4"])
        parameters.removeAll()
        parameters.append(99)
        #expect(strings(parameters) == ["99"])
    }

    @Test func growsPastItsInitialCapacityWithoutLosingEarlierParameters() {
        var parameters = TextParameters()
        let texts = (0..<40).map { String(repeating: "x", count: $0 * 7) + "\($0)" }
        for (index, text) in texts.enumerated() {
            if index.isMultiple(of: 2) { parameters.append(text) } else { parameters.append(index * 1_000_003) }
        }
        let expected = texts.enumerated().map {
            $0.offset.isMultiple(of: 2) ? $0.element : String($0.offset * 1_000_003)
        }
        #expect(parameters.count == 40)
        #expect(strings(parameters) == expected)
        #expect(parameters.strings == expected)
    }
}
