import BenchCore

/// `--url postgresql://[user[:password]@][host][:port][/database][?sslmode=…&host=…]` (or
/// `postgres://`, or `DATABASE_URL`), as libpq reads connection URIs. Its text is never repeated in
/// a message, since it may hold a password.
struct PostgresURL: Equatable {
    var host: String?
    var port: Int?
    var user: String?
    var password: String?
    var database: String?
    var sslMode: String?

    static let form = "postgresql://[user[:password]@][host][:port][/database][?sslmode=MODE]"

    init(_ text: String, command: String) throws(UsageError) {
        func invalid(_ why: String) -> UsageError {
            UsageError("\(command): --url (or DATABASE_URL) \(why); expected \(Self.form)")
        }
        func decoded(_ part: Substring, _ what: String) throws(UsageError) -> String {
            guard let value = PercentEncoding.decoded(part) else { throw invalid("has a badly escaped \(what)") }
            return value
        }
        var rest: Substring
        if text.hasPrefix("postgresql://") {
            rest = text.dropFirst("postgresql://".count)
        } else if text.hasPrefix("postgres://") {
            rest = text.dropFirst("postgres://".count)
        } else {
            throw invalid("has another scheme")
        }
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            if !path.isEmpty { database = try decoded(path, "database") }
            rest = rest[..<slash]
        }
        if let at = rest.lastIndex(of: "@") {
            let parts = rest[..<at].split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decoded(parts[0], "user")
            user = name.isEmpty ? nil : name
            if parts.count == 2 { password = try decoded(parts[1], "password") }
            rest = rest[rest.index(after: at)...]
        }
        var hostPart = rest
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw invalid("has an unclosed [") }
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            rest = rest[rest.index(after: close)...]
        } else if let colon = rest.lastIndex(of: ":") {
            hostPart = rest[..<colon]
            rest = rest[colon...]
        } else {
            rest = ""
        }
        if !hostPart.isEmpty { host = try decoded(hostPart, "host") }
        if rest.hasPrefix(":") {
            guard let number = Int(rest.dropFirst()), (1...65535).contains(number) else {
                throw invalid("has a port that is not a number from 1 to 65535")
            }
            port = number
        }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw invalid("has a parameter without a value") }
            let value = try decoded(parts[1], "parameter")
            switch parts[0] {
            case "sslmode": sslMode = value
            case "host": host = value
            case "port":
                guard let number = Int(value), (1...65535).contains(number) else {
                    throw invalid("has a port that is not a number from 1 to 65535")
                }
                port = number
            case "user": user = value
            case "password": password = value
            case "dbname": database = value
            case "application_name", "connect_timeout": break
            default: throw invalid("has the parameter '\(parts[0])', which dbbench does not pass on")
            }
        }
    }
}
