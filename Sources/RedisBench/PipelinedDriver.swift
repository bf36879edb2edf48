import BenchCore
import IOLoop
import Redis

/// Produces the requests of one workload, one at a time, and interprets their replies.
protocol RedisRequestSource {
    /// The workload whose operations and counters the source records.
    associatedtype Owner: Workload where Owner.Counter: RedirectCounting
    /// Appends the next request to `output` and returns which command it is.
    mutating func appendNext(to output: inout RESPWriter) -> Owner.Operation
    /// Counts what a successful reply says beyond success (a GET hit or miss).
    func observe(_ reply: RedisReplySummary, of operation: Owner.Operation, recorder: Recorder<Owner>)
}

extension RedisRequestSource {
    func observe(_ reply: RedisReplySummary, of operation: Owner.Operation, recorder: Recorder<Owner>) {}
}

/// The counters of a workload that may be redirected by a cluster.
protocol RedirectCounting: CounterKind {
    static var redirects: Self { get }
}

/// Keeps up to `pipeline` requests in flight on one connection until `operations` have been sent
/// and answered, timing each one from just before its write to just after its reply is parsed.
///
/// Replies that arrived in the same read are handled together, then every freed slot is refilled
/// with one write: with `pipeline 1` that is one `send` and one `recv` per operation.
///
/// Open loop (`--rate`, which the options allow only with `pipeline 1`): each request waits for its
/// scheduled start, and its latency counts from then.
///
/// Returns the error that ended the connection (its requests in flight counted as failed), or nil
/// when every operation was done or the run is over.
enum PipelinedDriver {
    @discardableResult
    nonisolated(nonsending)
        static func run<Source: RedisRequestSource>(
            _ source: inout Source,
            connection: RedisConnection,
            operations: Int,
            pipeline: Int,
            context: ConnectionContext,
            recorder: Recorder<Source.Owner>,
            redirects: ClusterRedirects? = nil,
            tally: ConnectionTally? = nil
        ) async -> RedisError?
    {
        var startedAt = [UInt64](repeating: 0, count: pipeline)
        // In a cluster, each request in flight is kept, to be sent again where a redirect says.
        var requests = [[UInt8]](repeating: [], count: redirects == nil ? 0 : pipeline)
        // Filled as the slots are first used (requests go out in slot order).
        var operationOf: [Source.Owner.Operation] = []
        operationOf.reserveCapacity(pipeline)
        var head = 0  // oldest request in flight
        var inFlight = 0
        var unsent = operations
        var sent = 0
        // In open loop `startOperation` counts what starts; in closed loop this driver paces itself.
        defer { if !context.isOpenLoop { context.countStarted(sent) } }

        while unsent > 0 || inFlight > 0 {
            if context.isOpenLoop {
                if unsent > 0, await !context.startOperation() { unsent = 0 }
            } else if context.shouldStop {
                unsent = 0
            }
            if unsent > 0 && inFlight < pipeline {
                let first = inFlight
                while inFlight < pipeline && unsent > 0 {
                    var slot = head + inFlight
                    if slot >= pipeline { slot -= pipeline }
                    let before = connection.output.count
                    let operation = source.appendNext(to: &connection.output)
                    if slot < operationOf.count { operationOf[slot] = operation } else { operationOf.append(operation) }
                    if redirects != nil {
                        requests[slot] = Array(UnsafeRawBufferPointer(rebasing: connection.output.bytes[before...]))
                    }
                    inFlight += 1
                    unsent -= 1
                    sent += 1
                }
                let now = monotonicNanoseconds()
                for offset in first..<inFlight {
                    var slot = head + offset
                    if slot >= pipeline { slot -= pipeline }
                    startedAt[slot] = now
                }
                do {
                    try await connection.flush()
                } catch {
                    failInFlight(inFlight, from: head, of: operationOf, error, recorder, tally)
                    return error
                }
            }

            if inFlight == 0 { break }
            var reply: RedisReplySummary
            do {
                reply = try await connection.readReplySummary()
            } catch {
                failInFlight(inFlight, from: head, of: operationOf, error, recorder, tally)
                return error
            }
            var now = monotonicNanoseconds()
            while true {
                let operation = operationOf[head]
                if let redirects, case .error(let message) = reply, ClusterRedirects.isRedirect(message) {
                    do {
                        reply = try await redirects.follow(requests[head], redirect: message)
                        recorder.add(.redirects)
                    } catch {
                        reply = .error(error.kind)
                    }
                    now = monotonicNanoseconds()
                }
                if case .error(let message) = reply {
                    if RedisError.meansUnavailable(message) {
                        recorder.recordUnavailable(operation, kind: RedisError.errorKind(of: message))
                    } else {
                        recorder.recordFailure(operation, kind: RedisError.errorKind(of: message))
                    }
                    if let tally, !context.isWarmingUp { tally.failed += 1 }
                } else {
                    recorder.recordSuccess(
                        operation,
                        nanoseconds: now &- startedAt[head],
                        queued: context.queued(sentAt: startedAt[head])
                    )
                    source.observe(reply, of: operation, recorder: recorder)
                    if let tally, !context.isWarmingUp {
                        tally.succeeded += 1
                        tally.histogram.recordNanoseconds(now &- startedAt[head])
                    }
                }
                head += 1
                if head == pipeline { head = 0 }
                inFlight -= 1
                guard inFlight > 0, let buffered = connection.bufferedReplySummary() else { break }
                reply = buffered
            }
        }
        return nil
    }

    /// The connection failed: every request still in flight counts as failed with the I/O reason.
    private static func failInFlight<W: Workload>(
        _ count: Int,
        from head: Int,
        of operationOf: [W.Operation],
        _ error: RedisError,
        _ recorder: Recorder<W>,
        _ tally: ConnectionTally?
    ) {
        tally?.failed += count
        let pipeline = operationOf.count
        for offset in 0..<count {
            recorder.recordFailure(operationOf[(head + offset) % pipeline], kind: error.kind)
        }
    }
}
