import CLinux
import Glibc
import Synchronization

/// An OS thread that waits in `epoll_wait` and runs Swift tasks: a `TaskExecutor`.
///
/// A task started with `executorPreference: loop` runs every job on this thread, its sockets are
/// registered with this loop's epoll instance, and a readiness event resumes the waiting task right
/// here, so a request and its reply never hop between threads.
///
/// Thread confinement: everything but `remote`, `isStopping`, `epollFD` and `wakeFD` is touched
/// only by the loop's own thread, which is what makes `@unchecked Sendable` sound (debug builds
/// assert it in the loop-confined calls). Jobs enqueued from other threads go through the `remote`
/// mutex and wake the loop with an eventfd write; jobs enqueued from the loop's own thread (the
/// common case: a continuation resumed by an epoll event) are appended without a lock or a syscall.
///
/// Lifecycle: running until `shutdown()`, which lets the loop finish every job, timer and remote
/// job it has, then closes the queue and ends the thread. A job enqueued after that would never
/// run, so it stops the process as a programming error instead of being lost.
public final class IOLoop: TaskExecutor, @unchecked Sendable {
    /// Position of this loop in its group, for messages and round-robin placement.
    public let index: Int

    private let epollFD: Int32
    private let wakeFD: Int32
    /// A CLOCK_MONOTONIC timerfd armed for the earliest sleeping task.
    private let timerFD: Int32
    /// Jobs from other threads, and whether the loop has stopped taking them.
    private struct RemoteQueue {
        var jobs: [UnownedJob] = []
        var closed = false
    }

    private let remote = Mutex(RemoteQueue())
    private let isStopping = Atomic<Bool>(false)
    private let finished = Mutex<Bool>(false)

    // Loop-thread state.
    private var readyJobs: [UnownedJob] = []
    private var runningJobs: [UnownedJob] = []
    private var registered: [IOHandle] = []
    private var nextSweep: UInt64 = 0
    private var timers = TimerQueue()
    /// The deadline `timerFD` is armed for, or `.max` when it is disarmed.
    private var armedDeadline: UInt64 = .max
    /// The loop's coarse clock, refreshed once per iteration; used for I/O deadlines.
    private(set) var coarseNow: UInt64 = clinux_coarse_ns()
    /// When the loop last began to wait for events (monotonic nanoseconds; loop thread only). A task
    /// woken from `sleep(until:)` later than asked can tell from it whose the delay was: the loop's
    /// own, when it began that wait after the deadline (it was running other jobs), or the system's,
    /// when it was already waiting and its thread was not scheduled in time.
    public private(set) var waitStartedAt: UInt64 = 0
    private var thread = pthread_t()
    /// Poll briefly before sleeping (`IdlePolling`): for closed-loop runs. Open-loop runs sleep
    /// between scheduled starts, since polling there would only burn CPU.
    private let pollsWhenIdle: Bool
    private var idlePolling = IdlePolling()
    /// Time spent running jobs and dispatching events, not waiting or polling (loop thread only);
    /// published through `busyCounter` for the saturation check.
    private var busyTotal: UInt64 = 0
    private let busyCounter = Atomic<UInt64>(0)

    /// Nanoseconds this loop has been busy (running tasks, dispatching events) since it started:
    /// readable from any thread. Busy most of a run's wall time, the loop — the client — is what
    /// sets the pace.
    public var busyNanoseconds: UInt64 { busyCounter.load(ordering: .relaxed) }

    /// How often waits are checked against their deadlines.
    private static let sweepInterval: UInt64 = 20_000_000

    public init(index: Int = 0, pollsWhenIdle: Bool = false) throws(IOError) {
        self.index = index
        self.pollsWhenIdle = pollsWhenIdle
        let epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw IOError(operation: "epoll_create1", errno: errno) }
        let wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeFD >= 0 else {
            let code = errno
            close(epollFD)
            throw IOError(operation: "eventfd", errno: code)
        }
        let timerFD = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_NONBLOCK | TFD_CLOEXEC))
        guard timerFD >= 0 else {
            let code = errno
            close(epollFD)
            close(wakeFD)
            throw IOError(operation: "timerfd_create", errno: code)
        }
        self.epollFD = epollFD
        self.wakeFD = wakeFD
        self.timerFD = timerFD
        // 0 marks the wake-up eventfd and 1 the timerfd; handles use their (aligned, larger) address.
        for (fd, marker) in [(wakeFD, UInt64(0)), (timerFD, UInt64(1))] {
            var event = epoll_event()
            event.events = CLINUX_EPOLLIN
            event.data.u64 = marker
            guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0 else {
                throw IOError(operation: "epoll_ctl", errno: errno)
            }
        }
        thread = try startOSThread { [self] in runUntilStopped() }
    }

    deinit {
        close(epollFD)
        close(wakeFD)
        close(timerFD)
    }

    /// True when called on this loop's thread.
    @inline(__always)
    public var inLoopThread: Bool {
        clinux_current_loop() == Unmanaged.passUnretained(self).toOpaque()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if inLoopThread {
            readyJobs.append(job)
            return
        }
        let (wasEmpty, closed) = remote.withLock { queue in
            if queue.closed { return (false, true) }
            queue.jobs.append(job)
            return (queue.jobs.count == 1, false)
        }
        precondition(!closed, "a job was enqueued on I/O loop \(index) after its shutdown: it would never run")
        if wasEmpty { wake() }
    }

    /// Stops the thread once it has no runnable job left and waits for it to exit.
    /// Call it only when no task with this loop as its executor is still running.
    public func shutdown() {
        let alreadyDone = finished.withLock { done in
            defer { done = true }
            return done
        }
        if alreadyDone { return }
        isStopping.store(true, ordering: .releasing)
        wake()
        pthread_join(thread, nil)
    }

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    // MARK: Registration and waiting (loop thread only)

    /// Registers `fd` for edge-triggered readiness; with `owning`, the handle closes it at the end.
    func register(fd: Int32, owning: Bool = true) throws(IOError) -> IOHandle {
        precondition(inLoopThread, "IOHandle registered off its loop's thread")
        let handle = IOHandle(fd: fd, loop: self, ownsDescriptor: owning)
        var event = epoll_event()
        event.events = CLINUX_EPOLLIN | CLINUX_EPOLLOUT | CLINUX_EPOLLRDHUP | CLINUX_EPOLLET
        event.data.u64 = UInt64(UInt(bitPattern: Unmanaged.passUnretained(handle).toOpaque()))
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0 else {
            throw IOError(operation: "epoll_ctl", errno: errno)
        }
        handle.registryIndex = registered.count
        registered.append(handle)
        return handle
    }

    func deregister(_ handle: IOHandle) {
        assert(inLoopThread, "IOHandle deregistered off its loop's thread")
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, handle.fd, nil)
        let index = handle.registryIndex
        guard index >= 0, index < registered.count, registered[index] === handle else { return }
        let last = registered.removeLast()
        if index < registered.count {
            registered[index] = last
            last.registryIndex = index
        }
        handle.registryIndex = -1
    }

    /// Suspends the current task until `handle` is readable (or writable), or the deadline passes.
    nonisolated(nonsending)
        func wait(for interest: IOHandle.Interest, on handle: IOHandle, timeout: UInt64) async -> IOHandle.WaitResult
    {
        assert(inLoopThread, "IOLoop.wait called off its loop's thread")
        handle.deadline = coarseNow &+ timeout
        let result = await withUnsafeContinuation { (continuation: UnsafeContinuation<IOHandle.WaitResult, Never>) in
            switch interest {
            case .read: handle.readWaiter = continuation
            case .write: handle.writeWaiter = continuation
            }
        }
        handle.deadline = .max
        return result
    }

    /// Suspends the current task, which must run on this loop, until the monotonic clock
    /// (`monotonicNanoseconds()`) reaches `deadline`; precise to tens of microseconds.
    nonisolated(nonsending)
        public func sleep(until deadline: UInt64) async
    {
        precondition(inLoopThread, "IOLoop.sleep called off its loop's thread")
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            timers.insert(deadline, continuation)
            if deadline < armedDeadline { arm(deadline) }
        }
    }

    private func arm(_ deadline: UInt64) {
        armedDeadline = deadline
        var spec = itimerspec()
        // An all-zero value would disarm the timer; a deadline of 0 is long past anyway.
        let at = Swift.max(deadline, 1)
        spec.it_value.tv_sec = Int(at / 1_000_000_000)
        spec.it_value.tv_nsec = Int(at % 1_000_000_000)
        _ = timerfd_settime(timerFD, Int32(TFD_TIMER_ABSTIME), &spec, nil)
    }

    /// Resumes every sleeper whose deadline has passed and re-arms the timer for the next one.
    private func fireTimers() {
        var expirations: UInt64 = 0
        _ = read(timerFD, &expirations, 8)
        armedDeadline = .max
        let now = clinux_monotonic_ns()
        while let waiter = timers.popDue(now: now) { waiter.resume() }
        if let next = timers.earliest { arm(next) }
    }

    // MARK: The loop

    private func runUntilStopped() {
        clinux_set_current_loop(Unmanaged.passUnretained(self).toOpaque())
        // Named for top, perf and gdb (at most 15 characters); it would otherwise inherit its creator's name.
        clinux_set_thread_name("dbbench-loop-\(index % 100)")
        let executor = asUnownedTaskExecutor()
        let capacity: Int32 = 512
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: Int(capacity))
        defer { events.deallocate() }
        nextSweep = coarseNow &+ Self.sweepInterval
        var busySince = clinux_monotonic_ns()
        while true {
            let fromOtherThreads = remote.withLock { queue -> [UnownedJob] in
                if queue.jobs.isEmpty { return [] }
                defer { queue.jobs.removeAll(keepingCapacity: true) }
                return queue.jobs
            }
            readyJobs.append(contentsOf: fromOtherThreads)
            if !readyJobs.isEmpty {
                swap(&readyJobs, &runningJobs)
                for job in runningJobs { job.runSynchronously(on: executor) }
                runningJobs.removeAll(keepingCapacity: true)
            }
            if readyJobs.isEmpty && timers.isEmpty && isStopping.load(ordering: .acquiring) && closeRemoteQueue() {
                break
            }
            let waitStarted = clinux_monotonic_ns()
            waitStartedAt = waitStarted
            busyTotal &+= waitStarted &- busySince
            busyCounter.store(busyTotal, ordering: .relaxed)
            let count =
                readyJobs.isEmpty ? waitForEvents(events, capacity: capacity) : epoll_wait(epollFD, events, capacity, 0)
            busySince = clinux_monotonic_ns()
            coarseNow = clinux_coarse_ns()
            if count > 0 {
                for i in 0..<Int(count) {
                    dispatch(events[i])
                }
            }
            if coarseNow >= nextSweep {
                expireDeadlines()
                nextSweep = coarseNow &+ Self.sweepInterval
            }
        }
        clinux_set_current_loop(nil)
    }

    /// Closes the queue of jobs from other threads when it is empty; false when a job came in.
    private func closeRemoteQueue() -> Bool {
        remote.withLock { queue in
            guard queue.jobs.isEmpty else { return false }
            queue.closed = true
            return true
        }
    }

    /// Waits up to 50 ms for events; with `pollsWhenIdle`, polls for `idlePolling.window` first.
    private func waitForEvents(_ events: UnsafeMutablePointer<epoll_event>, capacity: Int32) -> Int32 {
        guard pollsWhenIdle else { return epoll_wait(epollFD, events, capacity, 50) }
        let started = clinux_monotonic_ns()
        if idlePolling.window > 0 {
            let until = started &+ idlePolling.window
            var now = started
            repeat {
                let count = epoll_wait(epollFD, events, capacity, 0)
                if count != 0 { return count }
                // Poll only while no other thread wants this CPU: when one ran during the yield
                // (a server's, say), sleep instead of taking turns with it.
                sched_yield()
                let before = now
                now = clinux_monotonic_ns()
                if now &- before > IdlePolling.otherThreadRan { break }
            } while now < until
        }
        let count = epoll_wait(epollFD, events, capacity, 50)
        idlePolling.idled(for: clinux_monotonic_ns() &- started)
        return count
    }

    /// Hands one event to its handle. The handle's address comes from the event unretained: it is
    /// alive because only jobs close handles, and no job runs between `epoll_wait` and the end of
    /// this batch (a resumed waiter's job is queued, not run), so a handle closed by a job is
    /// already out of the epoll set when the next batch is read.
    @inline(__always)
    private func dispatch(_ event: epoll_event) {
        let data = event.data.u64
        if data == 0 {
            var drained: UInt64 = 0
            _ = read(wakeFD, &drained, 8)
            return
        }
        if data == 1 {
            fireTimers()
            return
        }
        let handle = Unmanaged<IOHandle>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(data))!).takeUnretainedValue()
        let flags = event.events
        if flags & (CLINUX_EPOLLRDHUP | CLINUX_EPOLLHUP | CLINUX_EPOLLERR) != 0 { handle.peerClosed = true }
        if flags & (CLINUX_EPOLLIN | CLINUX_EPOLLRDHUP | CLINUX_EPOLLHUP | CLINUX_EPOLLERR) != 0 {
            handle.readable = true
            if let waiter = handle.readWaiter {
                handle.readWaiter = nil
                waiter.resume(returning: .ready)
            }
        }
        if flags & (CLINUX_EPOLLOUT | CLINUX_EPOLLHUP | CLINUX_EPOLLERR) != 0 {
            handle.writable = true
            if let waiter = handle.writeWaiter {
                handle.writeWaiter = nil
                waiter.resume(returning: .ready)
            }
        }
    }

    private func expireDeadlines() {
        for handle in registered where handle.deadline <= coarseNow {
            handle.deadline = .max
            if let waiter = handle.readWaiter {
                handle.readWaiter = nil
                waiter.resume(returning: .timedOut)
            }
            if let waiter = handle.writeWaiter {
                handle.writeWaiter = nil
                waiter.resume(returning: .timedOut)
            }
        }
    }
}
