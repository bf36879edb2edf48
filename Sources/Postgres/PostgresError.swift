import IOLoop

/// An error the server reported for one command: SQLSTATE and message.
public struct PostgresServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Five-character SQLSTATE ("23505", "53300").
    public let sqlState: String
    public let message: String

    public init(sqlState: String, message: String) {
        self.sqlState = sqlState
        self.message = message
    }

    public var description: String { "\(message) (SQLSTATE \(sqlState))" }

    /// True for an error that says the server cannot serve now rather than that the statement was
    /// wrong: a connection exception (class 08), an operator's shutdown or a restart (class 57, but
    /// not 57014, a cancelled statement), or a standby refusing writes after a switchover (25006).
    public var meansUnavailable: Bool {
        (sqlState.hasPrefix("08") || sqlState.hasPrefix("57") || sqlState == "25006") && sqlState != "57014"
    }
}

/// Why a PostgreSQL connection or command failed.
public enum PostgresError: Error, Sendable, CustomStringConvertible {
    /// The connection could not be established (libpq's message, first line).
    case connect(endpoint: String, message: String)
    /// The server refused the credentials.
    case authentication(endpoint: String, message: String)
    /// A control-plane command failed on the server.
    case server(PostgresServerError)
    /// The connection broke: the server closed it, or libpq could not send or read.
    case connectionLost(String)
    /// A wait for the server passed its deadline (`--connect-timeout`, `--timeout`).
    case timedOut(operation: String)
    /// libpq or the server did something dbbench did not expect.
    case unexpected(String)

    public var description: String {
        switch self {
        case .connect(let endpoint, let message): return "cannot connect to PostgreSQL at \(endpoint): \(message)"
        case .authentication(let endpoint, let message):
            return "PostgreSQL at \(endpoint) refused authentication: \(message)"
        case .server(let error): return error.description
        case .connectionLost(let message): return "connection lost: \(message)"
        case .timedOut(let operation): return "\(operation) timed out"
        case .unexpected(let message): return message
        }
    }

    /// A short, stable label for counting failures by kind.
    public var kind: String {
        switch self {
        case .connect(_, let message): return "connect: \(message)"
        case .authentication: return "authentication"
        case .server(let error): return "\(error.sqlState) \(error.message)"
        case .connectionLost: return "connection lost"
        case .timedOut: return "timed out"
        case .unexpected(let message): return message
        }
    }

    /// Turns libpq's connection failure text into `.connect` or `.authentication`, keeping the
    /// part that says why ("Connection refused", "sorry, too many clients already").
    static func connectFailure(endpoint: String, libpqMessage: String) -> PostgresError {
        let firstLine = libpqMessage.split(separator: "\n").first ?? ""
        var text = firstLine.suffix(afterLast: "failed: ").trimmingWhitespace()
        for prefix in ["FATAL:  ", "FATAL: ", "ERROR:  "] where text.hasPrefix(prefix) {
            text = String(text.dropFirst(prefix.count))
        }
        if text.isEmpty { text = "connection failed" }
        let lower = text.lowercased()
        if lower.contains("password authentication failed") || lower.contains("no password supplied")
            || lower.contains("authentication failed")
        {
            return .authentication(endpoint: endpoint, message: text)
        }
        return .connect(endpoint: endpoint, message: text)
    }
}

extension IOError {
    var postgresError: PostgresError {
        kind == .timedOut ? .timedOut(operation: operation) : .connectionLost(description)
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }

    /// The text after the last occurrence of `marker`, or all of it when `marker` does not occur.
    func suffix(afterLast marker: String) -> SubSequence {
        var index = endIndex
        while index > startIndex {
            index = self.index(before: index)
            if self[index...].hasPrefix(marker) { return self[self.index(index, offsetBy: marker.count)...] }
        }
        return self[...]
    }
}
