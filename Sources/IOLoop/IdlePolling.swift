/// How long an idle `IOLoop` keeps polling for events before it sleeps in `epoll_wait`, adapted to how
/// long its recent idle periods lasted (the rule of the kernel's haltpoll cpuidle governor).
///
/// A sleeping loop thread has to be woken by whoever makes one of its sockets readable. With the
/// server on the same machine that is the server: its send pays for the wake-up, an inter-processor
/// interrupt, which in a virtual machine without halt polling is also an exit to the hypervisor. A
/// closed loop against a saturated server idles for tens of microseconds at a time, and polling
/// through those gaps leaves the server's CPU to the server (measured in Docs/performance.md).
/// When idle periods are long, the window shrinks to nothing and the loop simply sleeps.
/// `dbbench redis` polls in closed-loop runs; `dbbench timescale` does not, since PostgreSQL's
/// backends share the client's CPUs and polling only cost CPU there.
struct IdlePolling {
    /// The longest poll; an idle period longer than this shrinks the window.
    static let longest: UInt64 = 200_000
    /// The window after the first short idle period; it doubles with each further one.
    static let first: UInt64 = 20_000

    /// A poll step (`epoll_wait` without timeout, `sched_yield`) that took longer than this means another
    /// thread ran on the CPU in between: the CPU is not idle, so the loop sleeps rather than poll.
    static let otherThreadRan: UInt64 = 10_000

    /// Nanoseconds to poll before sleeping.
    private(set) var window: UInt64 = 0

    /// Adapts the window to an idle period (polling and sleeping) that ended with an event.
    mutating func idled(for nanoseconds: UInt64) {
        if nanoseconds <= Self.longest {
            window = min(max(window &* 2, Self.first), Self.longest)
        } else {
            window /= 2
            if window < Self.first / 2 { window = 0 }
        }
    }
}
