/// One command-line option: its name, whether it takes a value, its documented default and the
/// environment variable that may supply it (a flag on the command line always wins).
public struct OptionSpec: Sendable {
    /// The option's name without the leading dashes ("connections").
    public let name: String
    /// The value's placeholder in help ("N"), or `nil` for a switch that takes no value.
    public let placeholder: String?
    public let help: String
    /// The default as shown in help, or `nil` when there is none to show.
    public let defaultValue: String?
    public let environment: String?
    /// May be given several times (`--assert`); every value is kept.
    public let repeatable: Bool

    public init(
        _ name: String,
        placeholder: String? = nil,
        default defaultValue: String? = nil,
        environment: String? = nil,
        repeatable: Bool = false,
        help: String
    ) {
        self.name = name
        self.repeatable = repeatable
        self.placeholder = placeholder
        self.help = help
        self.defaultValue = defaultValue
        self.environment = environment
    }

    /// A switch such as `--keep-data`.
    public static func flag(_ name: String, help: String) -> OptionSpec {
        OptionSpec(name, help: help)
    }

    public var takesValue: Bool { placeholder != nil }

    /// `--name VALUE` as written in help and messages.
    public var usage: String { placeholder.map { "--\(name) \($0)" } ?? "--\(name)" }
}

extension OptionSpec {
    /// `--threads`, shared by every subcommand.
    public static let threads = OptionSpec(
        "threads",
        placeholder: "N",
        default: "number of cores",
        help: "I/O loop threads; connections are spread over them round-robin"
    )
    /// `--connect-timeout`, shared by every subcommand.
    public static let connectTimeout = OptionSpec(
        "connect-timeout",
        placeholder: "DURATION",
        default: "5s",
        help: "How long to wait for a connection before giving up (ms, s, m)"
    )
    /// `--timeout`, shared by every subcommand.
    public static let ioTimeout = OptionSpec(
        "timeout",
        placeholder: "DURATION",
        default: "30s",
        help: "How long one request may wait for its reply before it counts as an error"
    )
    /// `--assert`, shared by every subcommand.
    public static let assert = OptionSpec(
        "assert",
        placeholder: "EXPR",
        repeatable: true,
        help:
            "A threshold such as 'p99<5ms', 'ops>=50000', 'errors==0' or 'set.p99<2ms'; repeatable; exit 1 when one fails"
    )
    /// `--help`, accepted everywhere.
    public static let help = OptionSpec.flag("help", help: "Show this help")
}
