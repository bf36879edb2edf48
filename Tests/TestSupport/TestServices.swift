import Foundation

/// The throwaway servers `make test` starts (scripts/services.sh writes their addresses to
/// `.services/env`; `DBBENCH_SERVICES_ENV` may point elsewhere).
public enum TestServices {
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// KEY=VALUE pairs of the services file, or empty when the servers are not up.
    public static let environment: [String: String] = {
        let path =
            ProcessInfo.processInfo.environment["DBBENCH_SERVICES_ENV"]
            ?? packageRoot.appendingPathComponent(".services/env").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            result[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return result
    }()

    public static var redisPort: Int? { environment["REDIS_PORT"].flatMap(Int.init) }
    /// The Redis server of the one suite that reads global counters (INFO commandstats, DBSIZE) or
    /// pauses, reconfigures or restarts the server: nothing else runs against it.
    public static var ownRedisPort: Int? { environment["REDIS_OWN_PORT"].flatMap(Int.init) }
    public static var hasRedis: Bool { redisPort != nil }
    /// The TLS servers (one requires a client certificate), their certificates, the Unix socket
    /// of the shared server and its ACL users (limited to keys under `dbbench`).
    public static var redisTLSPort: Int? { environment["REDIS_TLS_PORT"].flatMap(Int.init) }
    public static var redisTLSClientPort: Int? { environment["REDIS_TLS_CLIENT_PORT"].flatMap(Int.init) }
    public static var redisTLSDirectory: String { environment["REDIS_TLS_DIR"] ?? "/nonexistent" }
    public static var redisSocket: String? { environment["REDIS_SOCKET"] }
    /// The ports of the Redis Cluster's three primaries.
    public static var redisClusterPorts: [Int] {
        (environment["REDIS_CLUSTER_PORTS"] ?? "").split(separator: ",").compactMap { Int($0) }
    }
    public static var redisACLUser: String { environment["REDIS_ACL_USER"] ?? "" }
    public static var redisACLNoInfoUser: String { environment["REDIS_ACL_NOINFO_USER"] ?? "" }
    public static var redisACLPassword: String { environment["REDIS_ACL_PASSWORD"] ?? "" }
    public static var hasPostgres: Bool { environment["DB_PORT"] != nil }

    /// A TCP port on 127.0.0.1 that nothing listens on (bound, then released).
    public static func closedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        return bindLoopback(fd, port: 0) ?? 0
    }

    /// A free port for a server of one test's own: below the kernel's ephemeral range (and below
    /// the 20000 and up that scripts/services.sh takes), where no outgoing connection's local end
    /// can take it between this check and the server's bind, as one from `closedPort` can.
    public static func serverPort() -> Int {
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let ephemeral = Int(range.split(whereSeparator: \.isWhitespace).first ?? "") ?? 32768
        let upper = min(20000, ephemeral)
        for _ in 0..<500 {
            let port = Int.random(in: 10000..<max(10001, upper))
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            let bound = bindLoopback(fd, port: port)
            close(fd)
            if bound != nil { return port }
        }
        return closedPort()
    }

    /// Binds `fd` to 127.0.0.1:`port` (0: one the kernel chooses) and returns the port, or nil.
    private static func bindLoopback(_ fd: Int32, port: Int) -> Int? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { return nil }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// What a finished child process printed and returned.
public struct CommandResult: Sendable {
    public let exitCode: Int32
    public let stdout: String
    public let stderr: String
    /// Seconds from launch to exit.
    public let seconds: Double
}

public enum CommandRunner {
    /// The debug binary `swift build` produced (or `DBBENCH_BIN`).
    public static var dbbenchPath: String {
        ProcessInfo.processInfo.environment["DBBENCH_BIN"]
            ?? TestServices.packageRoot.appendingPathComponent(".build/debug/dbbench").path
    }

    /// Runs dbbench with `arguments`; `environment` entries are added to a clean environment
    /// (PATH and HOME only, so the caller's REDIS_* and DB_* variables do not leak in).
    /// With `interruptAfter`, sends SIGINT that many seconds after the start.
    /// `signal` is what `interruptAfter` sends; `standardOutput` replaces the captured stdout with
    /// that file (`/dev/full`).
    public static func dbbench(
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: Double = 120,
        interruptAfter: Double? = nil,
        signal: Int32 = SIGINT,
        standardOutput: String? = nil
    ) throws -> CommandResult {
        try run(
            dbbenchPath,
            arguments,
            environment: environment,
            timeout: timeout,
            interruptAfter: interruptAfter,
            signal: signal,
            standardOutput: standardOutput
        )
    }

    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: Double = 120,
        interruptAfter: Double? = nil,
        signal: Int32 = SIGINT,
        standardOutput: String? = nil
    ) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var base = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        base["HOME"] = ProcessInfo.processInfo.environment["HOME"]
        process.environment = base.merging(environment) { $1 }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dbbench-test-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput =
            try standardOutput.map { try FileHandle(forWritingTo: URL(fileURLWithPath: $0)) } ?? out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let started = Date()
        try process.run()
        var interrupted = false
        while process.isRunning {
            if let interruptAfter, !interrupted, Date().timeIntervalSince(started) > interruptAfter {
                kill(process.processIdentifier, signal)
                interrupted = true
            }
            if Date().timeIntervalSince(started) > timeout {
                process.terminate()
                process.waitUntilExit()
                throw CommandTimedOut(command: ([executable] + arguments).joined(separator: " "), seconds: timeout)
            }
            usleep(10_000)
        }
        try out.close()
        try err.close()
        return CommandResult(
            exitCode: process.terminationStatus,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "",
            seconds: Date().timeIntervalSince(started)
        )
    }

    /// `redis-cli` against a test server (the shared one unless `port` names another; over TLS
    /// with the test client certificate when `tls`): an independent client to check its state.
    public static func redisCLI(
        _ arguments: [String],
        port: Int? = TestServices.redisPort,
        tls: Bool = false
    ) throws -> String {
        guard let port else { throw ServicesNotRunning() }
        let directory = TestServices.redisTLSDirectory
        let secure =
            tls
            ? [
                "--tls", "--cacert", "\(directory)/ca.crt", "--cert", "\(directory)/client.crt", "--key",
                "\(directory)/client.key",
            ] : []
        let result = try run(
            "/usr/bin/redis-cli",
            ["-h", "127.0.0.1", "-p", String(port)] + secure + arguments,
            timeout: 30
        )
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The calls of `command` (lower case) that `INFO commandstats` text reports.
    public static func calls(of command: String, in info: String) -> Int {
        let prefix = "cmdstat_\(command):calls="
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix(prefix) {
            return Int(line.dropFirst(prefix.count).prefix { $0.isNumber }) ?? 0
        }
        return 0
    }
}

public struct CommandTimedOut: Error, CustomStringConvertible {
    public let command: String
    public let seconds: Double
    public var description: String { "\(command) did not finish within \(seconds) s" }
}

public struct ServicesNotRunning: Error, CustomStringConvertible {
    public var description: String { "test servers are not running: use 'make test' or 'make services-up'" }
}

extension TestServices {
    public static var postgresPort: Int? { environment["DB_PORT"].flatMap(Int.init) }
    public static var postgresPassword: String { environment["DB_PASSWORD"] ?? "" }

    /// The environment `dbbench timescale` needs to reach the test server.
    public static var postgresEnvironment: [String: String] {
        [
            "DB_HOST": "127.0.0.1", "DB_PORT": environment["DB_PORT"] ?? "5432",
            "DB_USER": environment["DB_USER"] ?? "postgres",
            "DB_PASSWORD": postgresPassword, "DB_NAME": environment["DB_NAME"] ?? "analytics",
        ]
    }
}

extension CommandRunner {
    /// `psql` against the test database: an independent client to check the server's state.
    /// Returns the unaligned, tuples-only output.
    public static func psql(_ sql: String) throws -> String {
        guard let port = TestServices.postgresPort else { throw ServicesNotRunning() }
        let result = try run(
            "/usr/bin/psql",
            [
                "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "analytics",
                "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql,
            ],
            environment: ["PGPASSWORD": TestServices.postgresPassword],
            timeout: 60
        )
        guard result.exitCode == 0 else { throw PsqlFailed(sql: sql, message: result.stderr) }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

public struct PsqlFailed: Error, CustomStringConvertible {
    public let sql: String
    public let message: String
    public var description: String { "psql failed for \(sql): \(message)" }
}
