import Testing

@testable import SelfTest

@Suite("Self-test server: finding commands")
struct RESPCommandScannerTests {
    private func commands(_ text: String) throws -> [String] {
        let bytes = Array(text.utf8)
        var names: [String] = []
        var position = 0
        try bytes.withUnsafeBytes { buffer in
            while let command = try RESPCommandScanner.next(in: buffer, at: position) {
                names.append(command.name)
                position = command.end
            }
        }
        return names
    }

    @Test func arraysOfBulkStringsAndInlineCommands() throws {
        #expect(
            try commands("*1\r\n$4\r\nping\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nvv\r\nINFO server\r\n") == [
                "PING", "SET", "INFO",
            ]
        )
    }

    @Test(arguments: ["*1\r\n$4\r\nPIN", "*2\r\n$4\r\nPING\r\n", "*1\r", "PING"])
    func anIncompleteCommandWaitsForMoreBytes(_ text: String) throws {
        #expect(try commands(text).isEmpty)
    }

    @Test(arguments: ["*x\r\n", "*1\r\n+PING\r\n", "*1\r\n$4\r\nPINGxx", "*0\r\n"])
    func malformedInputIsRefused(_ text: String) {
        #expect(throws: RESPCommandScanner.Malformed.self) { try commands(text) }
    }
}
