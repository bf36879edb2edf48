/// A one-letter form of an option, as the peer tools spell it (`-c 50` for `--connections 50`,
/// redis-benchmark's and pgbench's letters), translated to the long form before parsing.
public struct ShortFlag: Sendable {
    public let letter: Character
    /// The long option's name ("connections").
    public let name: String
    /// A line printed on stderr when the letter is used (`-a` puts a password in the process list).
    public let warning: String?

    public init(_ letter: Character, _ name: String, warning: String? = nil) {
        self.letter = letter
        self.name = name
        self.warning = warning
    }

    /// `argument` in its long form when it is one of `flags` (`-c`, `-c50`), else nil. `-h` is the
    /// host when a value follows it and `--help` otherwise, as in redis-benchmark and pgbench.
    static func expand(
        _ argument: String,
        next: String?,
        in flags: [ShortFlag]
    ) -> (argument: String, warning: String?)? {
        guard argument.count >= 2, argument.hasPrefix("-"), !argument.hasPrefix("--") else { return nil }
        let letter = argument[argument.index(after: argument.startIndex)]
        guard let flag = flags.first(where: { $0.letter == letter }) else { return nil }
        let attached = argument.dropFirst(2)
        if letter == "h" && attached.isEmpty && (next == nil || next!.hasPrefix("-")) { return ("--help", nil) }
        return (attached.isEmpty ? "--\(flag.name)" : "--\(flag.name)=\(attached)", flag.warning)
    }
}
