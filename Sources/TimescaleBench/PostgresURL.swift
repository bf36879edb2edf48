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
        let authority = try URLAuthority(rest, invalid: invalid)
        user = authority.user
        password = authority.password
        if !authority.host.isEmpty { host = try decoded(authority.host, "host") }
        port = authority.port
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
