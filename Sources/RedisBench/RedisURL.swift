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
        let authority = try URLAuthority(rest, invalid: invalid)
        host = String(authority.host)
        port = authority.port
        username = authority.user
        password = authority.password
        if host.isEmpty { throw invalid("names no host") }
        if !path.isEmpty {
            guard let number = Int(path), number >= 0 else { throw invalid("has a database that is not a number") }
            database = number
        }
    }
}
