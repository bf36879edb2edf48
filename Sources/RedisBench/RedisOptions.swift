import BenchCore
import Glibc
import IOLoop
import TLS

/// The workloads `dbbench redis --tests` can select, in the order they run.
public enum RedisTest: String, CaseIterable, Sendable {
    case set, get, mixed, connections, setget, custom

    /// What `--tests` runs when not given (SETGET only when asked for, with its `--ratio`).
    static let defaults: [RedisTest] = [.set, .get, .mixed, .connections]
}

/// `dbbench redis` options after validation; each option is declared once, below.
public struct RedisOptions: Sendable {
    public var host: String
    public var port: Int
    /// `--socket`, or a `--host` that is an absolute path: a Unix socket instead of TCP.
    public var socketPath: String?
    /// `--user`: the ACL user AUTH names.
    public var username: String?
    public var password: String?
    public var database: Int
    /// `--cluster`: treat the server as a Redis Cluster even when INFO does not say so.
    public var cluster: Bool
    /// `--tls` (or a `rediss://` URL) with its certificate options; nil for plain TCP.
    public var tls: TLSContext?
    public var connections: Int
    public var operations: Int
    public var cacheKeys: Int
    /// GET draws keys from `0..<keyRange`; larger than `cacheKeys` produces misses.
    public var keyRange: Int
    public var pipeline: Int
    /// `--key-distribution`.
    var keyDistribution: KeyDistribution
    public var tests: [RedisTest]
    /// `--ratio SETS:GETS` for SETGET.
    var ratio: (sets: Int, gets: Int)
    /// `--command` (each with its `--weight`) for CUSTOM.
    var commands: [CommandTemplate]
    public var keyPrefix: String
    /// Sizes of the values SET, LPUSH and HSET write, in bytes.
    var valueSize: ValueSizes
    /// Expiry of the keys SET writes, in seconds; 0 writes them without one.
    public var ttl: ClosedRange<Int>
    public var ioTimeout: Duration
    /// `--threads`, `--connect-timeout`, `--duration`, `--warmup`, `--rate`, `--arrival`, `--assert`,
    /// `--progress`, `--format`, `--output`.
    public var run: RunOptions
    /// The effective options for the JSON output (no password).
    public var configuration: [(String, String)]

    /// The most request bytes all connections may have in flight at once (connections × pipeline ×
    /// largest value), so that a configuration never exhausts the client's memory mid-run.
    static let inFlightBudget = 1 << 30

    enum Declared {
        static let host = Option.string(
            "host",
            placeholder: "HOST",
            default: "127.0.0.1",
            environment: "REDIS_HOST",
            help: "Redis server host name or address"
        )
        static let port = Option.integer(
            "port",
            placeholder: "PORT",
            default: 6379,
            in: 1...65535,
            environment: "REDIS_PORT",
            help: "Redis server port"
        )
        static let password = Option.optionalString(
            "password",
            placeholder: "PASSWORD",
            environment: "REDIS_PASSWORD",
            secret: true,
            help: "AUTH password; prefer the environment variable, which stays out of shell history and ps"
        )
        static let url = Option.optionalString(
            "url",
            placeholder: "URL",
            environment: "REDIS_URL",
            secret: true,
            help: "redis://[user[:password]@]host[:port][/db], or rediss:// for TLS; flags override its parts"
        )
        static let socket = Option.optionalString(
            "socket",
            placeholder: "PATH",
            help: "Connect to the Unix socket at PATH instead of --host and --port"
        )
        static let username = Option.optionalString(
            "user",
            placeholder: "NAME",
            environment: "REDIS_USERNAME",
            help: "ACL user to authenticate as (AUTH NAME PASSWORD); the default user when not given"
        )
        static let tls = Option.flag("tls", help: "Connect over TLS; the server's certificate is verified")
        static let cluster = Option.flag(
            "cluster",
            help: "Redis Cluster (found on its own when INFO says cluster_enabled:1): connections spread over the "
                + "primaries, keys sent to the primary of their slot"
        )
        static let caFile = Option.optionalString(
            "cacert",
            placeholder: "FILE",
            help: "With --tls: trust the CA certificates in FILE (PEM) instead of the system's"
        )
        static let caDirectory = Option.optionalString(
            "cacertdir",
            placeholder: "DIR",
            help: "With --tls: trust the CA certificates in DIR (hashed names, as c_rehash makes them)"
        )
        static let certificate = Option.optionalString(
            "cert",
            placeholder: "FILE",
            help: "With --tls: the client certificate (PEM) for servers that require one"
        )
        static let key = Option.optionalString(
            "key",
            placeholder: "FILE",
            help: "With --cert: its private key (PEM); default: the --cert file"
        )
        static let serverName = Option.optionalString(
            "sni",
            placeholder: "NAME",
            help: "With --tls: the server name to send (SNI) and check the certificate against; default: --host"
        )
        static let insecure = Option.flag(
            "insecure",
            help: "With --tls: do not verify the server's certificate (shown in the settings line)"
        )
        static let database = Option.integer(
            "db",
            default: 0,
            in: 0...1_000_000,
            environment: "REDIS_DB",
            help: "Database number (SELECT)"
        )
        static let connections = Option.integer(
            "connections",
            default: 100,
            in: 1...100_000,
            help: "Concurrent connections"
        )
        static let operations = Option.integer(
            "num-operations",
            default: 100_000,
            in: 1...10_000_000_000,
            help: "Operations per workload in total, split evenly over the connections"
        )
        static let cacheKeys = Option.integer(
            "cache-keys",
            default: 10_000,
            in: 1...100_000_000,
            help: "Keys SET and MIXED write and GET pre-populates"
        )
        static let keyRange = Option.optionalInteger(
            "key-range",
            defaultLabel: "--cache-keys",
            in: 1...1_000_000_000,
            help: "GET reads random keys from this many; above --cache-keys some reads miss"
        )
        static let pipeline = Option.integer(
            "pipeline",
            default: 1,
            in: 1...10_000,
            help: "Requests in flight per connection"
        )
        static let keyDistribution = Option.string(
            "key-distribution",
            placeholder: "KIND",
            default: "uniform",
            help: "How keys are drawn: uniform, sequential (each connection in order from its own offset), "
                + "gaussian[:STDDEV] (around the middle; STDDEV a fraction of the range, default 1/6) or "
                + "zipf[:EXPONENT] (a few hot keys; default 0.99)"
        )
        static let tests = Option.list(
            "tests",
            default: RedisTest.defaults,
            help: "Workloads to run, comma-separated (setget: SETs and GETs in the --ratio)"
        )
        static let command = Option.repeated(
            "command",
            placeholder: "'CMD ARG ...'",
            help: "For custom: a command to send, with __key__, __data__, __field__, __rand_int__ placeholders; "
                + "repeatable"
        )
        static let weight = Option.repeated(
            "weight",
            placeholder: "N",
            help: "After a --command: how often it is sent relative to the others (default 1)"
        )
        static let ratio = Option.string(
            "ratio",
            placeholder: "SETS:GETS",
            default: "1:10",
            help: "For setget: SETs to GETs, as memtier's --ratio"
        )
        static let keyPrefix = Option.string(
            "key-prefix",
            placeholder: "PREFIX",
            default: "dbbench:",
            help: "Every key the run creates starts with this; teardown deletes keys under it"
        )
        static let valueSize = Option.string(
            "value-size",
            placeholder: "N|MIN-MAX|N:W,...",
            default: "10-20",
            help: "Bytes per value written: a size, a range drawn uniformly, or sizes with weights "
                + "(32:60,1024:30,65536:10); 1 to 1048576"
        )
        static let ttl = Option.range(
            "ttl",
            default: 300...300,
            in: 0...100_000_000,
            help: "Expiry of the keys SET writes (SET ... EX) in seconds, or a range each SET draws from; 0 for none"
        )
        static let ioTimeout = RunOptions.ioTimeout(
            default: .seconds(30),
            operation: "one request",
            answer: "its reply"
        )
    }

    public static let specs: [OptionSpec] =
        [
            Declared.url.spec, Declared.host.spec, Declared.port.spec, Declared.socket.spec, Declared.username.spec,
            Declared.password.spec, Declared.database.spec, Declared.cluster.spec, Declared.tls.spec,
            Declared.caFile.spec,
            Declared.caDirectory.spec, Declared.certificate.spec, Declared.key.spec, Declared.serverName.spec,
            Declared.insecure.spec,
            Declared.connections.spec, Declared.operations.spec, Declared.cacheKeys.spec, Declared.keyRange.spec,
            Declared.pipeline.spec, Declared.keyDistribution.spec, Declared.tests.spec, Declared.ratio.spec,
            Declared.command.spec, Declared.weight.spec,
            Declared.keyPrefix.spec,
            Declared.valueSize.spec,
            Declared.ttl.spec,
        ] + RunOptions.connectionSpecs + [Declared.ioTimeout.spec] + RunOptions.specs

    /// `--command`s paired with the `--weight` that follows each.
    static func commandTemplates(_ arguments: ParsedArguments) throws(UsageError) -> [CommandTemplate] {
        let command = arguments.command
        var pending: [(text: String, weight: Int)] = []
        for (name, value) in arguments.inOrder([Declared.command.spec.name, Declared.weight.spec.name]) {
            if name == Declared.command.spec.name {
                pending.append((value, 1))
                continue
            }
            guard !pending.isEmpty else { throw UsageError("\(command): --weight \(value) comes before any --command") }
            guard let weight = Int(value), (1...1_000_000).contains(weight) else {
                throw UsageError("\(command): --weight must be a whole number from 1 to 1000000, got '\(value)'")
            }
            pending[pending.count - 1].weight = weight
        }
        var templates: [CommandTemplate] = []
        for (text, weight) in pending {
            templates.append(try CommandTemplate(parsing: text, weight: weight, command: command))
        }
        return templates
    }

    /// The TLS context of `--tls` (or a `rediss://` URL), its files loaded now so that a bad one
    /// is a usage error naming its flag, before any connection.
    static func tlsContext(_ arguments: ParsedArguments, url: RedisURL?) throws(UsageError) -> TLSContext? {
        let command = arguments.command
        let configuration = TLSConfiguration(
            caFile: try arguments[Declared.caFile],
            caDirectory: try arguments[Declared.caDirectory],
            certificate: try arguments[Declared.certificate],
            key: try arguments[Declared.key],
            serverName: try arguments[Declared.serverName],
            verifiesServer: try !arguments[Declared.insecure]
        )
        let wanted = try arguments[Declared.tls] || url?.tls == true
        guard wanted else {
            let stray =
                [Declared.caFile.spec, Declared.caDirectory.spec, Declared.certificate.spec, Declared.key.spec]
                .map(\.name) + [Declared.serverName.spec.name, Declared.insecure.spec.name]
            if let flag = stray.first(where: { arguments.isSet($0) }) {
                throw UsageError("\(command): --\(flag) needs --tls (or a rediss:// --url)")
            }
            return nil
        }
        if configuration.key != nil && configuration.certificate == nil {
            throw UsageError("\(command): --key needs --cert (the client certificate it belongs to)")
        }
        let files = [
            ("cacert", configuration.caFile), ("cacertdir", configuration.caDirectory),
            ("cert", configuration.certificate), ("key", configuration.key),
        ]
        for case (let flag, let path?) in files where access(path, R_OK) != 0 {
            throw UsageError("\(command): --\(flag) \(path): \(String(cString: strerror(errno)))")
        }
        do {
            return try TLSContext(configuration)
        } catch {
            throw UsageError("\(command): \(error)")
        }
    }

    public init(_ arguments: ParsedArguments) throws(UsageError) {
        let command = arguments.command
        let url = try arguments[Declared.url].map { (text) throws(UsageError) in try RedisURL(text, command: command) }
        host = try arguments.value(Declared.host, urlPart: url?.host)
        port = try arguments.value(Declared.port, urlPart: url?.port)
        username = try arguments.value(Declared.username, urlPart: url?.username)
        password = try arguments.value(Declared.password, urlPart: url?.password)
        database = try arguments.value(Declared.database, urlPart: url?.database)
        socketPath = try arguments[Declared.socket] ?? (host.hasPrefix("/") ? host : nil)
        if host.contains("://") {
            throw UsageError("\(command): --host takes a host name or address; give a URL with --url (or REDIS_URL)")
        }
        tls = try Self.tlsContext(arguments, url: url)
        cluster = try arguments[Declared.cluster]
        connections = try arguments[Declared.connections]
        operations = try arguments[Declared.operations]
        cacheKeys = try arguments[Declared.cacheKeys]
        keyRange = try arguments[Declared.keyRange] ?? cacheKeys
        pipeline = try arguments[Declared.pipeline]
        let distribution = try arguments[Declared.keyDistribution]
        guard let keyDistribution = KeyDistribution(distribution) else {
            throw UsageError(
                "\(command): --key-distribution must be uniform, sequential, gaussian[:STDDEV] or zipf[:EXPONENT], "
                    + "got '\(distribution)'"
            )
        }
        self.keyDistribution = keyDistribution
        tests = try arguments[Declared.tests]
        let ratioText = try arguments[Declared.ratio]
        let ratioParts = ratioText.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard ratioParts.count == 2, let sets = ratioParts[0], let gets = ratioParts[1], sets >= 0, gets >= 0,
            sets + gets > 0, sets + gets <= 1_000_000
        else {
            throw UsageError(
                "\(command): --ratio must be SETS:GETS, two whole numbers such as 1:10, got '\(ratioText)'"
            )
        }
        ratio = (sets, gets)
        commands = try Self.commandTemplates(arguments)
        if tests.contains(.custom) && commands.isEmpty {
            throw UsageError("\(command): --tests custom needs at least one --command 'CMD ARG ...'")
        }
        if !commands.isEmpty && !tests.contains(.custom) {
            throw UsageError("\(command): --command is for --tests custom")
        }
        keyPrefix = try arguments[Declared.keyPrefix]
        let sizes = try arguments[Declared.valueSize]
        guard let valueSize = ValueSizes(sizes) else {
            throw UsageError(
                "\(command): --value-size must be N, MIN-MAX or SIZE:WEIGHT,... with sizes from 1 to 1048576, got '\(sizes)'"
            )
        }
        self.valueSize = valueSize
        ttl = try arguments[Declared.ttl]
        if ttl.lowerBound == 0 && ttl.upperBound > 0 {
            throw UsageError(
                "\(command): --ttl \(ttl.lowerBound)-\(ttl.upperBound): a range of expiries starts at 1 second"
            )
        }
        ioTimeout = try arguments[Declared.ioTimeout]

        run = try RunOptions(arguments, workloads: RedisTest.allCases.map(\.rawValue), countingRows: [])
        if let shard = run.shard {
            connections = try shard.connections(of: connections, command: command)
            operations = shard.share(of: operations)
        }
        configuration = arguments.configuration(resolved: [
            "key-range": String(keyRange), "seed": String(run.limits.seed),
        ])
        if host.isEmpty { throw UsageError("\(command): --host must not be empty") }
        if tests.isEmpty {
            throw UsageError("\(command): --tests selects no workload; choose from set,get,mixed,connections,setget")
        }
        if keyPrefix.isEmpty {
            throw UsageError("\(command): --key-prefix must not be empty: teardown deletes every key under the prefix")
        }
        if run.limits.rate != nil && pipeline > 1 {
            throw UsageError(
                "\(command): --rate schedules every request on its own and cannot be combined with --pipeline "
                    + "\(pipeline); use more --connections for more requests in flight"
            )
        }
        let inFlight = connections.multipliedReportingOverflow(by: pipeline * valueSize.largest)
        if inFlight.overflow || inFlight.partialValue > Self.inFlightBudget {
            throw UsageError(
                "\(command): --connections \(connections) × --pipeline \(pipeline) × --value-size "
                    + "\(valueSize.largest) B would keep over \(Self.inFlightBudget >> 20) MiB of requests in flight; "
                    + "lower one of them"
            )
        }
        let countsOperations = tests.contains { $0 != .connections }
        if countsOperations && run.limits.duration == nil && operations < connections {
            throw UsageError(
                "\(command): --num-operations (\(operations)) is smaller than --connections (\(connections)); "
                    + "every connection needs at least one operation"
            )
        }
    }
}
