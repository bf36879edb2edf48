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

    public init(_ name: String, placeholder: String? = nil, default defaultValue: String? = nil,
                environment: String? = nil, help: String) {
        self.name = name
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
        "threads", placeholder: "N", default: "number of cores",
        help: "I/O loop threads; connections are spread over them round-robin")
    /// `--connect-timeout`, shared by every subcommand.
    public static let connectTimeout = OptionSpec(
        "connect-timeout", placeholder: "DURATION", default: "5s",
        help: "How long to wait for a connection before giving up (ms, s, m)")
    /// `--timeout`, shared by every subcommand.
    public static let ioTimeout = OptionSpec(
        "timeout", placeholder: "DURATION", default: "30s",
        help: "How long one request may wait for its reply before it counts as an error")
    /// `--help`, accepted everywhere.
    public static let help = OptionSpec.flag("help", help: "Show this help")
}
