/// Results carried in a log: `--log-result` prints a run's JSON to stdout between two marker lines,
/// so that the shards of a Kubernetes Job need no shared volume, and `dbbench merge --from-log`
/// takes them back out of what `kubectl logs` printed for every pod (with or without `--prefix`
/// or `--timestamps`, which put text before each line).
public enum LoggedResults {
    public static let begin = "----- dbbench result begin -----"
    public static let end = "----- dbbench result end -----"

    /// `json` (one line, as `JSONRenderer` writes it) between the markers, on lines of their own.
    static func block(_ json: String) -> String {
        "\(begin)\n\(json.hasSuffix("\n") ? json : json + "\n")\(end)\n"
    }

    /// Every result between markers in the log at `path` (`-`: standard input), in order.
    public static func read(_ path: String) throws(ResultFileError) -> [ResultFile] {
        try files(in: try ResultFile.readText(path), path: path)
    }

    static func files(in log: String, path: String) throws(ResultFileError) -> [ResultFile] {
        var files: [ResultFile] = []
        var current: String?
        for line in log.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.contains(begin) {
                current = ""
            } else if line.contains(end), let text = current {
                files.append(try ResultFile(path: "\(path) (result \(files.count + 1))", text: text))
                current = nil
            } else if current != nil, let brace = line.firstIndex(of: "{") {
                // The document is one line; a prefix the log adds ("[pod/...] ", a timestamp) ends
                // before its first brace.
                current! += line[brace...]
            }
        }
        if current != nil {
            throw ResultFileError(path: path, reason: "a result without its end line (\(end)): was the log cut short?")
        }
        guard !files.isEmpty else {
            throw ResultFileError(
                path: path,
                reason: "no result between \(begin) and \(end) (run the shards with --log-result)"
            )
        }
        return files
    }
}
