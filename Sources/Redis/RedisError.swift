import IOLoop
import TLS

/// Why a Redis connection or command failed.
public enum RedisError: Error, Sendable, CustomStringConvertible {
    /// The TCP connection could not be opened.
    case connect(address: String, IOError)
    /// The server rejected the credentials (AUTH) or requires them (NOAUTH).
    case authentication(address: String, message: String)
    /// Reading or writing an open connection failed.
    case io(IOError)
    /// An error reply to a control-plane command.
    case server(command: String, message: String)
    /// The byte stream was not valid RESP.
    case protocolError(String)
    /// TLS failed: the handshake (an untrusted certificate, a refused client certificate) or an
    /// established connection.
    case tls(address: String, TLSError)

    public var description: String {
        switch self {
        case .connect(let address, let error):
            return "cannot connect to Redis at \(address): \(error.reason)"
        case .authentication(let address, let message):
            return "Redis at \(address) refused authentication: \(message)"
        case .io(let error): return error.description
        case .server(let command, let message): return "Redis \(command) failed: \(message)"
        case .protocolError(let message): return "Redis protocol error: \(message)"
        case .tls(let address, let error): return "Redis at \(address): \(error)"
        }
    }

    /// A short, stable label for counting errors by kind ("closed", "timed out", an error reply's text).
    public var kind: String {
        switch self {
        case .connect(_, let error): return "connect: \(error.reason)"
        case .authentication: return "authentication"
        case .io(let error): return error.reason
        case .server(_, let message): return RedisError.errorKind(of: message)
        case .protocolError: return "protocol error"
        case .tls(_, let error): return error.description
        }
    }

    /// How an error reply is counted: in the server's words ("ERR max number of clients reached"),
    /// since the code alone ("ERR") says nothing, cut at `longestKind` characters so that a reply
    /// quoting a long argument does not flood the report.
    public static func errorKind(of message: String) -> String {
        guard message.utf8.count > longestKind else { return message.isEmpty ? "ERR" : message }
        return String(message.prefix(longestKind)) + "…"
    }

    static let longestKind = 160

    /// True for an error reply that says the server cannot serve now, rather than that the command
    /// was wrong: loading its data after a restart, a primary being lost or failed over, the
    /// cluster down, a script blocking it, or a former primary that is now a read-only replica.
    public static func meansUnavailable(_ message: String) -> Bool {
        let code = message.prefix { $0 != " " }
        return ["LOADING", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "BUSY", "READONLY"].contains(code)
    }
}
