import Foundation
import IOLoop
import TestSupport
import Testing

/// `--tls` with the test CA's certificates, and the flags that go with it.
private func tlsArguments(port: Int?, _ extra: [String] = []) -> [String] {
    let directory = TestServices.redisTLSDirectory
    return ["redis", "--port", String(port ?? 0), "--tls", "--cacert", "\(directory)/ca.crt"] + extra
}

/// Redis reached as deployments reach it: TLS (with a CA, a client certificate, `--insecure`),
/// ACL users, URLs, a Unix socket, every resolved address. The TLS servers belong to this suite
/// alone, so their counters and key counts are this suite's (it runs serialized).
@Suite(
    "Redis as deployed: TLS, ACL users, URLs, Unix sockets",
    .serialized,
    .enabled(if: TestServices.redisTLSPort != nil, "needs the servers of 'make test'")
)
struct RedisAsDeployedTests {
    @Test func setsOverTLSAreCountedByTheServerAndCleanedUp() throws {
        let port = TestServices.redisTLSPort
        let keysBefore = try CommandRunner.redisCLI(["DBSIZE"], port: port, tls: true)
        let before = CommandRunner.calls(
            of: "set",
            in: try CommandRunner.redisCLI(["INFO", "commandstats"], port: port, tls: true)
        )
        let (result, report) = try CommandRunner.dbbenchJSON(
            tlsArguments(
                port: port,
                [
                    "--tests", "set", "--num-operations", "3000", "--connections", "6", "--pipeline", "4", "--progress",
                    "off",
                ]
            )
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(report.workload("SET")?.succeeded == 3000)
        let after = CommandRunner.calls(
            of: "set",
            in: try CommandRunner.redisCLI(["INFO", "commandstats"], port: port, tls: true)
        )
        #expect(after - before == 3000)
        #expect(try CommandRunner.redisCLI(["DBSIZE"], port: port, tls: true) == keysBefore)
        #expect(report.configuration["tls"] == "true")
    }

    /// Values of many TLS records each, pipelined: partial writes, and replies that arrive over
    /// several reads or several in one.
    @Test func largeValuesAndPipelinesOverTLSArriveWhole() throws {
        let (result, report) = try CommandRunner.dbbenchJSON(
            tlsArguments(
                port: TestServices.redisTLSPort,
                [
                    "--tests", "set,get", "--value-size", "60000-120000", "--cache-keys", "50", "--num-operations",
                    "400", "--connections", "2", "--pipeline", "8", "--progress", "off",
                ]
            )
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(report.workload("SET")?.succeeded == 400)
        let get = try #require(report.workload("GET"))
        #expect(get.counters["hits"] == 400 && get.failed == 0, "\(get.errors)")
    }

    @Test func aServerThatRequiresAClientCertificateGetsOne() throws {
        let directory = TestServices.redisTLSDirectory
        let port = TestServices.redisTLSClientPort
        let (result, report) = try CommandRunner.dbbenchJSON(
            tlsArguments(
                port: port,
                [
                    "--cert", "\(directory)/client.crt", "--key", "\(directory)/client.key", "--tests", "set,get",
                    "--num-operations", "1000", "--connections", "2", "--progress", "off",
                ]
            )
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(report.workload("GET")?.counters["hits"] == 1000)
        // Without one, the server's refusal is a rejected credential: exit 77, one line.
        let refused = try CommandRunner.dbbench(
            tlsArguments(port: port, ["--tests", "set", "--num-operations", "10", "--connections", "1"])
        )
        #expect(refused.exitCode == 77, "\(refused.stderr)")
        #expect(refused.stderr.contains("rejected the client certificate"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1)
    }

    @Test func anUntrustedCertificateIsRefusedAndInsecureSkipsTheCheck() throws {
        let port = TestServices.redisTLSPort ?? 0
        let untrusted = try CommandRunner.dbbench([
            "redis", "--port", String(port), "--tls", "--tests", "set", "--num-operations", "10", "--connections", "1",
        ])
        #expect(untrusted.exitCode == 69)
        #expect(
            untrusted.stderr.contains("127.0.0.1:\(port)") && untrusted.stderr.contains("certificate verify failed")
        )
        // A name the certificate does not carry is refused too.
        let wrongName = try CommandRunner.dbbench(
            tlsArguments(
                port: port,
                ["--sni", "db.example", "--tests", "set", "--num-operations", "10", "--connections", "1"]
            )
        )
        #expect(wrongName.exitCode == 69 && wrongName.stderr.contains("hostname mismatch"), "\(wrongName.stderr)")
        let insecure = try CommandRunner.dbbench([
            "redis", "--port", String(port), "--tls", "--insecure", "--tests", "set", "--num-operations", "100",
            "--connections", "1", "--progress", "off",
        ])
        #expect(insecure.exitCode == 0, "\(insecure.stderr)")
        #expect(insecure.stdout.contains("TLS without verifying the server (--insecure)"))
    }

    @Test func aRedissURLConnectsOverTLSAndChecksTheHostName() throws {
        let port = TestServices.redisTLSPort ?? 0
        let (result, report) = try CommandRunner.dbbenchJSON([
            "redis", "--url", "rediss://localhost:\(port)", "--cacert", "\(TestServices.redisTLSDirectory)/ca.crt",
            "--tests", "set", "--num-operations", "200", "--connections", "2", "--progress", "off",
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(report.workload("SET")?.succeeded == 200)
    }

    @Test func badCertificateFlagsAreUsageErrorsNamingTheFlag() throws {
        let missing = try CommandRunner.dbbench(["redis", "--tls", "--cacert", "/nonexistent/ca.pem"])
        #expect(missing.exitCode == 64 && missing.stderr.contains("--cacert /nonexistent/ca.pem"), "\(missing.stderr)")
        let withoutTLS = try CommandRunner.dbbench(["redis", "--cacert", "/etc/hostname"])
        #expect(withoutTLS.exitCode == 64 && withoutTLS.stderr.contains("--cacert needs --tls"))
    }

    @Test func anACLUserAuthenticatesByNameAndWithoutINFOTheVersionIsUnknown() throws {
        let password = TestServices.redisACLPassword
        for (user, version) in [
            (TestServices.redisACLUser, "Redis 7"), (TestServices.redisACLNoInfoUser, "version unknown"),
        ] {
            let result = try CommandRunner.dbbench(
                [
                    "redis", "--port", String(TestServices.redisPort ?? 0), "--tests", "set,get", "--key-prefix",
                    "dbbench-acl-\(user):", "--num-operations", "500", "--connections", "2", "--progress", "off",
                ],
                environment: ["REDIS_USERNAME": user, "REDIS_PASSWORD": password]
            )
            #expect(result.exitCode == 0, "\(user): \(result.stderr)")
            #expect(result.stdout.contains(version) && result.stdout.contains("user \(user)"), "\(result.stdout)")
            #expect(!result.stdout.contains(password) && !result.stderr.contains(password))
            #expect(try keys(matching: "dbbench-acl-\(user):*").isEmpty)
        }
    }

    @Test func aURLWithUserAndPasswordNeverShowsThePassword() throws {
        let password = TestServices.redisACLPassword
        let url = "redis://\(TestServices.redisACLUser):\(password)@127.0.0.1:\(TestServices.redisPort ?? 0)/0"
        for format in ["text", "json", "csv"] {
            let result = try CommandRunner.dbbench([
                "redis", "--url", url, "--tests", "set", "--key-prefix", "dbbench-url:", "--num-operations", "100",
                "--connections", "1", "--progress", "on", "--format", format,
            ])
            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(!result.stdout.contains(password) && !result.stderr.contains(password))
        }
        let unreachable = try CommandRunner.dbbench(
            ["redis", "--tests", "set", "--num-operations", "10", "--connections", "1"],
            environment: ["REDIS_URL": "redis://user:\(password)@127.0.0.1:\(TestServices.closedPort())"]
        )
        #expect(unreachable.exitCode == 69 && !unreachable.stderr.contains(password), "\(unreachable.stderr)")
        let asHost = try CommandRunner.dbbench(["redis", "--host", url])
        #expect(asHost.exitCode == 64 && !asHost.stderr.contains(password) && asHost.stderr.contains("--url"))
    }

    @Test func aUnixSocketIsAnAddress() throws {
        let socket = try #require(TestServices.redisSocket)
        let (result, report) = try CommandRunner.dbbenchJSON([
            "redis", "--socket", socket, "--tests", "set", "--key-prefix", "dbbench-unix:", "--num-operations", "300",
            "--connections", "3", "--progress", "off",
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(report.workload("SET")?.succeeded == 300)
        #expect(try keys(matching: "dbbench-unix:*").isEmpty)
    }

    /// `localhost` lists `::1` before `127.0.0.1` here, and the server listens on IPv4 only: the
    /// run goes on to the next address instead of failing on the first.
    @Test func everyResolvedAddressIsTriedInOrder() throws {
        let addresses = try SocketAddress.resolve(host: "localhost", port: TestServices.redisPort ?? 0)
        #expect(addresses.count >= 1)
        let result = try CommandRunner.dbbench([
            "redis", "--host", "localhost", "--port", String(TestServices.redisPort ?? 0), "--tests", "set",
            "--key-prefix", "dbbench-localhost:", "--num-operations", "100", "--connections", "2", "--progress", "off",
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let bracketed = try CommandRunner.dbbench([
            "redis", "--host", "[::1]", "--port", String(TestServices.closedPort()), "--tests", "set",
        ])
        #expect(bracketed.exitCode == 69 && bracketed.stderr.contains("[::1]:"), "\(bracketed.stderr)")
    }
}
