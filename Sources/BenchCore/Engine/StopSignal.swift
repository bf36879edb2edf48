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

    /// Routes SIGINT, SIGTERM and SIGHUP (a closed terminal or SSH session) to `interrupt`, so that
    /// each ends the run with its partial results and cleanup. A second signal of any of them ends the process
    /// at once (the default action is restored by the first). When the process is still stopping
    /// `noticeAfterSeconds` after the first (operations in flight on a server that does not answer
    /// end only at `--timeout`), one line on stderr says so and how to quit at once.
    public static func installSignalHandlers() {
        _ = interrupt.isRequested  // initialise the globals before a signal handler can touch them
        _ = stillStoppingNotice
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number) { _ in
                StopSignal.interrupt.flag.store(true, ordering: .relaxed)
                signal(SIGINT, SIG_DFL)
                signal(SIGTERM, SIG_DFL)
                signal(SIGHUP, SIG_DFL)
                alarm(StopSignal.noticeAfterSeconds)
            }
        }
        signal(SIGALRM) { _ in
            // Only async-signal-safe calls here: write(2) of bytes prepared at installation.
            let notice = StopSignal.stillStoppingNotice
            _ = write(STDERR_FILENO, notice.baseAddress, notice.count)
        }
    }

    static let noticeAfterSeconds: UInt32 = 2

    /// The stderr line for a stop that takes long, as bytes ready before any signal arrives.
    /// `nonisolated(unsafe)`: initialised once, never written or freed afterwards.
    nonisolated(unsafe) static let stillStoppingNotice: UnsafeBufferPointer<UInt8> = {
        let text =
            "dbbench: stopping: waiting for the operations in flight (each ends by --timeout at the latest), "
            + "then cleanup; interrupt again to quit at once, without cleanup\n"
        let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: text.utf8.count)
        _ = bytes.initialize(from: text.utf8)
        return UnsafeBufferPointer(bytes)
    }()
}
