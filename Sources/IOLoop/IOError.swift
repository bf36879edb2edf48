import Glibc

/// A failed socket or system call, with the OS error when there is one.
public struct IOError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A system call failed with `errno`.
        case system
        /// A wait passed its deadline.
        case timedOut
        /// The peer closed the connection.
        case closedByPeer
        /// The socket was closed locally.
        case closed
    }

    public let kind: Kind
    /// What was being done: "connect", "read", "write", ...
    public let operation: String
    public let errno: Int32

    public init(operation: String, errno: Int32) {
        self.kind = .system
        self.operation = operation
        self.errno = errno
    }

    public init(_ kind: Kind, operation: String) {
        self.kind = kind
        self.operation = operation
        self.errno = 0
    }

    /// The OS error text alone ("Connection refused"), or a phrase for the other kinds.
    public var reason: String {
        switch kind {
        case .system: return String(cString: strerror(errno))
        case .timedOut: return "timed out"
        case .closedByPeer: return "connection closed by server"
        case .closed: return "connection closed"
        }
    }

    public var description: String { "\(operation): \(reason)" }
}
