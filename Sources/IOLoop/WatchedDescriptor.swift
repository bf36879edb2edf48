import CLinux

/// A descriptor that a C library owns and does its own I/O on (libpq's socket), watched by an
/// `IOLoop` so that a task can wait for it without blocking a thread.
///
/// Edge-triggered: `waitUntilReadable` returns at once when an edge arrived since the last call,
/// and consumes it. The caller then lets the library read; when the library may have left bytes in
/// the socket (libpq reads at most its free buffer space per call), `stayReadableIfBytesRemain()`
/// keeps the descriptor readable, since no new edge would announce those bytes.
///
/// Thread confinement: use it only from a task running on `loop`. It never closes the descriptor.
public final class WatchedDescriptor {
    public let loop: IOLoop
    private let handle: IOHandle

    /// Starts watching `fd`; the calling task must run on `loop`.
    public init(fd: Int32, on loop: IOLoop) throws(IOError) {
        self.loop = loop
        handle = try loop.register(fd: fd, owning: false)
    }

    deinit { handle.close() }

    public var fd: Int32 { handle.fd }

    /// Waits for data (or end of stream, or an error) on the descriptor.
    nonisolated(nonsending)
        public func waitUntilReadable(timeout: Duration) async throws(IOError)
    {
        try await waitUntilReadable(timeoutNanoseconds: timeout.nanoseconds)
    }

    /// `waitUntilReadable(timeout:)` with the timeout already in nanoseconds, for per-operation
    /// waits (converting a `Duration` costs 128-bit arithmetic each time).
    nonisolated(nonsending)
        public func waitUntilReadable(timeoutNanoseconds: UInt64) async throws(IOError)
    {
        if !handle.readable {
            try await loop.wait(for: .read, on: handle, timeout: timeoutNanoseconds).check("read")
        }
        handle.readable = handle.peerClosed
    }

    /// Consumes the edge that arrived since the last wait, if any, without waiting: for a caller
    /// that reads right away whether or not one came. True when there was one.
    public func takeReadableEdge() -> Bool {
        defer { handle.readable = handle.peerClosed }
        return handle.readable
    }

    /// After a read that may have left bytes in the socket (libpq reads at most its free buffer
    /// space per call), keeps the descriptor readable when some are left, so that the next wait
    /// returns at once: no new edge would announce bytes that have already arrived, nor the end of
    /// the stream that came with them (a server's last message, then its close).
    public func stayReadableIfBytesRemain() {
        if handle.peerClosed || clinux_unread_bytes(handle.fd) > 0 { handle.readable = true }
    }

    /// Waits until the descriptor can take more bytes.
    nonisolated(nonsending)
        public func waitUntilWritable(timeout: Duration) async throws(IOError)
    {
        try await waitUntilWritable(timeoutNanoseconds: timeout.nanoseconds)
    }

    /// `waitUntilWritable(timeout:)` with the timeout already in nanoseconds.
    nonisolated(nonsending)
        public func waitUntilWritable(timeoutNanoseconds: UInt64) async throws(IOError)
    {
        if !handle.writable {
            try await loop.wait(for: .write, on: handle, timeout: timeoutNanoseconds).check("write")
        }
        handle.writable = false
    }

    /// Stops watching (the owner closes the descriptor itself).
    public func stopWatching() { handle.close() }
}
