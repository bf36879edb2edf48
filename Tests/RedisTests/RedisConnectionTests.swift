import Foundation
import IOLoop
import TestSupport
import Testing

@testable import Redis

/// Runs `body` as a task on a fresh I/O loop, as the benchmark's connection tasks run.
func onLoop<T: Sendable>(_ body: @escaping @Sendable (IOLoop) async throws -> T) async throws -> T {
    let loop = try IOLoop()
    defer { loop.shutdown() }
    return try await Task(executorPreference: loop) { try await body(loop) }.value
}

func testEndpoint(port: Int? = TestServices.redisPort, password: String? = nil) throws -> RedisEndpoint {
    let addresses = try SocketAddress.resolve(host: "127.0.0.1", port: port ?? 6379)
    return RedisEndpoint(addresses: addresses, password: password, connectTimeout: .seconds(2), ioTimeout: .seconds(5))
}

@Suite("Redis connection (real server)", .enabled(if: TestServices.hasRedis, "needs the servers of 'make test'"))
struct RedisConnectionTests {
    @Test func decodesEveryReplyKind() async throws {
        let replies = try await onLoop { loop in
            let connection = try await RedisConnection.connect(to: try testEndpoint(), on: loop)
            defer { connection.close() }
            var replies: [RedisReply] = []
            replies.append(try await connection.send(["PING"]))
            replies.append(try await connection.send(["SET", "client-test:a", "hello", "EX", "60"]))
            replies.append(try await connection.send(["GET", "client-test:a"]))
            replies.append(try await connection.send(["GET", "client-test:missing"]))
            replies.append(try await connection.send(["DEL", "client-test:a"]))
            replies.append(try await connection.send(["NOSUCHCOMMAND"]))
            replies.append(try await connection.send(["RPUSH", "client-test:l", "x", "y"]))
            replies.append(try await connection.send(["LRANGE", "client-test:l", "0", "-1"]))
            replies.append(try await connection.send(["DEL", "client-test:l"]))
            return replies
        }
        #expect(replies[0] == .status("PONG"))
        #expect(replies[1] == .status("OK"))
        #expect(replies[2].string == "hello")
        #expect(replies[3] == .null)
        #expect(replies[4] == .integer(1))
        guard case .error(let message) = replies[5] else {
            Issue.record("expected an error reply, got \(replies[5])")
            return
        }
        #expect(message.hasPrefix("ERR "))
        #expect(RedisError.errorKind(of: message) == message)  // kinds keep the server's words
        let long = "ERR " + String(repeating: "x", count: 500)
        #expect(RedisError.errorKind(of: long).count == 161 && RedisError.errorKind(of: long).hasSuffix("…"))
        #expect(replies[6] == .integer(2))
        #expect(replies[7] == .array([.bulk(Array("x".utf8)), .bulk(Array("y".utf8))]))
    }

    @Test func pipelinedRepliesArriveInOrder() async throws {
        let values = try await onLoop { loop in
            let connection = try await RedisConnection.connect(to: try testEndpoint(), on: loop)
            defer { connection.close() }
            _ = try await connection.send(["DEL", "client-test:counter"])
            for _ in 0..<500 { connection.output.command(["INCR", "client-test:counter"]) }
            try await connection.flush()
            var values: [Int] = []
            while values.count < 500 {
                guard case .integer(let value) = try await connection.readReplySummary() else { break }
                values.append(value)
                while let buffered = connection.bufferedReplySummary() {
                    guard case .integer(let value) = buffered else { break }
                    values.append(value)
                }
            }
            _ = try await connection.send(["DEL", "client-test:counter"])
            return values
        }
        #expect(values == Array(1...500))
    }

    /// A name can resolve to an address nothing listens on (`::1` first for an IPv4-only server):
    /// the next one is tried.
    @Test func everyAddressIsTriedInOrder() async throws {
        let closed = try SocketAddress.resolve(host: "127.0.0.1", port: TestServices.closedPort())
        let open = try testEndpoint().addresses
        let reply = try await onLoop { loop -> String in
            let endpoint = RedisEndpoint(addresses: closed + open, host: "127.0.0.1")
            let connection = try await RedisConnection.connect(to: endpoint, on: loop)
            defer { connection.close() }
            return try await connection.send(["PING"]).string ?? ""
        }
        #expect(reply == "PONG")
    }

    @Test func closedPortFailsWithTheAddress() async throws {
        let port = TestServices.closedPort()
        let error = try await onLoop { loop -> RedisError? in
            do {
                _ = try await RedisConnection.connect(to: try testEndpoint(port: port), on: loop)
                return nil
            } catch let error as RedisError {
                return error
            }
        }
        #expect(error?.description == "cannot connect to Redis at 127.0.0.1:\(port): Connection refused")
    }

    @Test func authenticationFailureIsReportedWithoutThePassword() async throws {
        let error = try await onLoop { loop -> RedisError? in
            do {
                _ = try await RedisConnection.connect(to: try testEndpoint(password: "not-the-password"), on: loop)
                return nil
            } catch let error as RedisError {
                return error
            }
        }
        guard case .authentication(let address, let message) = error else {
            Issue.record("expected an authentication error, got \(String(describing: error))")
            return
        }
        #expect(address == "127.0.0.1:\(TestServices.redisPort!)")
        #expect(!message.contains("not-the-password"))
        #expect(!(error?.description.contains("not-the-password") ?? true))
    }
}

/// A server that answers any request with a bulk reply announcing `length` bytes and then sends
/// zeros until the client hangs up (or 700 MB have gone). Returns its port.
private func startHostileServer(announcing length: Int) -> Int {
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var size = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, size) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &size) }
    }
    listen(listener, 1)
    Thread {
        defer { close(listener) }
        let client = accept(listener, nil, nil)
        guard client >= 0 else { return }
        defer { close(client) }
        var request = [UInt8](repeating: 0, count: 4096)
        _ = read(client, &request, request.count)
        let header = Array("$\(length)\r\n".utf8)
        guard write(client, header, header.count) == header.count else { return }
        let zeros = [UInt8](repeating: 0x30, count: 64 * 1024)
        var sent = 0
        while sent < 700 * 1024 * 1024 {
            let written = send(client, zeros, zeros.count, Int32(MSG_NOSIGNAL))
            if written <= 0 { return }
            sent += written
        }
    }.start()
    return Int(UInt16(bigEndian: address.sin_port))
}

@Suite("Redis connection (hostile server)")
struct HostileRedisServerTests {
    /// Redis never sends a value over 512 MB; a stream that announces more is refused once that
    /// much has arrived, instead of being buffered until memory runs out.
    @Test func aReplyLongerThanRedisAllowsIsAnErrorNotABuffer() async throws {
        let port = startHostileServer(announcing: 8_000_000_000)
        let outcome = try await onLoop { loop -> String in
            let connection = try await RedisConnection.connect(to: try testEndpoint(port: port), on: loop)
            defer { connection.close() }
            do {
                _ = try await connection.send(["GET", "x"])
                return "a reply"
            } catch {
                return "\(error)"
            }
        }
        #expect(outcome.contains("over 512 MB"), "\(outcome)")
    }
}
