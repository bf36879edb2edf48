import BenchCore
import Testing

@testable import RedisBench

/// How `--url` is read, and how the server names itself.
@Suite("Redis URLs and server identity")
struct RedisAddressingTests {
    @Test func urlPartsAreReadAndDecoded() throws {
        let url = try RedisURL("rediss://bench:p%40ss%3Aword@[::1]:6380/3", command: "dbbench redis")
        #expect(url.tls && url.host == "::1" && url.port == 6380 && url.database == 3)
        #expect(url.username == "bench" && url.password == "p@ss:word")
        let plain = try RedisURL("redis://:secret@cache.internal", command: "dbbench redis")
        #expect(plain.tls == false && plain.username == nil && plain.password == "secret")
        #expect(plain.host == "cache.internal" && plain.port == nil && plain.database == nil)
    }

    @Test(arguments: [
        "http://host", "redis://", "redis://host:0", "redis://host:99999", "redis://host/x", "redis://u:%zz@host",
        "redis://[::1",
    ])
    func malformedURLsAreUsageErrorsThatNeverRepeatTheURL(text: String) {
        #expect(throws: UsageError.self) { try RedisURL(text, command: "dbbench redis") }
        do {
            _ = try RedisURL(text, command: "dbbench redis")
        } catch {
            // ("redis://" alone is part of the form the message shows.)
            #expect(!error.description.contains(text) || RedisURL.form.contains(text), "\(error.description)")
        }
    }

    @Test func valkeyIsNamedAsValkeyWithItsOwnVersion() {
        let valkey = ServerIdentity(
            info: "# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.0.1\r\n"
        )
        #expect(valkey == ServerIdentity(name: "Valkey", version: "8.0.1"))
        #expect(valkey.label == "Valkey 8.0.1")
        #expect(ServerIdentity(info: "redis_version:7.0.15\r\n").label == "Redis 7.0.15")
        #expect(ServerIdentity(info: nil).label == "Redis, version unknown (INFO not permitted)")
    }
}
