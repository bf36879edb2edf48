import Foundation
import TestSupport
import Testing

/// `deploy/`: the Kubernetes Jobs as render.sh writes them pass `kubernetes-validate --strict`, and
/// what their containers run works: the shard Job's pods, played here by local processes with the
/// manifest's arguments, environment and JOB_COMPLETION_INDEX, make one run that merges.
@Suite("deploy: container and Kubernetes manifests")
struct DeployTests {
    static let directory = TestServices.packageRoot.appendingPathComponent("deploy/kubernetes")

    /// PyPI's validator, which `make deps` installs, as a module of python3 (a script of its own
    /// may not be on PATH under pyenv).
    static let hasValidator: Bool = {
        (try? CommandRunner.run("/usr/bin/env", ["python3", "-c", "import kubernetes_validate"]))?.exitCode == 0
    }()

    private func render(_ template: String, _ settings: [String: String]) throws -> CommandResult {
        try CommandRunner.run(
            "/bin/sh",
            [Self.directory.appendingPathComponent("render.sh").path, template],
            environment: settings
        )
    }

    /// A rendered manifest as JSON objects (python3's yaml, which kubernetes-validate brings).
    private func documents(_ yaml: String) throws -> [[String: Any]] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-\(UUID()).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let json = try CommandRunner.run(
            "/usr/bin/env",
            [
                "python3", "-c",
                "import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))",
                file.path,
            ]
        )
        try #require(json.exitCode == 0, "\(json.stderr)")
        return try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]] ?? []
    }

    private func container(_ job: [String: Any]) -> [String: Any] {
        let spec = (job["spec"] as? [String: Any])?["template"] as? [String: Any]
        return ((spec?["spec"] as? [String: Any])?["containers"] as? [[String: Any]])?.first ?? [:]
    }

    static let settings: [[String: String]] = [
        ["RUN_ID": "3fa2c1d0", "SHARDS": "4", "START_AT": "1796292000"],
        [
            "RUN_ID": "0123456789abcdef0123456789abcdef", "SHARDS": "16", "START_AT": "2026-12-03T10:00:00Z",
            "COMMAND": "timescale", "DBBENCH_ARGS": "--tests insert,query --connections 64 --duration 30s",
            "HOST": "tsdb.bench.svc", "IMAGE": "registry.example/dbbench:0.1.0", "CPU": "4",
        ],
    ]

    @Test(
        .enabled(if: hasValidator, "needs kubernetes-validate (make deps installs it)"),
        arguments: ["prepare", "shards", "cleanup"],
        settings
    )
    func everyRenderedJobPassesStrictValidation(template: String, settings: [String: String]) throws {
        let rendered = try render(template, settings)
        #expect(rendered.exitCode == 0, "\(rendered.stderr)")
        #expect(!rendered.stdout.contains("@"), "a placeholder left: \(rendered.stdout)")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(template)-\(UUID()).yaml")
        try rendered.stdout.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let validated = try CommandRunner.run(
            "/usr/bin/env",
            ["python3", "-m", "kubernetes_validate", "--strict", file.path]
        )
        #expect(validated.exitCode == 0, "\(validated.stdout)\(validated.stderr)")
        #expect(validated.stdout.contains("passed"), "\(validated.stdout)")

        let job = try #require(try documents(rendered.stdout).first)
        let spec = job["spec"] as? [String: Any] ?? [:]
        let args = container(job)["args"] as? [String] ?? []
        #expect(args.first == (settings["COMMAND"] ?? "redis"))
        #expect(args.contains("--phase") && args.contains(template == "shards" ? "run" : template))
        guard template == "shards" else { return }
        let shards = Int(settings["SHARDS"] ?? "") ?? 0
        #expect(spec["completionMode"] as? String == "Indexed")
        #expect(spec["completions"] as? Int == shards && spec["parallelism"] as? Int == shards)
        #expect(spec["backoffLimit"] as? Int == 0)
        // One start time for every pod, written into the Job.
        #expect(args.joined(separator: " ").contains("--shards \(shards) --start-at \(settings["START_AT"] ?? "")"))
        #expect(args.contains("--log-result"))
        let env = container(job)["env"] as? [[String: Any]] ?? []
        let password = env.first { $0["name"] as? String == "REDIS_PASSWORD" }
        #expect(password?["value"] == nil && password?["valueFrom"] != nil, "the password comes from the Secret")
    }

    @Test(arguments: [
        (["SHARDS": "4", "START_AT": "1"], "RUN_ID"),
        (["RUN_ID": "XYZ", "SHARDS": "4", "START_AT": "1"], "RUN_ID takes letters a-f"),
        (["RUN_ID": "ab", "START_AT": "1"], "SHARDS"),
        (["RUN_ID": "ab", "SHARDS": "4"], "START_AT"),
        (["RUN_ID": "ab", "SHARDS": "4", "START_AT": "1", "DBBENCH_ARGS": "--shards 8"], "is the Job's own"),
        (["RUN_ID": "ab", "SHARDS": "4", "START_AT": "1", "COMMAND": "mysql"], "redis or timescale"),
        (["RUN_ID": "ab", "SHARDS": "4", "START_AT": "1", "HOST": "a|b"], "'|'"),
    ])
    func renderRefusesWhatWouldMakeABadJob(settings: [String: String], message: String) throws {
        let rendered = try render("shards", settings)
        #expect(rendered.exitCode != 0 && rendered.stderr.contains(message), "\(rendered.stderr)")
        #expect(rendered.stdout.isEmpty)
    }

    /// What the Jobs' containers run, run here: prepare, four pods of the shard Job at once (the
    /// manifest's args and env, JOB_COMPLETION_INDEX 0-3), their log merged, cleanup.
    @Test(.enabled(if: TestServices.hasRedis, "needs the servers of 'make test'"))
    func theJobsArgumentsMakeOneRunThatMerges() throws {
        let redis = try ThrowawayRedis()
        let settings = [
            "RUN_ID": "d3b10c", "SHARDS": "4", "START_AT": startTime(), "HOST": "127.0.0.1",
            "PORT": String(redis.port), "DBBENCH_ARGS": "--tests set --connections 8 --threads 1 --num-operations 2000",
        ]
        func pod(_ template: String, index: Int? = nil) throws -> (args: [String], env: [String: String]) {
            let rendered = try render(template, settings)
            try #require(rendered.exitCode == 0, "\(rendered.stderr)")
            let container = container(try #require(try documents(rendered.stdout).first))
            var env: [String: String] = [:]
            for entry in container["env"] as? [[String: Any]] ?? [] {
                if let name = entry["name"] as? String, let value = entry["value"] as? String { env[name] = value }
            }
            if let index { env["JOB_COMPLETION_INDEX"] = String(index) }
            return (container["args"] as? [String] ?? [], env)
        }
        let prepare = try pod("prepare")
        #expect(try CommandRunner.dbbench(prepare.args, environment: prepare.env).exitCode == 0)
        let pods = try (0..<4).map { try pod("shards", index: $0) }
        let results = try runShards(4, environments: { pods[$0].env }, { pods[$0].args })
        var log = ""
        for index in 0..<4 {
            let result = try #require(results[index])
            #expect(result.exitCode == 0, "\(result.stderr)")
            log += result.stdout
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pods-\(UUID()).log")
        try log.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let merged = try CommandRunner.dbbenchJSON(["merge", "--from-log", file.path, "--assert", "errors==0"])
        #expect(merged.result.exitCode == 0, "\(merged.result.stderr)")
        #expect(merged.report.workload("SET")?.succeeded == 2000)
        #expect(CommandRunner.calls(of: "set", in: try redis.cli(["INFO", "commandstats"])) == 2000)
        let cleanup = try pod("cleanup")
        #expect(try CommandRunner.dbbench(cleanup.args, environment: cleanup.env).exitCode == 0)
        #expect(try redis.cli(["DBSIZE"]) == "0")
    }

    @Test func theContainerfileBuildsWithSwiftAndRunsOnDebianSlim() throws {
        let recipe = try String(
            contentsOf: TestServices.packageRoot.appendingPathComponent("deploy/Containerfile"),
            encoding: .utf8
        )
        #expect(recipe.contains("FROM docker.io/library/swift:6.2-bookworm AS build"))
        #expect(recipe.contains("FROM docker.io/library/debian:bookworm-slim"))
        for library in ["libpq5", "libhiredis0.14", "libssl3"] { #expect(recipe.contains(library)) }
        #expect(recipe.contains("--static-swift-stdlib") && recipe.contains("ENTRYPOINT [\"/usr/local/bin/dbbench\"]"))
    }

    /// Without podman, buildah or a docker engine (this machine's docker is a client only),
    /// `make image` says what it needs.
    @Test func makeImageSaysSoWhenThereIsNoBuilder() throws {
        let result = try CommandRunner.run(
            "/usr/bin/make",
            ["-s", "-C", TestServices.packageRoot.path, "image"],
            environment: ["PATH": "/usr/bin:/bin"]
        )
        #expect(result.exitCode != 0)
        #expect(
            result.stderr.contains("make image: no container builder: install podman or buildah"),
            "\(result.stderr)"
        )
    }
}
