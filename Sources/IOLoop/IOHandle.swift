import Glibc

/// A file descriptor registered with an `IOLoop`, with its edge-triggered readiness state.
///
/// Owned by the loop's thread: it is created, waited on and closed only by tasks running on that
/// loop. `readable`/`writable` remember the last edge so that a task can try a syscall first and
/// wait only after `EAGAIN`.
final class IOHandle {
    enum Interest { case read, write }
    enum WaitResult {
        case ready
        /// The wait's deadline passed.
        case timedOut
        /// The handle was closed locally while the task waited.
        case closed

        /// Throws unless the wait ended because the descriptor became ready.
        func check(_ operation: String) throws(IOError) {
            switch self {
            case .ready: return
            case .timedOut: throw IOError(.timedOut, operation: operation)
            case .closed: throw IOError(.closed, operation: operation)
            }
        }
    }

    let fd: Int32
    unowned let loop: IOLoop
    /// False for descriptors a C library owns (libpq): `close()` then only stops watching.
    let ownsDescriptor: Bool
    var readable = false
    var writable = false
    /// The peer closed its side (or the socket failed): every later read returns at once, so the
    /// descriptor stays readable. Data and the close often arrive in one edge, and no edge follows.
    var peerClosed = false
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

    /// Deregisters (and, when owned, closes) the descriptor; a pending wait is resumed as `.closed`.
    ///
    /// The loop's `registered` list holds the handle until then, and the epoll events carry its
    /// address unretained: so this runs only from a job on the loop's thread (never while the loop
    /// dispatches a batch of events), and after `EPOLL_CTL_DEL` no later batch names the handle.
    func close() {
        assert(loop.inLoopThread, "IOHandle closed off its loop's thread")
        guard !isClosed else { return }
        isClosed = true
        loop.deregister(self)
        if ownsDescriptor { _ = Glibc.close(fd) }
        if let waiter = readWaiter {
            readWaiter = nil
            waiter.resume(returning: .closed)
        }
        if let waiter = writeWaiter {
            writeWaiter = nil
            waiter.resume(returning: .closed)
        }
    }
}
