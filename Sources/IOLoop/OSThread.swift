import Glibc

/// Starts an OS thread of its own (not one of Swift's pools) running `body`, and returns it for
/// `pthread_join`: the loops run on such threads, and so does the self-test's server.
public func startOSThread(_ body: @escaping @Sendable () -> Void) throws(IOError) -> pthread_t {
    final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
    var thread = pthread_t()
    let retained = Unmanaged.passRetained(Body(body))
    let result = pthread_create(
        &thread,
        nil,
        { argument in
            Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue().run()
            return nil
        },
        retained.toOpaque()
    )
    guard result == 0 else {
        retained.release()
        throw IOError(operation: "pthread_create", errno: result)
    }
    return thread
}
