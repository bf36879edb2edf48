/// `--shard I/N` (or `--shards N` with I from `JOB_COMPLETION_INDEX`, which a Kubernetes Indexed
/// Job sets): this process is generator I (0-based) of N that together make one run. It runs its
/// share of the connections and operations, split the way the runner splits operations over
/// connections; with `--rate R` it takes the scheduled operations whose number is I mod N of one
/// generator's schedule at R, so that the shards together are that schedule, not N bunched ones;
/// and what it writes carries the shard in its name (`RunOptions.dataID`).
public struct Shard: Sendable, Equatable {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// The most shards of one run.
    public static let most = 1000

    /// This shard's part of `total`.
    public func share(of total: Int) -> Int { BenchmarkRunner.split(total, over: count)[index] }

    /// This shard's part of `--connections`; every shard needs at least one.
    public func connections(of total: Int, command: String) throws(UsageError) -> Int {
        guard total >= count else {
            throw UsageError(
                "\(command): --connections (\(total)) must be at least the \(count) shards: each runs a share"
            )
        }
        return share(of: total)
    }

    /// "shard 2 of 4".
    public var label: String { "shard \(index) of \(count)" }

    static let option = Option.optionalString(
        "shard",
        placeholder: "I/N",
        help: "Be generator I (from 0) of N that make one run together: this share of the connections and "
            + "operations, every Nth arrival of --rate, keys and rows named with the shard"
    )
    static let shardsOption = Option.optionalInteger(
        "shards",
        in: 1...most,
        help: "As --shard I/N, with I from JOB_COMPLETION_INDEX (what a Kubernetes Indexed Job sets)"
    )

    /// From `--shard` or `--shards`; nil for a run of one generator.
    static func parse(_ arguments: ParsedArguments) throws(UsageError) -> Shard? {
        let command = arguments.command
        let given = try arguments[option]
        let shards = try arguments[shardsOption]
        if given != nil && shards != nil { throw UsageError("\(command): give --shard I/N or --shards N, not both") }
        if let shards {
            guard let text = arguments.environmentValue("JOB_COMPLETION_INDEX") else {
                throw UsageError(
                    "\(command): --shards needs JOB_COMPLETION_INDEX (set by an Indexed Job); or give --shard I/N"
                )
            }
            guard let index = Int(text), index >= 0, index < shards else {
                throw UsageError(
                    "\(command): JOB_COMPLETION_INDEX must be a number from 0 to \(shards - 1), got '\(text)'"
                )
            }
            return Shard(index: index, count: shards)
        }
        guard let given else { return nil }
        let parts = given.split(separator: "/", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2, let index = parts[0], let count = parts[1], count >= 1, count <= most, index >= 0,
            index < count
        else {
            throw UsageError(
                "\(command): --shard takes I/N with 0 <= I < N <= \(most) (generator I of N, from 0), got '\(given)'"
            )
        }
        return Shard(index: index, count: count)
    }
}
