import CLinux
import Glibc
import IOLoop
import Synchronization

/// A Redis-protocol server on 127.0.0.1 that answers every command exactly `delay` after it read
/// it, and can freeze once for a while: a server whose latency is known, to check dbbench's
/// measurement against (`dbbench selftest`).
///
/// It answers PING with PONG after `delay`, and at once ECHO with ECHO (not its argument), INFO with a version of its own, SCAN with no keys and anything else with OK: enough for
/// `dbbench redis --tests custom --command PING --command 'ECHO x'` to run against it unchanged,
/// timing the delayed PINGs and, interleaved with them, the round trip without a delay.
///
/// Each connection's replies leave in the order of its requests. To send each one on time the
/// server polls without sleeping whenever a reply is due within `spinWithin`: waking from
/// `epoll_wait` would add microseconds of scheduling delay to the known latency. The stall is a
/// sleep of the whole thread, like a server process that stops (a fork, a swap storm): nothing is
/// read or answered until it ends.
///
/// Thread confinement: the connections and their replies are touched only by the server's own
/// thread; other threads only read `pings` and call `stop()` (an atomic flag and an eventfd write).
public final class DelayedRESPServer: @unchecked Sendable {
    /// One freeze of the server.
    public struct Stall: Sendable, Equatable {
        /// The stall begins once this many PINGs have been read.
        public var afterPings: Int
        public var duration: Duration

        public init(afterPings: Int, duration: Duration) {
            self.afterPings = afterPings
            self.duration = duration
        }
    }

    /// The port it listens on (chosen by the kernel).
    public let port: Int
    public let delay: Duration
    /// PINGs read so far.
    public var pings: Int { pingCount.load(ordering: .relaxed) }

    /// A reply due within this is waited for by polling, not by sleeping.
    static let spinWithin: UInt64 = 2_000_000

    private let listenFD: Int32
    private let epollFD: Int32
    private let wakeFD: Int32
    private let delayNanoseconds: UInt64
    private var stall: Stall?
    private let stopping = Atomic<Bool>(false)
    private let pingCount = Atomic<Int>(0)
    private var thread = pthread_t()

    private struct Client {
        var input: [UInt8] = []
        var output: [UInt8] = []
        /// Replies not yet due, in request order, with the time each is due.
        var pending: [(due: UInt64, bytes: [UInt8])] = []
        var pendingHead = 0

        var nextDue: UInt64? { pendingHead < pending.count ? pending[pendingHead].due : nil }
    }

    // Server-thread state.
    private var clients: [Int32: Client] = [:]

    /// Starts listening and answering on a thread of its own.
    public init(delay: Duration, stall: Stall? = nil) throws(IOError) {
        self.delay = delay
        self.stall = stall
        delayNanoseconds = delay.nanoseconds
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw IOError(operation: "socket", errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(fd, address, length) == 0 && listen(fd, 1024) == 0 && getsockname(fd, address, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            close(fd)
            throw IOError(operation: "bind 127.0.0.1", errno: code)
        }
        listenFD = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard epollFD >= 0, wakeFD >= 0 else {
            let code = errno
            close(fd)
            if epollFD >= 0 { close(epollFD) }
            if wakeFD >= 0 { close(wakeFD) }
            throw IOError(operation: "epoll", errno: code)
        }
        watch(listenFD)
        watch(wakeFD)
        thread = try startOSThread { [self] in
            clinux_set_thread_name("dbbench-selftest")
            serve()
        }
    }

    deinit {
        for fd in clients.keys { close(fd) }
        close(listenFD)
        close(epollFD)
        close(wakeFD)
    }

    /// Stops answering, closes every connection and waits for the thread to end.
    public func stop() {
        guard !stopping.exchange(true, ordering: .acquiring) else { return }
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
        pthread_join(thread, nil)
    }

    private func watch(_ fd: Int32) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = fd
        _ = epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event)
    }

    private func serve() {
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        while !stopping.load(ordering: .relaxed) {
            let now = monotonicNanoseconds()
            sendDue(now: now)
            var timeout: Int32 = -1
            if let due = clients.values.compactMap(\.nextDue).min() {
                let ahead = due > now ? due - now : 0
                timeout = ahead <= Self.spinWithin ? 0 : Int32((ahead - Self.spinWithin / 2) / 1_000_000)
            }
            if clients.values.contains(where: { !$0.output.isEmpty }) { timeout = min(timeout < 0 ? 1 : timeout, 1) }
            let count = epoll_wait(epollFD, &events, Int32(events.count), timeout)
            guard count > 0 else { continue }
            for index in 0..<Int(count) {
                let fd = events[index].data.fd
                if fd == listenFD {
                    acceptAll()
                } else if fd != wakeFD {
                    read(from: fd)
                }
            }
            if let stall, pings >= stall.afterPings {
                self.stall = nil
                freeze(for: stall.duration)
            }
        }
    }

    private func acceptAll() {
        while true {
            let fd = accept(listenFD, nil, nil)
            guard fd >= 0 else { return }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            var one: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            clients[fd] = Client()
            watch(fd)
        }
    }

    /// Reads what `fd` sent and queues a reply to each complete command, due `delay` after the read.
    private func read(from fd: Int32) {
        guard var client = clients[fd] else { return }
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var closed = false
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                client.input.append(contentsOf: buffer[0..<count])
            } else {
                closed = count == 0 || (errno != EAGAIN && errno != EINTR)
                if count < 0 && errno == EINTR { continue }
                break
            }
        }
        let readAt = monotonicNanoseconds()
        var consumed = 0
        do {
            while let command = try client.input.withUnsafeBytes({ bytes throws(RESPCommandScanner.Malformed) in
                try RESPCommandScanner.next(in: bytes, at: consumed)
            }) {
                consumed = command.end
                var due = readAt
                if command.name == "PING" {
                    pingCount.add(1, ordering: .relaxed)
                    due &+= delayNanoseconds
                }
                // Never before an earlier reply of the same connection.
                if let last = client.pending.last, client.pendingHead < client.pending.count {
                    due = max(due, last.due)
                }
                client.pending.append((due, Self.reply(to: command)))
                if command.name == "QUIT" { closed = true }
            }
        } catch {
            closed = true
        }
        client.input.removeFirst(consumed)
        if closed {
            clients[fd] = nil
            close(fd)
        } else {
            clients[fd] = client
        }
    }

    /// Hands every reply whose time has come to its connection, and writes what the connections have.
    private func sendDue(now: UInt64) {
        for (fd, var client) in clients where client.nextDue != nil || !client.output.isEmpty {
            while let due = client.nextDue, due <= now {
                client.output.append(contentsOf: client.pending[client.pendingHead].bytes)
                client.pendingHead += 1
            }
            if client.pendingHead == client.pending.count {
                client.pending.removeAll(keepingCapacity: true)
                client.pendingHead = 0
            }
            if !client.output.isEmpty {
                let written = client.output.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                if written > 0 { client.output.removeFirst(written) }
            }
            clients[fd] = client
        }
    }

    private func freeze(for duration: Duration) {
        let nanoseconds = duration.nanoseconds
        var time = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var left = timespec()
        while nanosleep(&time, &left) != 0 && errno == EINTR { time = left }
    }

    static let pong = Array("+PONG\r\n".utf8)
    static let ok = Array("+OK\r\n".utf8)
    static let echo = Array("+ECHO\r\n".utf8)
    static let noKeys = Array("*2\r\n$1\r\n0\r\n*0\r\n".utf8)
    static let info: [UInt8] = {
        let text = "# Server\r\nredis_version:0.0.0-dbbench-selftest\r\nredis_mode:standalone\r\n"
        return Array("$\(text.utf8.count)\r\n\(text)\r\n".utf8)
    }()

    /// The reply to `command`. ECHO answers with a simple string of its argument's length instead of
    /// the argument: the scanner keeps only names.
    static func reply(to command: RESPCommandScanner.Command) -> [UInt8] {
        switch command.name {
        case "PING": return pong
        case "ECHO": return echo
        case "INFO": return info
        case "SCAN": return noKeys
        default: return ok
        }
    }
}
