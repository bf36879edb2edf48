import Testing

@testable import Redis

@Suite("RESP encoding")
struct RESPWriterTests {
    func text(_ build: (inout RESPWriter) -> Void) -> String {
        var writer = RESPWriter(capacity: 8)  // small, so that growth is exercised
        build(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func commandOfStrings() {
        #expect(text { $0.command(["SET", "k", "hello"]) } == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n")
    }

    @Test func keyFromPrefixAndNumber() {
        #expect(text { $0.bulk(prefix: Array("dbbench:key:".utf8), decimal: 4711) } == "$16\r\ndbbench:key:4711\r\n")
        #expect(text { $0.bulk(prefix: [], decimal: 0) } == "$1\r\n0\r\n")
        #expect(text { $0.bulk(decimal: -12) } == "$3\r\n-12\r\n")
    }

    @Test func emptyAndUnicodeArguments() {
        #expect(text { $0.command(["", "é"]) } == "*2\r\n$0\r\n\r\n$2\r\né\r\n")
    }

    @Test func removeAllKeepsWriting() {
        #expect(
            text {
                $0.command(["PING"])
                $0.removeAll()
                $0.command(["ECHO", "x"])
            } == "*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n"
        )
    }

    @Test func decimalLengths() {
        for value in [0, 9, 10, 99, 100, 123_456_789, -1, -10] {
            #expect(RESPWriter.decimalLength(value) == String(value).count)
        }
    }
}

@Suite("Redis unavailability")
struct RedisUnavailabilityTests {
    @Test func errorRepliesThatMeanTheServerCannotServeNow() {
        #expect(RedisError.meansUnavailable("LOADING Redis is loading the dataset in memory"))
        #expect(RedisError.meansUnavailable("READONLY You can't write against a read only replica."))
        #expect(RedisError.meansUnavailable("MASTERDOWN Link with MASTER is down"))
        #expect(!RedisError.meansUnavailable("WRONGTYPE Operation against a key holding the wrong kind of value"))
        #expect(!RedisError.meansUnavailable("ERR max number of clients reached"))
        #expect(!RedisError.meansUnavailable("LOADINGX"))
    }
}
