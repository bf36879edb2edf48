import Glibc

/// A fixed set of `IOLoop` threads (`--threads`), shut down together.
public final class IOLoopGroup: Sendable {
    public let loops: [IOLoop]

    /// Starts `count` loops (at least one); `pollsWhenIdle` as for `IOLoop`.
    public init(count: Int, pollsWhenIdle: Bool = false) throws(IOError) {
        var loops: [IOLoop] = []
        for index in 0..<max(1, count) {
            do {
                loops.append(try IOLoop(index: index, pollsWhenIdle: pollsWhenIdle))
            } catch {
                for loop in loops { loop.shutdown() }
                throw error
            }
        }
        self.loops = loops
    }

    /// The loop that connection `index` belongs to: connections are spread round-robin.
    public func loop(for index: Int) -> IOLoop { loops[index % loops.count] }

    /// Stops every loop; call when no task runs on them any more.
    public func shutdown() {
        for loop in loops { loop.shutdown() }
    }

    /// Online processor count, the default for `--threads`.
    public static var processorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
