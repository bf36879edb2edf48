/// The `[user[:password]@]host[:port]` part of a `--url` (Redis and PostgreSQL alike): user and
/// password percent-decoded, the host as written (an IPv6 address without its brackets).
public struct URLAuthority: Sendable, Equatable {
    /// Nil when the URL names none (or an empty one).
    public var user: String?
    public var password: String?
    public var host: Substring
    public var port: Int?

    /// `invalid` turns a reason ("has an unclosed [") into the caller's error, which names its flag.
    public init(_ text: Substring, invalid: (String) -> UsageError) throws(UsageError) {
        var rest = text
        if let at = rest.lastIndex(of: "@") {
            let parts = rest[..<at].split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentEncoding.decoded(parts[0]) else { throw invalid("has a badly escaped user") }
            user = name.isEmpty ? nil : name
            if parts.count == 2 {
                guard let secret = PercentEncoding.decoded(parts[1]) else {
                    throw invalid("has a badly escaped password")
                }
                password = secret
            }
            rest = rest[rest.index(after: at)...]
        }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw invalid("has an unclosed [") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            rest = rest[rest.index(after: close)...]
            if !rest.isEmpty && !rest.hasPrefix(":") { throw invalid("has text after the ]") }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            rest = rest[colon...]
        } else {
            host = rest
            rest = ""
        }
        if rest.hasPrefix(":") {
            guard let number = Int(rest.dropFirst()), (1...65535).contains(number) else {
                throw invalid("has a port that is not a number from 1 to 65535")
            }
            port = number
        }
    }
}
