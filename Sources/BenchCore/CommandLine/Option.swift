/// One command-line option, declared once: its name, the type and default of its value, the
/// environment variable that may supply it and its help. The help text and the JSON configuration
/// are derived from the declaration; `ParsedArguments[option]` reads the typed value.
///
///     static let connections = Option.integer("connections", default: 100, in: 1...100_000,
///                                             help: "Concurrent connections")
///     let count = try arguments[connections]
public struct Option<Value: Sendable>: Sendable {
    /// What the parser, the help and the configuration need, without the value's type.
    public private(set) var spec: OptionSpec
    private let read: @Sendable (ParsedArguments) throws(UsageError) -> Value

    init(
        spec: OptionSpec,
        read: @escaping @Sendable (ParsedArguments) throws(UsageError) -> Value,
        describe: @escaping @Sendable (Value) -> String?
    ) {
        var spec = spec
        spec.effectiveValue = { arguments in
            // A value that does not parse is reported when the option is read; here it has none.
            guard let value = try? read(arguments) else { return nil }
            return describe(value)
        }
        self.spec = spec
        self.read = read
    }

    /// The same option, also read from `variables` (in order) when its own variable is not set.
    public func alsoFrom(_ variables: String...) -> Option {
        var copy = self
        var spec = copy.spec
        spec.fallbackEnvironment += variables
        copy.spec = spec
        return copy
    }

    /// The value from the command line, the environment or the default, validated.
    func value(in arguments: ParsedArguments) throws(UsageError) -> Value { try read(arguments) }
}

extension Option where Value == Int {
    /// A whole number within `range` (underscores allowed: `1_000_000`). `defaultLabel` replaces
    /// the default in help when it depends on the machine ("number of cores").
    public static func integer(
        _ name: String,
        placeholder: String = "N",
        default defaultValue: @autoclosure @escaping @Sendable () -> Int,
        defaultLabel: String? = nil,
        in range: ClosedRange<Int>,
        environment: String? = nil,
        help: String
    ) -> Option {
        Option(
            spec: OptionSpec(
                name,
                placeholder: placeholder,
                default: defaultLabel ?? String(defaultValue()),
                environment: environment,
                help: help
            ),
            read: { arguments throws(UsageError) in
                try arguments.integer(name, default: defaultValue(), in: range)
            },
            describe: { String($0) }
        )
    }
}

extension Option where Value == Int? {
    /// A whole number within `range`, or `nil` when not given: for an option whose absence means
    /// something (no `--rate`: closed loop) or whose default depends on another option
    /// (`--key-range` defaults to `--cache-keys`), which `defaultLabel` names.
    public static func optionalInteger(
        _ name: String,
        placeholder: String = "N",
        defaultLabel: String? = nil,
        in range: ClosedRange<Int>,
        help: String
    ) -> Option {
        Option(
            spec: OptionSpec(name, placeholder: placeholder, default: defaultLabel, help: help),
            read: { arguments throws(UsageError) in
                arguments.raw(name) == nil ? nil : try arguments.integer(name, default: 0, in: range)
            },
            describe: { $0.map { String($0) } }
        )
    }
}

extension Option where Value == String {
    public static func string(
        _ name: String,
        placeholder: String,
        default defaultValue: String,
        environment: String? = nil,
        help: String
    ) -> Option {
        Option(
            spec: OptionSpec(
                name,
                placeholder: placeholder,
                default: defaultValue,
                environment: environment,
                help: help
            ),
            read: { arguments in arguments.string(name, default: defaultValue) },
            describe: { $0 }
        )
    }
}

extension Option where Value == String? {
    /// A string with no default. A `secret` one (a password) is never shown in the configuration.
    public static func optionalString(
        _ name: String,
        placeholder: String,
        environment: String? = nil,
        secret: Bool = false,
        help: String
    ) -> Option {
        Option(
            spec: OptionSpec(name, placeholder: placeholder, environment: environment, help: help),
            read: { arguments in arguments.optionalString(name) },
            describe: { secret ? nil : $0 }
        )
    }
}

extension Option where Value == Bool {
    /// A switch such as `--keep-data`: true when given.
    public static func flag(_ name: String, help: String) -> Option {
        Option(
            spec: OptionSpec(name, help: help),
            read: { arguments in arguments.isSet(name) },
            describe: { $0 ? "true" : "false" }
        )
    }
}

extension Option where Value == Duration {
    /// A duration such as `500ms`, `5s`, `2m` (a bare number means seconds), within `range`.
    public static func duration(
        _ name: String,
        default defaultValue: Duration,
        in range: ClosedRange<Duration>,
        help: String
    ) -> Option {
        Option(
            spec: OptionSpec(
                name,
                placeholder: "DURATION",
                default: DurationParser.format(defaultValue),
                help: help
            ),
            read: { arguments throws(UsageError) in
                try arguments.duration(name, default: defaultValue, in: range)
            },
            describe: { DurationParser.format($0) }
        )
    }
}

extension Option where Value == Duration? {
    /// A duration with no default (`--duration`: without it the run is counted, not timed).
    public static func optionalDuration(_ name: String, in range: ClosedRange<Duration>, help: String) -> Option {
        Option(
            spec: OptionSpec(name, placeholder: "DURATION", help: help),
            read: { arguments throws(UsageError) in
                arguments.raw(name) == nil ? nil : try arguments.duration(name, default: .zero, in: range)
            },
            describe: { $0.map(DurationParser.format) }
        )
    }
}

extension Option where Value == ClosedRange<Int> {
    /// A whole number `N` or a range `MIN-MAX`, both ends within `bounds`.
    public static func range(
        _ name: String,
        default defaultValue: ClosedRange<Int>,
        in bounds: ClosedRange<Int>,
        help: String
    ) -> Option {
        Option(
            spec: OptionSpec(name, placeholder: "N|MIN-MAX", default: Self.text(defaultValue), help: help),
            read: { arguments throws(UsageError) in
                try arguments.range(name, default: defaultValue, in: bounds)
            },
            describe: Self.text
        )
    }

    private static func text(_ range: ClosedRange<Int>) -> String {
        range.count == 1 ? String(range.lowerBound) : "\(range.lowerBound)-\(range.upperBound)"
    }
}

extension Option where Value == [String] {
    /// An option that may be given several times (`--assert`); every value is kept, in order.
    public static func repeated(_ name: String, placeholder: String, help: String) -> Option {
        Option(
            spec: OptionSpec(name, placeholder: placeholder, repeatable: true, help: help),
            read: { arguments in arguments.all(name) },
            describe: { $0.joined(separator: "; ") }
        )
    }
}

extension Option where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of the cases of `Value`, by raw value.
    public static func choice(_ name: String, default defaultValue: Value, help: String) -> Option {
        let allowed = Value.allCases.map(\.rawValue)
        return Option(
            spec: OptionSpec(
                name,
                placeholder: allowed.joined(separator: "|"),
                default: defaultValue.rawValue,
                help: help
            ),
            read: { arguments throws(UsageError) in
                Value(rawValue: try arguments.choice(name, default: defaultValue.rawValue, allowed: allowed))
                    ?? defaultValue
            },
            describe: { $0.rawValue }
        )
    }
}

extension Option {
    /// One of the cases of `Choice`, or `nil` when not given (the server's or library's default,
    /// which `defaultLabel` names in help).
    public static func optionalChoice<Choice>(
        _ name: String,
        defaultLabel: String? = nil,
        help: String
    ) -> Option where Value == Choice?, Choice: RawRepresentable & CaseIterable & Sendable, Choice.RawValue == String {
        let allowed = Choice.allCases.map(\.rawValue)
        return Option(
            spec: OptionSpec(
                name,
                placeholder: allowed.joined(separator: "|"),
                help: help + (defaultLabel.map { " [default: \($0)]" } ?? "")
            ),
            read: { arguments throws(UsageError) in
                try arguments.optionalChoice(name, allowed: allowed).flatMap(Choice.init(rawValue:))
            },
            describe: { $0?.rawValue }
        )
    }

    /// A comma-separated selection of cases of `Item`, in the order given, without repeats.
    public static func list<Item>(
        _ name: String,
        default defaultValue: [Item],
        help: String
    ) -> Option where Value == [Item], Item: RawRepresentable & CaseIterable & Sendable, Item.RawValue == String {
        let allowed = Item.allCases.map(\.rawValue)
        let defaultText = defaultValue.map(\.rawValue).joined(separator: ",")
        return Option(
            spec: OptionSpec(name, placeholder: "LIST", default: defaultText, help: help),
            read: { arguments throws(UsageError) in
                try arguments.list(name, default: defaultValue.map(\.rawValue), allowed: allowed)
                    .compactMap(Item.init(rawValue:))
            },
            describe: { $0.map(\.rawValue).joined(separator: ",") }
        )
    }
}

extension ParsedArguments {
    /// The typed value of `option`: from the command line, the environment or its default.
    public subscript<Value>(_ option: Option<Value>) -> Value {
        get throws(UsageError) { try option.value(in: self) }
    }
}
