/// What the parser and the help need to know of one option, whatever the type of its value: its
/// name, whether it takes a value, the default shown in help and the environment variable that may
/// supply it (a flag on the command line always wins). Declared through `Option`.
public struct OptionSpec: Sendable {
    /// The option's name without the leading dashes ("connections").
    public let name: String
    /// The value's placeholder in help ("N"), or `nil` for a switch that takes no value.
    public let placeholder: String?
    public let help: String
    /// The default as help shows it, or `nil` when there is none to show.
    public let defaultText: String?
    public let environment: String?
    /// Variables read, in order, when `environment` is unset or empty (libpq's `PGHOST` after
    /// dbbench's `DB_HOST`).
    public internal(set) var fallbackEnvironment: [String] = []
    /// May be given several times (`--assert`); every value is kept.
    public let repeatable: Bool
    /// The effective value as the configuration records it, or `nil` to leave it out (unset, or a
    /// secret); set by `Option`.
    var effectiveValue: (@Sendable (ParsedArguments) -> String?)?

    init(
        _ name: String,
        placeholder: String? = nil,
        default defaultText: String? = nil,
        environment: String? = nil,
        repeatable: Bool = false,
        help: String
    ) {
        self.name = name
        self.repeatable = repeatable
        self.placeholder = placeholder
        self.help = help
        self.defaultText = defaultText
        self.environment = environment
    }

    public var takesValue: Bool { placeholder != nil }

    /// `--name VALUE` as written in help and messages.
    public var usage: String { placeholder.map { "--\(name) \($0)" } ?? "--\(name)" }

    /// `--help`, accepted everywhere.
    public static let help = OptionSpec("help", help: "Show this help")
}
