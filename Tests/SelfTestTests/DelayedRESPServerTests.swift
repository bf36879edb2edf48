import Foundation
import Glibc
import TestSupport
import Testing

@testable import SelfTest

/// The known server itself: what it answers and when, checked with a plain blocking socket, so that
/// the self-test's reference does not rest on the code it checks. Only lower bounds are timed
/// exactly (a reply is never early); upper bounds leave room for a loaded machine.
@Suite("Self-test server")
struct DelayedRESPServerTests {
    /// A blocking connection to the server on 127.0.0.1.
    private final class Client {
        let fd: Int32

        init(port: Int) throws {
            // A reply that never comes fails the test instead of hanging it.
            fd = try #require(loopbackSocket(port: port, timeout: 10))
        }

        deinit { close(fd) }

        /// Sends `text`, reads until `expected` bytes arrived, and returns them with the seconds taken.
        func exchange(_ text: String, expecting expected: Int) -> (String, Double) {
            let start = Date()
            _ = text.withCString { send(fd, $0, strlen($0), 0) }
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while received.count < expected {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count <= 0 { break }
                received += buffer[0..<count]
            }
            return (String(decoding: received, as: UTF8.self), Date().timeIntervalSince(start))
        }
    }

    @Test func everyReplyComesAfterTheDelayInOrder() throws {
        let server = try DelayedRESPServer(delay: .milliseconds(50))
        defer { server.stop() }
        let client = try Client(port: server.port)
        let (pong, seconds) = client.exchange("*1\r\n$4\r\nPING\r\n", expecting: 7)
        #expect(pong == "+PONG\r\n")
        #expect(seconds >= 0.05 && seconds < 5)
        // Three commands in one write, answered together after one delay, in order.
        let (replies, pipelined) = client.exchange(
            "PING\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*1\r\n$4\r\nSCAN\r\n",
            expecting: 7 + 5 + 15
        )
        #expect(replies == "+PONG\r\n+OK\r\n*2\r\n$1\r\n0\r\n*0\r\n")
        #expect(pipelined >= 0.05 && pipelined < 5)
        #expect(server.pings == 2)
    }

    @Test func theStallHoldsBackEveryReplyOnce() throws {
        let server = try DelayedRESPServer(
            delay: .zero,
            stall: DelayedRESPServer.Stall(afterPings: 2, duration: .milliseconds(400))
        )
        defer { server.stop() }
        let client = try Client(port: server.port)
        let (_, first) = client.exchange("PING\r\n", expecting: 7)
        let (_, second) = client.exchange("PING\r\n", expecting: 7)
        let (_, third) = client.exchange("PING\r\n", expecting: 7)
        #expect(first < 0.4)
        #expect(second >= 0.4 && second < 5, "the second PING starts the stall and waits for its end")
        #expect(third < second)
    }

    @Test func infoNamesTheServer() throws {
        let server = try DelayedRESPServer(delay: .zero)
        defer { server.stop() }
        let (info, _) = try Client(port: server.port).exchange(
            "INFO server\r\n",
            expecting: DelayedRESPServer.info.count
        )
        #expect(info.contains("redis_version:0.0.0-dbbench-selftest"))
    }

    @Test func malformedInputClosesTheConnection() throws {
        let server = try DelayedRESPServer(delay: .zero)
        defer { server.stop() }
        let (reply, _) = try Client(port: server.port).exchange("*1\r\n+PING\r\n", expecting: 1)
        #expect(reply.isEmpty)
    }
}

/// `dbbench selftest`: the figures dbbench reports against the known server, as the issue states
/// them, not only the command's own verdict.
@Suite("dbbench selftest")
struct SelfTestCommandTests {
    /// The self-test's own bounds are tight (the delay's p50 to microseconds, the stall's slow count
    /// to 10%): other tests running beside it on a machine of two cores can push a figure past one,
    /// as its verdict then says. So it gets up to three attempts, one of which must pass every bound
    /// it states; the issue's figures, which a busy machine does not move that far, must hold in each.
    @Test func delayAndStallAreMeasuredAsTheyWere() throws {
        var failed: [String] = []
        for _ in 0..<3 {
            let result = try CommandRunner.dbbench(["selftest", "--format", "json"], timeout: 120)
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                "\(result.stdout)\n\(result.stderr)"
            )
            let checks = document["checks"] as? [[String: Any]] ?? []
            func check(_ prefix: String) -> [String: Any] {
                checks.first { ($0["name"] as? String)?.hasPrefix(prefix) == true } ?? [:]
            }
            let roundTrip = try #require(document["round_trip_us"] as? Double)
            #expect(roundTrip > 0 && roundTrip < 10_000)
            // A 1 s stall in a 10 s run at 1,000/s: p99 of at least 0.8 s, and about a thousand
            // operations slower than 0.1 s (not one per connection, 10).
            let p99 = try #require(check("p99,")["measured"] as? Double)
            #expect(p99 >= 800_000)
            let slow = try #require(check("slower than 100 ms")["measured"] as? Double)
            #expect(slow >= 800 && slow <= 1_100, "\(slow)")
            let maximum = try #require(check("max")["measured"] as? Double)
            #expect(maximum >= 1_000_000 && maximum < 1_100_000)
            for name in ["rate, delay", "rate, stall"] {
                let rate = try #require(check(name)["measured"] as? Double)
                #expect(abs(rate - 1000) <= 10, "\(name): \(rate)")
            }
            // p50 with d = 200 µs: within 5 µs + 1% of d of d plus the round trip.
            let measuredP50 = try #require(check("p50")["measured"] as? Double)
            let error = measuredP50 - (200 + roundTrip)
            if abs(error) <= 7 && document["passed"] as? Bool == true {
                #expect(result.exitCode == 0, "\(result.stdout)")
                return
            }
            #expect(result.exitCode == 1 && document["passed"] as? Bool == false, "a figure out of bound fails")
            let outside = checks.filter { $0["passed"] as? Bool == false }.compactMap { $0["name"] as? String }
            failed.append("p50 error \(error) us; outside: \(outside.joined(separator: ", "))")
        }
        Issue.record("no attempt in three met every bound: \(failed.joined(separator: " | "))")
    }
}
