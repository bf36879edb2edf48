import BenchCore
import Redis

/// One `--command 'CMD ARG …'` of the CUSTOM workload, encoded once: its literal arguments as RESP
/// bytes, and its placeholders filled per request without building a string.
///
/// Words are split at spaces; single or double quotes keep spaces in one argument. A whole
/// argument may be a placeholder: `__key__` (a cache key of the run, `<prefix><run id>:key:<n>`,
/// drawn by `--key-distribution`), `__data__` (a value of `--value-size`), `__field__`
/// (`field:<0-9>`), `__rand_int__` (a random number below 10^12).
struct CommandTemplate: Sendable {
    enum Part: Sendable {
        /// Arguments that are always the same, already encoded.
        case literal([UInt8])
        case key, data, field, randomInteger
    }

    /// The command's name, upper-cased ("GET").
    let name: String
    let parts: [Part]
    let weight: Int

    /// Commands that act on the whole server or on keys that are not named as `__key__`: a
    /// benchmark must not run them, and cleanup could not find what they create.
    static let refused: Set<String> = [
        "FLUSHALL", "FLUSHDB", "KEYS", "SCAN", "SHUTDOWN", "CONFIG", "DEBUG", "SCRIPT", "FUNCTION", "SELECT",
        "SWAPDB", "MOVE", "RENAME", "RENAMENX", "MIGRATE", "CLUSTER", "REPLICAOF", "SLAVEOF", "SAVE", "BGSAVE",
        "BGREWRITEAOF", "MONITOR", "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "MULTI", "EXEC", "WATCH", "ACL",
        "CLIENT", "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "COPY", "RESTORE", "OBJECT", "WAIT",
        "FAILOVER", "RESET", "QUIT", "AUTH", "HELLO",
    ]
    /// Commands that name no key, allowed without `__key__`.
    static let keyless: Set<String> = ["PING", "ECHO", "TIME"]

    /// `DEBUG SLEEP SECONDS`, the one DEBUG a benchmark may send: a command that holds the server
    /// for a known time and touches no data (a server allows it only with `enable-debug-command`),
    /// to see how latency and capacity behave behind a slow command.
    static func isDebugSleep(_ words: [String]) -> Bool {
        words.count == 3 && words[0].uppercased() == "DEBUG" && words[1].uppercased() == "SLEEP"
            && Double(words[2]).map { $0 >= 0 && $0 <= 1 } == true
    }

    init(parsing text: String, weight: Int, command: String) throws(UsageError) {
        let words = try Self.words(text, command: command)
        guard let first = words.first else { throw UsageError("\(command): --command '\(text)' is empty") }
        name = first.uppercased()
        self.weight = weight
        let isSleep = Self.isDebugSleep(words)
        if Self.refused.contains(name) && !isSleep {
            throw UsageError("\(command): --command \(name) is not run by a benchmark (it acts beyond the run's keys)")
        }
        guard words.contains("__key__") || Self.keyless.contains(name) || isSleep else {
            throw UsageError(
                "\(command): --command '\(text)' names no __key__: every key a command touches must be __key__, "
                    + "so that cleanup finds it"
            )
        }
        var parts: [Part] = []
        var literal = RESPWriter(capacity: 256)
        literal.arrayHeader(words.count)
        func flushLiteral() {
            if !literal.isEmpty { parts.append(.literal(Array(literal.bytes))) }
            literal.removeAll()
        }
        for word in words {
            let placeholder: Part? =
                switch word {
                case "__key__": .key
                case "__data__": .data
                case "__field__": .field
                case "__rand_int__": .randomInteger
                default: nil
                }
            if let placeholder {
                flushLiteral()
                parts.append(placeholder)
            } else {
                literal.bulk(word)
            }
        }
        flushLiteral()
        self.parts = parts
    }

    static let fieldPrefix = Array("field:".utf8)

    @inline(__always)
    func append(
        to output: inout RESPWriter,
        key: Int,
        keyPrefix: [UInt8],
        values: ValueSource,
        random: inout FastRandom
    ) {
        for part in parts {
            switch part {
            case .literal(let bytes): output.raw(bytes)
            case .key: output.bulk(prefix: keyPrefix, decimal: key)
            case .data: values.append(to: &output, random: &random)
            case .field: output.bulk(prefix: Self.fieldPrefix, decimal: random.below(10))
            case .randomInteger: output.bulk(decimal: random.below(1_000_000_000_000))
            }
        }
    }

    /// `text` split at spaces outside quotes; quotes removed.
    static func words(_ text: String, command: String) throws(UsageError) -> [String] {
        var words: [String] = []
        var word = ""
        var quote: Character?
        var inWord = false
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { word.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character == " " {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else {
                word.append(character)
                inWord = true
            }
        }
        if quote != nil { throw UsageError("\(command): --command '\(text)' has an unclosed quote") }
        if inWord { words.append(word) }
        return words
    }
}

/// CUSTOM: the `--command`s, each request one of them drawn by its `--weight`.
struct CustomWorkload: PipelinedRedisWorkload {
    /// One of the commands, by its position.
    struct Operation: OperationKind {
        let slot: Int
        let name: String
    }

    typealias Counter = RedirectCounter
    let settings: KeyValueSettings
    let nodeStats: NodeStats?
    let templates: [CommandTemplate]
    var name: String { "CUSTOM" }
    var counters: [RedirectCounter] { [.redirects] }

    /// Named by the command, with its position when two share a name ("GET", "GET#2").
    var operations: [Operation] {
        templates.enumerated().map { index, template in
            let earlier = templates[..<index].filter { $0.name == template.name }.count
            return Operation(slot: index, name: earlier == 0 ? template.name : "\(template.name)#\(earlier + 1)")
        }
    }

    func makeSource(_ random: FastRandom, keys: NodeKeys) -> CustomRequests {
        CustomRequests(
            templates: templates,
            operations: operations,
            keyPrefix: settings.target.cacheKeyPrefix,
            values: settings.set.values,
            keys: keys.cache,
            random: random
        )
    }
}

/// The requests of CUSTOM: a command drawn by weight, its placeholders filled.
struct CustomRequests: RedisRequestSource {
    typealias Owner = CustomWorkload
    let templates: [CommandTemplate]
    let operations: [CustomWorkload.Operation]
    let keyPrefix: [UInt8]
    let values: ValueSource
    var keys: KeyPicker
    var random: FastRandom
    private let cumulative: [Int]

    init(
        templates: [CommandTemplate],
        operations: [CustomWorkload.Operation],
        keyPrefix: [UInt8],
        values: ValueSource,
        keys: KeyPicker,
        random: FastRandom
    ) {
        self.templates = templates
        self.operations = operations
        self.keyPrefix = keyPrefix
        self.values = values
        self.keys = keys
        self.random = random
        var total = 0
        cumulative = templates.map {
            total += $0.weight
            return total
        }
    }

    mutating func appendNext(to output: inout RESPWriter) -> CustomWorkload.Operation {
        var index = 0
        if templates.count > 1 {
            let point = random.below(cumulative[cumulative.count - 1])
            while cumulative[index] <= point { index += 1 }
        }
        let key = keys.draw(&random)
        templates[index].append(to: &output, key: key, keyPrefix: keyPrefix, values: values, random: &random)
        return operations[index]
    }
}
