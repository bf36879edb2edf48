import CLibpq
import Synchronization

/// The notices and warnings the server sent on any connection of this process, each kept once,
/// instead of libpq's default of printing every one on stderr (in the middle of the progress, and
/// once per connection). Harmless ones are dropped; the driver shows the rest on stderr at the end.
public final class ServerNotices: Sendable {
    /// The one collector of the process, which every connection's notice receiver reports to.
    public static let shared = ServerNotices()

    private let kept = Mutex<[String]>([])

    /// Notices that say nothing a benchmark user needs: TimescaleDB's advice on column types of the
    /// benchmark table, `IF NOT EXISTS` skips, cascades of dbbench's own cleanup, and the notice of a
    /// restarting server (its effect is reported as an outage).
    static let harmless = [
        "does not follow best practices", "already exists, skipping", "does not exist, skipping", "drop cascades to",
        "terminating connection because of", "terminating connection due to",
    ]

    /// Adds a notice ("WARNING: message") unless it is harmless or already kept.
    func add(severity: String, message: String) {
        guard !Self.harmless.contains(where: { message.contains($0) }) else { return }
        let line = "\(severity): \(message)"
        kept.withLock { notices in
            if !notices.contains(line) && notices.count < 20 { notices.append(line) }
        }
    }

    /// The notices kept so far, and forgets them.
    public func take() -> [String] {
        kept.withLock { notices in
            defer { notices = [] }
            return notices
        }
    }

    /// Sends `connection`'s notices here.
    static func receive(on connection: OpaquePointer) {
        PQsetNoticeReceiver(
            connection,
            { _, result in
                guard let result else { return }
                func field(_ code: UInt8) -> String? {
                    PQresultErrorField(result, Int32(code)).map { String(cString: $0) }
                }
                let message = field(UInt8(ascii: "M")) ?? ""
                guard !message.isEmpty else { return }
                ServerNotices.shared.add(
                    severity: field(UInt8(ascii: "V")) ?? field(UInt8(ascii: "S")) ?? "NOTICE",
                    message: message
                )
            },
            nil
        )
    }
}
