import IOLoop

/// Where and how to connect to PostgreSQL.
public struct PostgresEndpoint: Sendable {
    /// The host as the user gave it (for messages, TLS and .pgpass).
    public var host: String
    /// The resolved address, passed to libpq as `hostaddr` so that no connection does its own DNS lookup.
    public var address: SocketAddress?
    public var port: Int
    public var database: String
    public var user: String?
    /// `nil` lets libpq use PGPASSWORD or ~/.pgpass. Never printed.
    public var password: String?
    /// libpq's `sslmode` (disable, prefer, require, ...); `nil` keeps libpq's default.
    public var sslMode: String?
    /// libpq's `sslrootcert`, `sslcert`, `sslkey`, as keyword and path.
    public var sslFiles: [(String, String)] = []
    public var connectTimeout: Duration
    /// How long one command may wait for its result.
    public var ioTimeout: Duration
    /// What `pg_stat_activity` shows for the connections ("dbbench 3f9c2a1e": the run id).
    public var applicationName = "dbbench"

    public init(
        host: String,
        address: SocketAddress? = nil,
        port: Int,
        database: String,
        user: String? = nil,
        password: String? = nil,
        sslMode: String? = nil,
        connectTimeout: Duration = .seconds(5),
        ioTimeout: Duration = .seconds(60)
    ) {
        self.host = host
        self.address = address
        self.port = port
        self.database = database
        self.user = user
        self.password = password
        self.sslMode = sslMode
        self.connectTimeout = connectTimeout
        self.ioTimeout = ioTimeout
    }

    /// "host:port/database" (a socket directory: "/run/postgresql/.s.PGSQL.5432/database"), for
    /// messages.
    public var description: String {
        if host.hasPrefix("/") { return (host.hasSuffix("/") ? host : host + "/") + ".s.PGSQL.\(port)/\(database)" }
        return (host.contains(":") ? "[\(host)]" : host) + ":\(port)/\(database)"
    }

    /// Keyword/value pairs for `PQconnectStartParams`.
    var libpqParameters: [(String, String)] {
        var parameters: [(String, String)] = [
            ("host", host), ("port", String(port)), ("dbname", database),
            ("application_name", applicationName), ("client_encoding", "UTF8"),
        ]
        if let address { parameters.append(("hostaddr", address.numericHost)) }
        if let user { parameters.append(("user", user)) }
        if let password { parameters.append(("password", password)) }
        if let sslMode { parameters.append(("sslmode", sslMode)) }
        parameters += sslFiles
        return parameters
    }
}
