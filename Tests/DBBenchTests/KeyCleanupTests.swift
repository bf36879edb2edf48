import IOLoop
import Redis
import Testing

@testable import RedisBench

@Suite("Which keys cleanup may delete")
struct KeyCleanupTests {
    @Test func patternEscapesGlobCharactersPerScalar() throws {
        let addresses = try SocketAddress.resolve(host: "127.0.0.1", port: 1)
        let target = RedisTarget(
            endpoint: RedisEndpoint(addresses: addresses),
            keyPrefix: "*\u{FE0F}\u{20E3}:[a]?",
            runID: "r1"
        )
        #expect(target.namespace == "*\u{FE0F}\u{20E3}:[a]?r1:")
        #expect(target.matchPattern == "\\*\u{FE0F}\u{20E3}:\\[a\\]\\?r1:*")
    }

    @Test func onlyKeysStartingWithThePrefixByteForByteAreDeleted() {
        let prefix = Array("run:".utf8)
        let keys: [RedisReply] = [
            .bulk(Array("run:key:1".utf8)),
            .bulk(Array("runner:key:1".utf8)),  // matched a looser pattern, not under the prefix
            .bulk(Array("app:run:1".utf8)),
            .bulk(Array("run:".utf8) + [0xFF, 0xFE]),  // not UTF-8: could not be named back exactly
            .status("run:status"),
        ]
        #expect(RedisTarget.ownKeys(keys, prefix: prefix) == ["run:key:1"])
    }
}
