import Foundation

/// A Redis server of one test's own, on a free loopback port, which the test may kill and start
/// again (on the same port, empty) while a run goes on. Nothing else ever connects to it.
public final class ThrowawayRedis: @unchecked Sendable {
    public let port: Int
    private let directory: URL
    private let settings: [String]
    private var pidFile: String { directory.appendingPathComponent("redis.pid").path }

    /// `settings` are added to the command line (`["--maxclients", "10"]`).
    public init(settings: [String] = []) throws {
        self.settings = settings
        port = TestServices.serverPort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dbbench-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try start()
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts the server and waits until it answers PING.
    public func start() throws {
        let status = try spawnAndWait(
            "/usr/bin/redis-server",
            [
                "--port", String(port), "--bind", "127.0.0.1", "--daemonize", "yes", "--save", "",
                "--appendonly", "no", "--dir", directory.path, "--pidfile", pidFile,
            ] + settings
        )
        guard status == 0 else { throw ServerDidNotStart(name: "redis-server on port \(port) (status \(status))") }
        for _ in 0..<100 {
            if (try? CommandRunner.redisCLI(["PING"], port: port)) == "PONG" { return }
            usleep(50_000)
        }
        throw ServerDidNotStart(name: "redis-server on port \(port)")
    }

    /// SIGKILL: the server is gone at once, its connections reset or closed by the kernel.
    public func kill() {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(text.trimmed) else {
            return
        }
        Glibc.kill(pid, SIGKILL)
        while Glibc.kill(pid, 0) == 0 { usleep(10_000) }
        try? FileManager.default.removeItem(atPath: pidFile)
    }

    /// `redis-cli` against this server.
    public func cli(_ arguments: [String]) throws -> String { try CommandRunner.redisCLI(arguments, port: port) }
}

/// A PostgreSQL cluster of one test's own (initdb, default durability settings, trust
/// authentication on loopback), which the test may stop and start while a run goes on.
public final class ThrowawayPostgres: @unchecked Sendable {
    public let port: Int
    private let directory: URL
    private let binaries: String
    private let settings: String
    private var data: String { directory.appendingPathComponent("data").path }

    /// With `tls`, the server also accepts TLS with the test certificates of `make test` (for
    /// localhost and 127.0.0.1, signed by the CA in `TestServices.redisTLSDirectory`).
    public init(tls: Bool = false) throws {
        port = TestServices.serverPort()
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let version = versions.sorted(by: { $0.compare($1, options: .numeric) == .orderedAscending }).last else {
            throw ServerDidNotStart(name: "PostgreSQL: no server in /usr/lib/postgresql")
        }
        binaries = "/usr/lib/postgresql/\(version)/bin"
        directory = URL(fileURLWithPath: "/tmp/dbbench-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if getuid() == 0 { _ = try CommandRunner.run("/bin/chown", ["postgres:", directory.path]) }
        settings = tls ? " -c ssl=on" : ""
        let initdb = try asPostgres("initdb", ["-D", data, "-U", "postgres", "--auth=trust"])
        guard initdb == 0 else { throw ServerDidNotStart(name: "initdb (status \(initdb))") }
        if tls {
            let certificates = TestServices.redisTLSDirectory
            for file in ["server.crt", "server.key"] {
                let target = "\(data)/\(file)"
                try? FileManager.default.removeItem(atPath: target)
                try FileManager.default.copyItem(atPath: "\(certificates)/\(file)", toPath: target)
                chmod(target, 0o600)
                if getuid() == 0 { _ = try CommandRunner.run("/bin/chown", ["postgres:", target]) }
            }
        }
        try start()
    }

    deinit {
        _ = try? asPostgres("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts the server and waits until it accepts connections.
    public func start() throws {
        let options = "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1" + settings
        let started = try asPostgres(
            "pg_ctl",
            ["-D", data, "-l", directory.appendingPathComponent("server.log").path, "-o", options, "-w", "start"]
        )
        guard started == 0 else { throw ServerDidNotStart(name: "PostgreSQL on port \(port) (status \(started))") }
    }

    /// `pg_ctl stop -m immediate`: every backend quits at once, without a checkpoint.
    public func stopImmediately() throws {
        _ = try asPostgres("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
    }

    /// `psql` against the `postgres` database; the unaligned, tuples-only output.
    public func psql(_ sql: String) throws -> String {
        let result = try CommandRunner.run(
            "/usr/bin/psql",
            [
                "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                "-c", sql,
            ],
            timeout: 60
        )
        guard result.exitCode == 0 else { throw PsqlFailed(sql: sql, message: result.stderr) }
        return result.stdout.trimmed
    }

    /// What `dbbench timescale` needs to reach this server.
    public var environment: [String: String] {
        ["DB_HOST": "127.0.0.1", "DB_PORT": String(port), "DB_USER": "postgres", "DB_NAME": "postgres"]
    }

    /// The environment, with `host` instead of 127.0.0.1 (`localhost`, a name the certificate has).
    public func environment(host: String) -> [String: String] { environment.merging(["DB_HOST": host]) { $1 } }

    private func asPostgres(_ tool: String, _ arguments: [String]) throws -> Int32 {
        if getuid() == 0 {
            return try spawnAndWait("/usr/sbin/runuser", ["-u", "postgres", "--", "\(binaries)/\(tool)"] + arguments)
        }
        return try spawnAndWait("\(binaries)/\(tool)", arguments)
    }
}

/// Runs `executable` with its output discarded and returns its exit status. For commands that
/// leave a server running in the background (`redis-server --daemonize`, `pg_ctl start`), which
/// Foundation's `Process` does not see end.
func spawnAndWait(_ executable: String, _ arguments: [String]) throws -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
    guard spawned == 0 else { throw ServerDidNotStart(name: "\(executable) (posix_spawn: \(spawned))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status >> 8) & 0xFF
}

public struct ServerDidNotStart: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "\(name) did not start" }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
