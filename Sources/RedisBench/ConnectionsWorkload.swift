import BenchCore
import IOLoop
import Redis

/// Opens every connection at once, holds them all open, then PINGs each one.
///
/// "connect" times TCP connect plus AUTH/SELECT; "PING" times one round trip on a connection while
/// all the others are held open. Connections that fail are counted by reason, not hidden.
struct ConnectionsWorkload: Workload {
    static let connect = 0, ping = 1

    let target: RedisTarget
    let connections: Int
    var name: String { "CONNECTIONS" }
    var operationNames: [String] { ["connect", "PING"] }
    var totalOperations: Int { connections }
    var preStartOperationNames: Set<String> { ["connect"] }

    func setup(on loop: IOLoop) async throws { try await target.ping(on: loop) }

    func runConnection(_ context: ConnectionContext) async throws {
        let recorder = context.recorder
        let started = monotonicNanoseconds()
        let connection: RedisConnection
        do {
            connection = try await target.connect(on: context.loop)
        } catch {
            recorder.recordFailure(Self.connect, kind: error.kind)
            return
        }
        defer { connection.close() }
        recorder.recordSuccess(Self.connect, nanoseconds: monotonicNanoseconds() &- started)
        await context.ready()

        let sent = monotonicNanoseconds()
        do {
            let reply = try await connection.send(["PING"])
            if case .error(let message) = reply {
                recorder.recordFailure(Self.ping, kind: RedisError.errorCode(of: message))
            } else {
                recorder.recordSuccess(Self.ping, nanoseconds: monotonicNanoseconds() &- sent)
            }
        } catch {
            recorder.recordFailure(Self.ping, kind: error.kind)
        }
    }

    func notes(for result: WorkloadResult, on loop: IOLoop) async throws -> [String] {
        let opened = result.operations[Self.connect].succeeded
        let answered = result.operations[Self.ping].succeeded
        return ["\(Format.grouped(opened)) of \(Format.grouped(connections)) connections opened and held at once; "
                + "\(Format.grouped(answered)) answered PING"]
    }
}
