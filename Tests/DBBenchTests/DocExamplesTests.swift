import Foundation
import TestSupport
import Testing

@testable import RedisBench

/// One command of a ```sh block of README.md or Docs/*.md.
struct DocExample: Sendable, CustomTestStringConvertible {
    let file: String
    let command: String
    var testDescription: String { "\(file): \(command)" }

    /// Commands that need another setup than the test servers, each with the reason; every other
    /// `dbbench` command of the docs runs.
    static let skipped: [String: String] = [
        "dbbench redis [options]": "a synopsis",
        "dbbench timescale [options]": "a synopsis",
        "dbbench report RUN.json ...": "a synopsis (report examples below are run)",
        "dbbench compare BASE CANDIDATE": "a synopsis (compare examples below are run)",
        "dbbench merge SHARD.json ...": "a synopsis (merge is run by ShardRunTests)",
        "dbbench --help | --version | help redis | help timescale": "a synopsis (each form is run by CommandLineTests)",
        "REDIS_PASSWORD=secret dbbench redis --host redis.staging --port 6380": "a remote server",
        "dbbench redis --host 10.0.0.5 --port 7000 --tests set,get,mixed --connections 60":
            "a remote cluster (the test cluster is run by RedisClusterTests)",
        "DB_PASSWORD=secret dbbench timescale --host tsdb.staging --tests insert --batch-size 1000": "a remote server",
        "REDIS_USERNAME=bench REDIS_PASSWORD=... dbbench redis --host redis.internal --tls --cacert ca.pem --tests set,get":
            "a remote server (TLS and ACL users are run by RedisAsDeployedTests)",
        "dbbench redis --url rediss://bench@redis.internal:6380 --cacert ca.pem --cert client.pem --key client.key":
            "a remote server (client certificates are run by RedisAsDeployedTests)",
        "dbbench timescale --host db.internal --sslmode verify-full --sslrootcert root.crt --tests query":
            "a remote server (verify-full is run by PostgresTLSTests)",
    ]

    /// Every command line of the docs' ```sh blocks (continuations joined, comments dropped),
    /// except `make` targets, which build and start servers of their own (CI runs `make test`,
    /// and the CI targets' flags are checked by FirstContactTests).
    static let all: [DocExample] = {
        let root = TestServices.packageRoot
        var files = ["README.md"]
        let docs =
            (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Docs").path)) ?? []
        files += docs.filter { $0.hasSuffix(".md") }.sorted().map { "Docs/\($0)" }
        var examples: [DocExample] = []
        for file in files {
            guard let text = try? String(contentsOf: root.appendingPathComponent(file), encoding: .utf8) else {
                continue
            }
            var inBlock = false
            var pending = ""
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("```") {
                    inBlock = line == "```sh"
                    continue
                }
                guard inBlock else { continue }
                if line.hasSuffix("\\") {
                    pending += line.dropLast() + " "
                    continue
                }
                var command = pending + line
                pending = ""
                if let comment = command.range(of: " # ") { command = String(command[..<comment.lowerBound]) }
                command = command.trimmingCharacters(in: .whitespaces)
                while command.contains("  ") { command = command.replacingOccurrences(of: "  ", with: " ") }
                guard !command.isEmpty, !command.hasPrefix("#"), !command.hasPrefix("make ") else { continue }
                examples.append(DocExample(file: file, command: command))
            }
        }
        return examples
    }()

    /// Words as the shell splits them (quotes removed): the rules of `--command`.
    static func words(_ command: String) -> [String] {
        (try? CommandTemplate.words(command, command: "docs")) ?? []
    }
}

/// Runs every example of the README and the Docs against the test servers, with the host and port
/// replaced by theirs and the counts and durations made small, so that an example that stops
/// working (a renamed flag, a refused combination) fails the suite.
@Suite(
    "Every example in README.md and Docs/ runs",
    .enabled(if: TestServices.hasRedis, "needs the servers of 'make test'")
)
struct DocExamplesTests {
    @Test func theDocsHaveExamplesAndTheSkipListNamesOnlyThem() {
        #expect(DocExample.all.count > 20)
        let commands = Set(DocExample.all.map(\.command))
        for skipped in DocExample.skipped.keys { #expect(commands.contains(skipped), "no such example: \(skipped)") }
    }

    @Test(arguments: DocExample.all.filter { DocExample.skipped[$0.command] == nil })
    func exampleRuns(_ example: DocExample) throws {
        var words = DocExample.words(example.command)
        var environment: [String: String] = [:]
        while let first = words.first, first.contains("="), !first.hasPrefix("-") {
            let parts = first.split(separator: "=", maxSplits: 1).map(String.init)
            environment[parts[0]] = parts.count > 1 ? parts[1] : ""
            words.removeFirst()
        }
        try #require(words.first == "dbbench", "not a dbbench command")
        words.removeFirst()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dbbench-docs-\(UUID().uuidString)"
        )
        defer { try? FileManager.default.removeItem(at: directory) }
        if words.first == "report" || words.first == "compare" {
            try runReportExample(words, directory: directory.path)
            return
        }
        let arguments = adapted(words, directory: directory.path)
        let isTimescale = arguments.first == "timescale"
        if isTimescale { environment.merge(TestServices.postgresEnvironment) { $1 } }
        let result = try CommandRunner.dbbench(arguments, environment: environment)
        // 1 is a threshold this machine missed, which is not the example's fault.
        #expect(result.exitCode == 0 || result.exitCode == 1, "\(arguments): \(result.stderr)")
        #expect(!result.stdout.isEmpty)
    }

    /// `dbbench report FILE.json ... --output PAGE` (or `compare`): the result files it names are made first by
    /// small runs against the test server, as the example before it would have, all under
    /// `directory`.
    private func runReportExample(_ words: [String], directory: String) throws {
        var arguments: [String] = []
        var output: String?
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            if word == "--output", index < words.count {
                output = directory + "/" + words[index]
                arguments += [word, output!]
                index += 1
            } else if word.hasSuffix(".json") {
                let file = directory + "/" + word
                let made = try CommandRunner.dbbench(
                    adapted(["redis", "--tests", "set", "--format", "json", "--output", word], directory: directory)
                )
                #expect(made.exitCode == 0, "\(made.stderr)")
                arguments.append(file)
            } else {
                arguments.append(word)
            }
        }
        let result = try CommandRunner.dbbench(arguments)
        // compare: 1 and 2 are verdicts on the made-up runs, not the example's fault.
        let accepted: [Int32] = words.first == "compare" ? [0, 1, 2] : [0]
        #expect(accepted.contains(result.exitCode), "\(arguments): \(result.stderr)")
        if let output {
            #expect(FileManager.default.fileExists(atPath: output), "\(output)")
        } else {
            #expect(!result.stdout.isEmpty)
        }
    }

    /// The example's words with this machine's servers and small counts: ports replaced, counts and
    /// durations capped, a key prefix or schema of the example's own, output under `directory`.
    private func adapted(_ words: [String], directory: String) -> [String] {
        guard let command = words.first, command == "redis" || command == "timescale" else { return words }
        let isRedis = command == "redis"
        let caps: [String: Int] = [
            "--num-operations": 2000, "-n": 2000, "--num-queries": 40, "--connections": 20, "-c": 20,
            "--rate": 2000, "--inserts-per-connection": 200, "--max-steps": 3,
        ]
        var result = [command]
        var index = 1
        var given: Set<String> = []
        while index < words.count {
            let word = words[index]
            index += 1
            given.insert(word)
            guard word.hasPrefix("-"), index < words.count, !words[index].hasPrefix("-") || word == "--sql-args" else {
                if word == ">" { index += 1 } else { result.append(word) }
                continue
            }
            var value = words[index]
            index += 1
            switch word {
            case "--port", "-p":
                value =
                    isRedis ? String(TestServices.redisPort ?? 0) : TestServices.postgresEnvironment["DB_PORT"] ?? ""
            case "--duration", "-T", "--step-duration": value = "1s"
            case "--warmup": value = "200ms"
            case "--output", "--series", "--hgrm": value = directory + "/" + value
            case "--key-prefix", "--schema": continue
            default:
                if let cap = caps[word], let number = Int(value) { value = String(min(number, cap)) }
            }
            result += [word, value]
        }
        if given.contains("--find-capacity") && !given.contains("--max-steps") { result += ["--max-steps", "3"] }
        if given.contains("--find-capacity") && !given.contains("--step-duration") {
            result += ["--step-duration", "1s"]
        }
        if isRedis {
            if !given.contains("--port") && !given.contains("-p") {
                result += ["--port", String(TestServices.redisPort ?? 0)]
            }
            if !given.contains("--num-operations") && !given.contains("-n") && !given.contains("--duration") {
                result += ["--num-operations", "2000"]
            }
            result += ["--key-prefix", "dbbench-docs-\(UUID().uuidString.prefix(8)):"]
        } else {
            if !given.contains("--inserts-per-connection") { result += ["--inserts-per-connection", "200"] }
            if !given.contains("--num-queries") { result += ["--num-queries", "40"] }
            result += ["--schema", "dbbench_docs_\(UUID().uuidString.prefix(8).lowercased())"]
        }
        if !given.contains("--connections") && !given.contains("-c") { result += ["--connections", "20"] }
        return result + ["--progress", "off"]
    }
}

/// The docs' ```bash blocks: scripts of several dbbench commands (a distributed run by hand), each
/// run whole with bash from the package root, dbbench on PATH, against the test servers.
@Suite(
    "Every script in README.md and Docs/ runs",
    .enabled(if: TestServices.hasRedis && TestServices.hasPostgres, "needs the servers of 'make test'")
)
struct DocScriptsTests {
    static let scripts: [DocExample] = {
        let root = TestServices.packageRoot
        let docs =
            (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Docs").path)) ?? []
        var scripts: [DocExample] = []
        for file in ["README.md"] + docs.filter({ $0.hasSuffix(".md") }).sorted().map({ "Docs/\($0)" }) {
            guard let text = try? String(contentsOf: root.appendingPathComponent(file), encoding: .utf8) else {
                continue
            }
            var script: String?
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("```") {
                    if let body = script { scripts.append(DocExample(file: file, command: body)) }
                    script = line == "```bash" && script == nil ? "" : nil
                } else if script != nil {
                    script! += line + "\n"
                }
            }
        }
        return scripts
    }()

    @Test func theDistributedRunByHandIsAScriptHere() {
        #expect(Self.scripts.contains { $0.file == "Docs/distributed.md" && $0.command.contains("--from-log -") })
    }

    @Test(arguments: scripts)
    func scriptRuns(_ script: DocExample) throws {
        let binaries = URL(fileURLWithPath: CommandRunner.dbbenchPath).deletingLastPathComponent().path
        let result = try CommandRunner.run(
            "/bin/bash",
            ["-euo", "pipefail", "-c", "cd \"$0\" && " + script.command, TestServices.packageRoot.path],
            environment: ["PATH": binaries + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")],
            timeout: 300
        )
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(!result.stdout.isEmpty)
    }
}
