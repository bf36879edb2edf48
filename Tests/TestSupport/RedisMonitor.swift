import Foundation
import Synchronization

/// `MONITOR` on a Redis of the tests, read on a thread of its own over a plain blocking socket:
/// the server's own record of when each command arrived, without a child process (whose signals a
/// test process may have blocked).
public final class RedisMonitor: Sendable {
    private let fd: Int32
    private let received = Mutex<[UInt8]>([])
    private let finished = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)

    /// Connects to 127.0.0.1:`port`, sends MONITOR and reads until `stop()` or `seconds` have passed.
    public init(port: Int, seconds: Double = 60) throws {
        // Short reads, so that stop() is noticed within a tenth of a second.
        guard let fd = loopbackSocket(port: port, timeout: 0.1) else {
            throw ServerDidNotStart(name: "MONITOR on port \(port)")
        }
        self.fd = fd
        _ = "MONITOR\r\n".withCString { send(fd, $0, strlen($0), 0) }
        let deadline = Date().addingTimeInterval(seconds)
        Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while !stopping.load(ordering: .relaxed) && Date() < deadline {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count == 0 { break }
                if count > 0 { received.withLock { $0 += buffer[0..<count] } }
            }
            finished.signal()
        }.start()
    }

    /// Stops reading and returns the lines the server sent (`+1764750000.123456 [0 127.0.0.1:5] "SET" …`).
    public func stop() -> [String] {
        stopping.store(true, ordering: .relaxed)
        finished.wait()
        close(fd)
        return String(decoding: received.withLock { $0 }, as: UTF8.self).split(separator: "\r\n").map(String.init)
    }
}
