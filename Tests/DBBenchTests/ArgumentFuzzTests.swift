import Foundation
import TestSupport
import Testing

/// Random malformed command lines: every one must end with exit 64 and one line on stderr, never a
/// crash. Each vector carries at least one element that cannot be valid, so none reaches a server.
@Suite("Malformed command lines")
struct ArgumentFuzzTests {
    static let options = [
        "--host", "--port", "--password", "--db", "--connections", "--num-operations", "--cache-keys",
        "--key-range", "--pipeline", "--tests", "--key-prefix", "--value-size", "--ttl", "--threads",
        "--connect-timeout", "--timeout", "--duration", "--warmup", "--rate", "--arrival", "--assert", "--progress",
        "--format", "--database", "--user", "--sslmode", "--inserts-per-connection", "--batch-size", "--num-queries",
        "--queries", "--insert-method", "--sql", "--sql-args", "--schema", "--keep-data",
    ]
    static let values = [
        "", "0", "-1", "1", "7", "99999999999999999999999", "9223372036854775807", "-9223372036854775808", "1e9",
        "0x10", "1_0", "NaN", "inf", "5s", "-5s", "1.5", "abc", "set,get", "set,,get", "p99<", "<5", "ops>=x",
        "a.b.c<1", "é", "*️⃣:", "\u{0}", "--", "-", "1-", "-1-2", "10-5", "copy", "none", "public", "pg_x",
        "verify-full", String(repeating: "9", count: 400),
    ]
    /// Elements no parse accepts, one of which every vector gets.
    static let invalid = [
        "--no-such-option", "--connections=0", "--port=70000", "--pipeline=0", "--threads=0", "--tests=nothing",
        "--timeout=soon", "--rate=0", "--value-size=5-1", "stray", "--assert=p98<1", "--format=xml",
        "--key-prefix=", "--schema=Public", "--batch-size=0",
    ]

    @Test func randomMalformedArgumentVectorsExit64WithoutACrash() throws {
        var random = SeededRandom(seed: 0xF022)
        for round in 0..<300 {
            var arguments: [String] = []
            for _ in 0..<Int.random(in: 0...6, using: &random) {
                arguments.append(Self.options.randomElement(using: &random)!)
                if Bool.random(using: &random) { arguments.append(Self.values.randomElement(using: &random)!) }
            }
            let bad = Self.invalid.randomElement(using: &random)!
            arguments.insert(bad, at: Int.random(in: 0...arguments.count, using: &random))
            let command = round % 2 == 0 ? "redis" : "timescale"
            let result = try CommandRunner.dbbench([command] + arguments, timeout: 30)
            let shown = ([command] + arguments).map { "'\($0)'" }.joined(separator: " ")
            #expect(result.exitCode == 64, "dbbench \(shown) exited \(result.exitCode): \(result.stderr)")
            #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"), "\(shown)")
            #expect(result.stdout.isEmpty && result.stderr.split(separator: "\n").count == 1, "\(shown)")
        }
    }
}

/// SplitMix64, so that a failing vector can be found again.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
