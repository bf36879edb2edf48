import BenchCore

/// `--url redis://[user[:password]@]host[:port][/db]`, or `rediss://` for TLS. Its text is never
/// repeated in a message, since it may hold a password.
struct RedisURL: Equatable {
    var tls: Bool
    var host: String
    var port: Int?
    var username: String?
    var password: String?
    var database: Int?

    static let form = "redis://[user[:password]@]host[:port][/db] (rediss:// for TLS)"

    init(_ text: String, command: String) throws(UsageError) {
        func invalid(_ why: String) -> UsageError {
            UsageError("\(command): --url (or REDIS_URL) \(why); expected \(Self.form)")
        }
        var rest: Substring
        if text.hasPrefix("rediss://") {
            tls = true
            rest = text.dropFirst("rediss://".count)
        } else if text.hasPrefix("redis://") {
            tls = false
            rest = text.dropFirst("redis://".count)
        } else {
            throw invalid("has another scheme")
        }
        if let query = rest.firstIndex(of: "?") { rest = rest[..<query] }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let user = Self.percentDecoded(parts[0]) else { throw invalid("has a badly escaped user") }
            username = user.isEmpty ? nil : user
            if parts.count == 2 {
                guard let secret = Self.percentDecoded(parts[1]) else { throw invalid("has a badly escaped password") }
                password = secret
            }
        }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw invalid("has an unclosed [") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
            if !rest.isEmpty && !rest.hasPrefix(":") { throw invalid("has text after the ]") }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            rest = rest[colon...]
        } else {
            host = String(rest)
            rest = ""
        }
        if rest.hasPrefix(":") {
            guard let number = Int(rest.dropFirst()), (1...65535).contains(number) else {
                throw invalid("has a port that is not a number from 1 to 65535")
            }
            port = number
        }
        if host.isEmpty { throw invalid("names no host") }
        if !path.isEmpty {
            guard let number = Int(path), number >= 0 else { throw invalid("has a database that is not a number") }
            database = number
        }
    }

    private static func percentDecoded(_ text: Substring) -> String? { PercentEncoding.decoded(text) }
}
