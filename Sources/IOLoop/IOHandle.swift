import Glibc

/// A file descriptor registered with an `IOLoop`, with its edge-triggered readiness state.
///
/// Owned by the loop's thread: it is created, waited on and closed only by tasks running on that
/// loop. `readable`/`writable` remember the last edge so that a task can try a syscall first and
/// wait only after `EAGAIN`.
final class IOHandle {
    enum Interest { case read, write }
    enum WaitResult { case ready, timedOut }

    let fd: Int32
    unowned let loop: IOLoop
    /// False for descriptors a C library owns (libpq): `close()` then only stops watching.
    let ownsDescriptor: Bool
    var readable = false
    var writable = false
    var readWaiter: UnsafeContinuation<WaitResult, Never>?
    var writeWaiter: UnsafeContinuation<WaitResult, Never>?
    /// Coarse-clock time after which a pending wait is resumed with `.timedOut`.
    var deadline: UInt64 = .max
    var registryIndex = -1
    private(set) var isClosed = false

    init(fd: Int32, loop: IOLoop, ownsDescriptor: Bool) {
        self.fd = fd
        self.loop = loop
        self.ownsDescriptor = ownsDescriptor
    }

    /// Deregisters (and, when owned, closes) the descriptor; a pending wait is resumed as timed out.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        loop.deregister(self)
        if ownsDescriptor { _ = Glibc.close(fd) }
        if let waiter = readWaiter {
            readWaiter = nil
            waiter.resume(returning: .timedOut)
        }
        if let waiter = writeWaiter {
            writeWaiter = nil
            waiter.resume(returning: .timedOut)
        }
    }
}
