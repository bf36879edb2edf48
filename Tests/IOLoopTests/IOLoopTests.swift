import Glibc
import TestSupport
import Testing

@testable import IOLoop

@Suite("I/O loop")
struct IOLoopTests {
    @Test func tasksRunOnTheLoopThread() async throws {
        let loop = try IOLoop()
        defer { loop.shutdown() }
        let onLoop = await Task(executorPreference: loop) { loop.inLoopThread }.value
        #expect(onLoop)
        #expect(!loop.inLoopThread)
    }

    @Test func loopThreadsAreNamedForProfilers() async throws {
        let loop = try IOLoop(index: 3)
        defer { loop.shutdown() }
        let name = await Task(executorPreference: loop) { () -> String in
            guard let file = fopen("/proc/thread-self/comm", "r") else { return "" }
            defer { fclose(file) }
            var buffer = [CChar](repeating: 0, count: 32)
            guard fgets(&buffer, 32, file) != nil else { return "" }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }.value
        #expect(name == "dbbench-loop-3\n")
    }

    @Test func manyTasksAndSuspensionsStayOnTheLoop() async throws {
        let loop = try IOLoop()
        defer { loop.shutdown() }
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 {
                group.addTask(executorPreference: loop) {
                    var ok = loop.inLoopThread
                    for _ in 0..<10 {
                        await Task.yield()
                        ok = ok && loop.inLoopThread
                    }
                    return ok
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 200)
        #expect(results.allSatisfy { $0 })
    }

    @Test func connectToClosedPortIsRefused() async throws {
        let loop = try IOLoop()
        defer { loop.shutdown() }
        let address = try SocketAddress.resolve(host: "127.0.0.1", port: TestServices.closedPort())[0]
        let error = await Task(executorPreference: loop) { () -> IOError? in
            do {
                _ = try await TCPSocket.connect(to: address, on: loop, timeout: .seconds(2), ioTimeout: .seconds(2))
                return nil
            } catch let error as IOError {
                return error
            } catch {
                return nil
            }
        }.value
        #expect(error?.kind == .system)
        #expect(error?.errno == ECONNREFUSED)
        #expect(error?.description == "connect: Connection refused")
    }

    @Test func exchangesBytesAndTimesOutWhenThePeerIsSilent() async throws {
        let listener = try Listener()
        defer { close(listener.fd) }
        let loop = try IOLoop()
        defer { loop.shutdown() }
        let address = try SocketAddress.resolve(host: "127.0.0.1", port: listener.port)[0]
        let outcome = await Task(executorPreference: loop) { () -> (String, IOError.Kind?, Double) in
            do {
                let socket = try await TCPSocket.connect(
                    to: address,
                    on: loop,
                    timeout: .seconds(2),
                    ioTimeout: .milliseconds(200)
                )
                let message = UnsafeMutableRawBufferPointer.allocate(byteCount: 4, alignment: 1)
                defer { message.deallocate() }
                message.copyBytes(from: Array("ping".utf8))
                try await socket.write(UnsafeRawBufferPointer(message))
                let peer = listener.acceptEcho()
                defer { close(peer) }
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 1)
                defer { buffer.deallocate() }
                let count = try await socket.read(into: buffer)
                let echoed = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[0..<count]), as: UTF8.self)
                let started = monotonicNanoseconds()
                do {
                    _ = try await socket.read(into: buffer)
                    return (echoed, nil, 0)
                } catch let error as IOError {
                    return (echoed, error.kind, Double(monotonicNanoseconds() - started) / 1e9)
                }
            } catch {
                return ("failed: \(error)", nil, 0)
            }
        }.value
        #expect(outcome.0 == "ping")
        #expect(outcome.1 == IOError.Kind.timedOut)
        #expect(outcome.2 >= 0.15 && outcome.2 < 2)
    }

    @Test func closingAWatchedDescriptorWakesItsWaiterAsClosedNotTimedOut() async throws {
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &pair) == 0)
        defer {
            close(pair[0])
            close(pair[1])
        }
        let loop = try IOLoop()
        defer { loop.shutdown() }
        let reader = pair[0]
        let kind = await Task(executorPreference: loop) { () -> IOError.Kind? in
            guard let watched = try? LoopConfined(WatchedDescriptor(fd: reader, on: loop)) else { return nil }
            // Another job on the same loop stops watching while this one waits.
            Task(executorPreference: loop) { watched.value.stopWatching() }
            do {
                try await watched.value.waitUntilReadable(timeout: .seconds(30))
                return nil
            } catch let error as IOError {
                return error.kind
            } catch {
                return nil
            }
        }.value
        #expect(kind == .closed)
    }

    /// A server's last message and its close often arrive in one edge: after reading the message,
    /// the end of the stream must still be noticed at once, not at the timeout.
    @Test func theEndOfStreamThatCameWithTheLastBytesIsNotMissed() async throws {
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &pair) == 0)
        let (reader, writer) = (pair[0], pair[1])
        defer { close(reader) }
        _ = Array(repeating: UInt8(7), count: 10).withUnsafeBytes { send(writer, $0.baseAddress, 10, 0) }
        close(writer)
        let loop = try IOLoop()
        defer { loop.shutdown() }
        let steps = await Task(executorPreference: loop) { () -> [String] in
            var steps: [String] = []
            do {
                let watched = try WatchedDescriptor(fd: reader, on: loop)
                defer { watched.stopWatching() }
                try await watched.waitUntilReadable(timeout: .seconds(5))
                var buffer = [UInt8](repeating: 0, count: 100)
                steps.append("read \(recv(reader, &buffer, 100, 0))")
                watched.stayReadableIfBytesRemain()
                try await watched.waitUntilReadable(timeout: .milliseconds(300))
                steps.append("read \(recv(reader, &buffer, 100, 0))")
            } catch {
                steps.append("failed: \(error)")
            }
            return steps
        }.value
        #expect(steps == ["read 10", "read 0"])
    }

    @Test func aJobEnqueuedAfterShutdownStopsTheProcessInsteadOfBeingLost() async {
        await #expect(processExitsWith: .failure) {
            guard let loop = try? IOLoop() else { return }
            loop.shutdown()
            await Task(executorPreference: loop) {}.value
        }
    }

    /// The bookkeeping libpq's socket relies on: an edge is taken once, and a partial read leaves
    /// the descriptor readable only while bytes remain (no new edge would come for them).
    @Test func watchedDescriptorStaysReadableOnlyWhileBytesRemain() async throws {
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &pair) == 0)
        let (reader, writer) = (pair[0], pair[1])
        defer {
            close(reader)
            close(writer)
        }
        let loop = try IOLoop()
        defer { loop.shutdown() }
        let steps = await Task(executorPreference: loop) { () -> [String] in
            func waitBriefly(_ watched: WatchedDescriptor) async -> String {
                do {
                    try await watched.waitUntilReadable(timeout: .milliseconds(60))
                    return "ready"
                } catch {
                    return "timed out"
                }
            }
            var steps: [String] = []
            do {
                let watched = try WatchedDescriptor(fd: reader, on: loop)
                defer { watched.stopWatching() }
                _ = Array(repeating: UInt8(7), count: 100).withUnsafeBytes { send(writer, $0.baseAddress, 100, 0) }
                steps.append(await waitBriefly(watched))
                steps.append("edge \(watched.takeReadableEdge())")
                var buffer = [UInt8](repeating: 0, count: 100)
                steps.append("read \(recv(reader, &buffer, 10, 0))")
                watched.stayReadableIfBytesRemain()
                steps.append(await waitBriefly(watched))
                steps.append("read \(recv(reader, &buffer, 100, 0))")
                watched.stayReadableIfBytesRemain()
                steps.append(await waitBriefly(watched))
            } catch {
                steps.append("failed: \(error)")
            }
            return steps
        }.value
        #expect(steps == ["ready", "edge false", "read 10", "ready", "read 90", "timed out"])
    }

    @Test func idlePollingGrowsWithShortIdlePeriodsAndShrinksWithLongOnes() {
        var polling = IdlePolling()
        #expect(polling.window == 0)
        var windows: [UInt64] = []
        for _ in 0..<5 {
            polling.idled(for: 30_000)
            windows.append(polling.window)
        }
        #expect(windows == [20_000, 40_000, 80_000, 160_000, 200_000])
        polling.idled(for: IdlePolling.longest)
        #expect(polling.window == 200_000)
        windows = []
        for _ in 0..<5 {
            polling.idled(for: 2_000_000)
            windows.append(polling.window)
        }
        #expect(windows == [100_000, 50_000, 25_000, 12_500, 0])
        polling.idled(for: 5_000)
        #expect(polling.window == 20_000)
    }

    @Test func durationsConvertToNanoseconds() {
        #expect(Duration.milliseconds(1500).nanoseconds == 1_500_000_000)
        #expect(Duration.seconds(-1).nanoseconds == 0)
    }
}

/// A blocking listening socket on 127.0.0.1 that accepts one peer and echoes what it sent once.
private struct Listener {
    let fd: Int32
    let port: Int

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = self.fd
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = listen(fd, 8)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Accepts the pending connection, echoes what it has sent, and returns the peer's descriptor.
    func acceptEcho() -> Int32 {
        let peer = accept(fd, nil, nil)
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = recv(peer, &buffer, 64, 0)
        if count > 0 { _ = send(peer, buffer, count, 0) }
        return peer
    }
}

@Suite("I/O loop timers")
struct IOLoopTimerTests {
    @Test func sleepersWakeInDeadlineOrderAfterTheirDeadline() async throws {
        let loop = try IOLoop()
        defer { loop.shutdown() }
        let start = monotonicNanoseconds()
        let wakes = await withTaskGroup(of: (UInt64, UInt64).self) { group in
            for offset in [30, 10, 20, 0] as [UInt64] {
                group.addTask(executorPreference: loop) {
                    let deadline = start + offset * 1_000_000
                    await loop.sleep(until: deadline)
                    return (deadline, monotonicNanoseconds())
                }
            }
            return await group.reduce(into: [(UInt64, UInt64)]()) { $0.append($1) }
        }
        #expect(wakes.count == 4)
        #expect(wakes.allSatisfy { $0.1 >= $0.0 })
        // Late by less than 20 ms each, even on a busy CI machine.
        #expect(wakes.allSatisfy { $0.1 - $0.0 < 20_000_000 })
        #expect(wakes.map(\.0) == wakes.sorted { $0.1 < $1.1 }.map(\.0))
    }
}

/// Hands a loop-confined object to another task on the same loop.
/// `@unchecked Sendable`: both tasks run on the one loop thread that owns `value`.
private final class LoopConfined<Value>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) { self.value = value }
}
