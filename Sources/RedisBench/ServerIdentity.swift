import Redis

/// Which server answered, from `INFO server`: Redis or Valkey (which reports a Redis-compatible
/// `redis_version` as well as its own), and its version.
struct ServerIdentity: Sendable, Equatable {
    var name: String
    /// Nil when INFO was refused (an ACL user without the right): the run goes on without it.
    var version: String?

    init(name: String, version: String?) {
        self.name = name
        self.version = version
    }

    /// From the text of `INFO server`, or nil when INFO failed.
    init(info: String?) {
        var fields: [Substring: Substring] = [:]
        for line in (info ?? "").split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon]] = line[line.index(after: colon)...]
        }
        if fields["server_name"]?.lowercased() == "valkey" || fields["valkey_version"] != nil {
            name = "Valkey"
            version = (fields["valkey_version"] ?? fields["redis_version"]).map(String.init)
        } else {
            name = "Redis"
            version = fields["redis_version"].map(String.init)
        }
    }

    /// "Redis 7.0.15", "Valkey 8.0.1", "Redis, version unknown (INFO not permitted)".
    var label: String { version.map { "\(name) \($0)" } ?? "\(name), version unknown (INFO not permitted)" }
}
