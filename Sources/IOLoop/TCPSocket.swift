import CLinux
import Glibc

/// A non-blocking stream connection (TCP, or a Unix socket) driven by the `IOLoop` it was opened on.
///
/// Thread confinement: use it only from a task whose executor preference is `loop` (it is not
/// `Sendable`). Every call tries the syscall first and waits for readiness only after `EAGAIN`.
public final class TCPSocket {
    public let loop: IOLoop
    public let address: SocketAddress
    let handle: IOHandle
    /// How long one read or write may wait for the socket, in nanoseconds.
    public var timeoutNanoseconds: UInt64

    private init(handle: IOHandle, address: SocketAddress, timeoutNanoseconds: UInt64) {
        self.loop = handle.loop
        self.handle = handle
        self.address = address
        self.timeoutNanoseconds = timeoutNanoseconds
    }

    deinit { handle.close() }

    /// Connects to `address` on `loop` (the calling task must be running on it), over TCP with
    /// TCP_NODELAY.
    public static func connect(
        to address: SocketAddress,
        on loop: IOLoop,
        timeout: Duration,
        ioTimeout: Duration
    ) async throws(IOError) -> TCPSocket {
        let fd = socket(
            address.family,
            Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
            0
        )
        guard fd >= 0 else { throw IOError(operation: "socket", errno: errno) }
        var one: Int32 = 1
        if address.family != AF_UNIX {
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        let handle: IOHandle
        do {
            handle = try loop.register(fd: fd)
        } catch {
            Glibc.close(fd)
            throw error
        }
        let socket = TCPSocket(handle: handle, address: address, timeoutNanoseconds: ioTimeout.nanoseconds)
        let status = address.storage.withUnsafeBytes { raw in
            Glibc.connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        if status != 0 {
            let code = errno
            guard code == EINPROGRESS else { throw IOError(operation: "connect", errno: code) }
            try await loop.wait(for: .write, on: handle, timeout: timeout.nanoseconds).check("connect")
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
            if soError != 0 { throw IOError(operation: "connect", errno: soError) }
        }
        handle.writable = true
        return socket
    }

    /// Writes all of `bytes`, waiting for buffer space when the kernel has none.
    nonisolated(nonsending)
        public func write(_ bytes: UnsafeRawBufferPointer) async throws(IOError)
    {
        var offset = 0
        while offset < bytes.count {
            if handle.isClosed { throw IOError(.closed, operation: "write") }
            let sent = send(handle.fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if sent > 0 {
                offset += sent
                continue
            }
            let code = errno
            if sent < 0 && code == EINTR { continue }
            guard sent < 0 && (code == EAGAIN || code == EWOULDBLOCK) else {
                throw IOError(operation: "write", errno: sent == 0 ? EPIPE : code)
            }
            handle.writable = false
            try await loop.wait(for: .write, on: handle, timeout: timeoutNanoseconds).check("write")
        }
    }

    /// Reads at least one byte into `buffer`, waiting until some arrive.
    /// Throws `.closedByPeer` at end of stream.
    nonisolated(nonsending)
        public func read(into buffer: UnsafeMutableRawBufferPointer) async throws(IOError) -> Int
    {
        while true {
            if handle.isClosed { throw IOError(.closed, operation: "read") }
            if handle.readable {
                let count = recv(handle.fd, buffer.baseAddress!, buffer.count, 0)
                if count > 0 {
                    // A short read drained the receive queue: the next edge will say when more arrives,
                    // unless the peer has closed, which no later edge announces.
                    if count < buffer.count { handle.readable = handle.peerClosed }
                    return count
                }
                if count == 0 { throw IOError(.closedByPeer, operation: "read") }
                let code = errno
                if code == EINTR { continue }
                guard code == EAGAIN || code == EWOULDBLOCK else { throw IOError(operation: "read", errno: code) }
                handle.readable = false
            }
            try await loop.wait(for: .read, on: handle, timeout: timeoutNanoseconds).check("read")
        }
    }

    // MARK: For a library that reads and writes the descriptor itself (OpenSSL)

    public var descriptor: Int32 { handle.fd }

    /// False once a read found the socket empty and no edge has come since.
    public var mayBeReadable: Bool { handle.readable }

    /// The library's read found the socket empty (`EAGAIN`): the next read waits for an edge.
    public func markDrained() { handle.readable = handle.peerClosed }

    /// Waits until an edge says bytes may have arrived since the socket was found empty (at once
    /// when one has). The socket stays readable until `markDrained()`: the library may read only
    /// part of what arrived (OpenSSL reads a record at a time), and no new edge announces the rest.
    nonisolated(nonsending)
        public func waitUntilReadableAgain(timeoutNanoseconds: UInt64) async throws(IOError)
    {
        if handle.isClosed { throw IOError(.closed, operation: "read") }
        if !handle.readable {
            try await loop.wait(for: .read, on: handle, timeout: timeoutNanoseconds).check("read")
        }
    }

    /// Waits until the socket can take more bytes after the library found it full.
    nonisolated(nonsending)
        public func waitUntilWritableAgain(timeoutNanoseconds: UInt64) async throws(IOError)
    {
        if handle.isClosed { throw IOError(.closed, operation: "write") }
        handle.writable = false
        try await loop.wait(for: .write, on: handle, timeout: timeoutNanoseconds).check("write")
    }

    /// Closes the connection now (also done when the socket is released).
    public func close() { handle.close() }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at `UInt64.max`.
    public var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        return whole &+ UInt64(attoseconds / 1_000_000_000)
    }
}
