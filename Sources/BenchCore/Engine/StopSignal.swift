import Glibc
import Synchronization

/// A request to stop starting operations: set by SIGINT/SIGTERM (`StopSignal.interrupt`) or by a
/// test. Workloads check it between operations; operations in flight finish normally.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public var isRequested: Bool { flag.load(ordering: .relaxed) }

    public func request() { flag.store(true, ordering: .relaxed) }

    /// The one SIGINT and SIGTERM set.
    public static let interrupt = StopSignal()

    /// Routes SIGINT and SIGTERM to `interrupt`. A second signal of either kind ends the process
    /// at once (the default action is restored by the first).
    public static func installSignalHandlers() {
        _ = interrupt.isRequested  // initialise the global before a signal handler can touch it
        for number in [SIGINT, SIGTERM] {
            signal(number) { received in
                StopSignal.interrupt.flag.store(true, ordering: .relaxed)
                signal(SIGINT, SIG_DFL)
                signal(SIGTERM, SIG_DFL)
                _ = received
            }
        }
    }
}
