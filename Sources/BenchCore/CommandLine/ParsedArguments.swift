/// The options of one subcommand after parsing, with typed, validated accessors.
///
/// Precedence: a value on the command line, then the option's environment variable, then the
/// default passed to the accessor. Error messages name the flag (or the variable) and the value.
public struct ParsedArguments: Sendable {
    /// "dbbench redis", the prefix of every message.
    public let command: String
    public let specs: [OptionSpec]
    private let values: [String: [String]]
    private let environment: [String: String]

    /// Words that are not options, in order (the files of `dbbench report`).
    public private(set) var positionals: [String] = []

    /// Parses `arguments` (everything after the subcommand name) against `specs`.
    /// Accepts `--name value`, `--name=value` and switches; rejects unknown, repeated and
    /// value-less options, and positional words unless `allowsPositionals`.
    public init(
        parsing arguments: [String],
        specs: [OptionSpec],
        command: String,
        environment: [String: String],
        shortFlags: [ShortFlag] = [],
        allowsPositionals: Bool = false
    ) throws(UsageError) {
        self.command = command
        self.specs = specs
        self.environment = environment
        var values: [String: [String]] = [:]
        var shortFlagWarnings: [String] = []
        var sequence: [(String, String)] = []
        var index = 0
        while index < arguments.count {
            var argument = arguments[index]
            index += 1
            if let long = ShortFlag.expand(argument, next: arguments[index...].first, in: shortFlags) {
                argument = long.argument
                if let warning = long.warning { shortFlagWarnings.append("\(command): \(warning)") }
            }
            guard argument.hasPrefix("--"), argument.count > 2 else {
                if argument == "-h" {
                    values["help"] = [""]
                    continue
                }
                if allowsPositionals && (!argument.hasPrefix("-") || argument == "-") {
                    positionals.append(argument)
                    continue
                }
                throw UsageError(
                    "\(command): unexpected argument '\(argument)' (options start with --; see '\(command) --help')"
                )
            }
            let body = argument.dropFirst(2)
            let name: String
            var inlineValue: String?
            if let equals = body.firstIndex(of: "=") {
                name = String(body[..<equals])
                inlineValue = String(body[body.index(after: equals)...])
            } else {
                name = String(body)
            }
            guard let spec = specs.first(where: { $0.name == name }) else {
                var message = "\(command): unknown option '--\(name)'"
                if let suggestion = Suggestion.closest(to: name, in: specs.map(\.name)) {
                    message += " (did you mean '--\(suggestion)'?)"
                }
                throw UsageError(message)
            }
            guard values[name] == nil || spec.repeatable else {
                throw UsageError("\(command): --\(name) is given more than once")
            }
            if spec.takesValue {
                if inlineValue == nil {
                    guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                        throw UsageError("\(command): \(spec.usage) needs a value")
                    }
                    inlineValue = arguments[index]
                    index += 1
                }
                values[name, default: []].append(inlineValue ?? "")
                sequence.append((name, inlineValue ?? ""))
            } else {
                if let inlineValue {
                    throw UsageError("\(command): --\(name) takes no value, got '\(inlineValue)'")
                }
                values[name] = [""]
            }
        }
        self.values = values
        warnings = shortFlagWarnings
        self.sequence = sequence
    }

    public var wantsHelp: Bool { values["help"] != nil }

    /// Lines for stderr about how the command line was written (a password given with `-a`).
    public private(set) var warnings: [String] = []
    /// Every value given on the command line, in the order given.
    private var sequence: [(name: String, value: String)] = []

    /// The values of the options named `names`, in the order they were given (`--command A --weight
    /// 8 --command B`), for options whose meaning depends on their neighbours.
    public func inOrder(_ names: Set<String>) -> [(name: String, value: String)] {
        sequence.filter { names.contains($0.name) }
    }

    /// True when `--name` was given on the command line (not only by its environment variable):
    /// a switch, or an option whose value may also come from elsewhere (a URL), which the flag
    /// overrides.
    public func isSet(_ name: String) -> Bool { values[name] != nil }

    /// The option's value when given on the command line, else `part` (of a `--url`) when there is
    /// one, else the environment's or the default.
    public func value<Value>(_ option: Option<Value>, urlPart part: Value?) throws(UsageError) -> Value {
        if !given(option), let part { return part }
        return try self[option]
    }

    /// The same for options without a default: a URL without the part leaves the environment's value.
    public func value<Value>(_ option: Option<Value?>, urlPart part: Value?) throws(UsageError) -> Value? {
        if !given(option), let part { return part }
        return try self[option]
    }

    /// A variable of the environment the command runs in (`JOB_COMPLETION_INDEX`), when set and
    /// not empty.
    public func environmentValue(_ name: String) -> String? {
        environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `isSet(_:)` for a declared option.
    public func given<Value>(_ option: Option<Value>) -> Bool { isSet(option.spec.name) }

    /// The raw value and where it came from ("--port" or "REDIS_PORT"), or `nil`.
    func raw(_ name: String) -> (value: String, source: String)? {
        if let value = values[name]?.last { return (value, "--\(name)") }
        let spec = spec(name)
        for variable in (spec.environment.map { [$0] } ?? []) + spec.fallbackEnvironment {
            if let value = environment[variable], !value.isEmpty { return (value, variable) }
        }
        return nil
    }

    /// Every option with its effective value (command line, environment or default), as the JSON
    /// output records it: typed values printed as the option takes them, never help prose; secrets
    /// and options without a value are left out. `resolved` gives the value of an option whose
    /// default depends on another (`--key-range` on `--cache-keys`).
    public func configuration(resolved: [String: String] = [:]) -> [(String, String)] {
        specs.compactMap { spec in
            if let value = resolved[spec.name] { return (spec.name, value) }
            return spec.effectiveValue?(self).map { (spec.name, $0) }
        }
    }

    /// Every value of a repeatable option, in the order given.
    func all(_ name: String) -> [String] { values[name] ?? [] }

    func string(_ name: String, default defaultValue: String) -> String {
        raw(name)?.value ?? defaultValue
    }

    func optionalString(_ name: String) -> String? { raw(name)?.value }

    /// A whole number within `range` (underscores allowed: `1_000_000`).
    func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let (text, source) = raw(name) else { return defaultValue }
        guard let value = Int(text.replacingUnderscores()), range.contains(value) else {
            throw UsageError(
                "\(command): \(source) must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'"
            )
        }
        return value
    }

    /// A whole number `N` or a range `MIN-MAX`, both ends within `bounds`.
    func range(
        _ name: String,
        default defaultValue: ClosedRange<Int>,
        in bounds: ClosedRange<Int>
    ) throws(UsageError) -> ClosedRange<Int> {
        guard let (text, source) = raw(name) else { return defaultValue }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.replacingUnderscores()) }
        let low: Int?
        let high: Int?
        switch parts.count {
        case 1: (low, high) = (parts[0], parts[0])
        case 2: (low, high) = (parts[0], parts[1])
        default: (low, high) = (nil, nil)
        }
        guard let low, let high, low <= high, bounds.contains(low), bounds.contains(high) else {
            throw UsageError(
                "\(command): \(source) must be a number or MIN-MAX range within \(bounds.lowerBound)-\(bounds.upperBound), got '\(text)'"
            )
        }
        return low...high
    }

    /// A duration such as `500ms`, `5s`, `2m` (a bare number means seconds), within `range`.
    func duration(
        _ name: String,
        default defaultValue: Duration,
        in range: ClosedRange<Duration>
    ) throws(UsageError) -> Duration {
        guard let (text, source) = raw(name) else { return defaultValue }
        guard let value = DurationParser.parse(text), range.contains(value) else {
            throw UsageError(
                "\(command): \(source) must be a duration from \(DurationParser.format(range.lowerBound)) to \(DurationParser.format(range.upperBound)) such as 500ms, 5s or 2m, got '\(text)'"
            )
        }
        return value
    }

    /// A comma-separated selection from `allowed`, in the order given, without repeats.
    func list(_ name: String, default defaultValue: [String], allowed: [String]) throws(UsageError) -> [String] {
        guard let (text, source) = raw(name) else { return defaultValue }
        var result: [String] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let word = item.trimmingSpaces().lowercased()
            guard allowed.contains(word) else {
                var message =
                    "\(command): \(source) has unknown item '\(word)'; choose from \(allowed.joined(separator: ","))"
                if let suggestion = Suggestion.closest(to: word, in: allowed) {
                    message += " (did you mean '\(suggestion)'?)"
                }
                throw UsageError(message)
            }
            if !result.contains(word) { result.append(word) }
        }
        return result
    }

    /// One of `allowed`.
    func choice(_ name: String, default defaultValue: String, allowed: [String]) throws(UsageError) -> String {
        guard let (text, source) = raw(name) else { return defaultValue }
        guard allowed.contains(text) else {
            throw UsageError("\(command): \(source) must be one of \(allowed.joined(separator: ", ")), got '\(text)'")
        }
        return text
    }

    /// One of `allowed`, or `nil` when not given.
    func optionalChoice(_ name: String, allowed: [String]) throws(UsageError) -> String? {
        guard raw(name) != nil else { return nil }
        return try choice(name, default: "", allowed: allowed)
    }

    private func spec(_ name: String) -> OptionSpec {
        guard let spec = specs.first(where: { $0.name == name }) else {
            preconditionFailure("option --\(name) is read but not declared")
        }
        return spec
    }
}

extension StringProtocol {
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }

    /// Without leading and trailing spaces.
    public func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

/// Parses and prints durations written as `250ms`, `5s`, `1.5s`, `2m`, `1h`, compounds such as
/// `1m30s` or `1h15m`, or a bare number of seconds.
public enum DurationParser {
    private static let units: [String: Double] = ["h": 3600e9, "m": 60e9, "s": 1e9, "ms": 1e6, "us": 1e3]

    public static func parse(_ text: String) -> Duration? {
        if let seconds = Double(text) { return duration(seconds * 1e9) }
        var nanoseconds = 0.0
        var rest = Substring(text)
        var previousScale = Double.infinity
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            // Each part a number and a unit, the units from the largest down: `1m30s`, not `30s1m`.
            guard let value = Double(number), let scale = units[String(unit)], scale < previousScale else { return nil }
            previousScale = scale
            nanoseconds += value * scale
        }
        return text.isEmpty ? nil : duration(nanoseconds)
    }

    private static func duration(_ nanoseconds: Double) -> Duration? {
        guard nanoseconds >= 0, nanoseconds.isFinite, nanoseconds < 1e18 else { return nil }
        return .nanoseconds(Int64(nanoseconds.rounded()))
    }

    /// `6s`, `1m`, `1m30s`, `2h`, `1h5m`, `250ms`.
    public static func format(_ duration: Duration) -> String {
        let nanoseconds = duration.nanoseconds
        guard nanoseconds % 1_000_000_000 == 0 else { return "\(nanoseconds / 1_000_000)ms" }
        let seconds = nanoseconds / 1_000_000_000
        guard seconds > 0 else { return "0s" }
        var text = ""
        if seconds >= 3600 { text += "\(seconds / 3600)h" }
        if seconds % 3600 >= 60 { text += "\(seconds % 3600 / 60)m" }
        if seconds % 60 > 0 { text += "\(seconds % 60)s" }
        return text
    }
}
