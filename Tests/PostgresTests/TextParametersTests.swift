import Testing
@testable import Postgres

@Suite("Text parameters")
struct TextParametersTests {
    /// The NUL-terminated strings as libpq will read them.
    func strings(_ parameters: borrowing TextParameters) -> [String] {
        parameters.storage.withUnsafeBufferPointer { buffer in
            parameters.starts.map { String(cString: buffer.baseAddress! + $0) }
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
}
