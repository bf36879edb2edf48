import Histogram

/// `--hgrm PREFIX`: every histogram of a report in HdrHistogram's percentile-distribution text
/// format (`outputPercentileDistribution`, values in milliseconds), which HdrHistogram's plotter
/// and hdr-plot read: one file per workload, per operation kind of a workload of several kinds,
/// and for open-loop runs the service time beside the latency.
public struct HgrmRenderer: Sendable {
    public init() {}

    /// One file of the output: the name it gets after the prefix, and its text.
    public struct File: Sendable, Equatable {
        public let suffix: String
        public let text: String
    }

    public func files(_ report: BenchmarkReport) -> [File] {
        var files: [File] = []
        for result in report.results {
            let base = Self.fileName(result.name)
            files.append(File(suffix: base + ".hgrm", text: Self.distribution(result.total.histogram)))
            if let service = result.serviceTime {
                files.append(File(suffix: base + ".service.hgrm", text: Self.distribution(service)))
            }
            guard result.operations.count > 1 else { continue }
            for operation in result.operations {
                files.append(
                    File(
                        suffix: base + "." + Self.fileName(operation.name) + ".hgrm",
                        text: Self.distribution(operation.histogram)
                    )
                )
            }
        }
        return files
    }

    /// The percentile distribution of `histogram` (microseconds) in milliseconds, five ticks per
    /// half distance, as HdrHistogram's Java `outputPercentileDistribution(out, 1000.0)` writes it.
    public static func distribution(_ histogram: LatencyHistogram) -> String {
        var text = ""
        histogram.outputPercentileDistribution(to: &text, outputValueUnitScalingRatio: 1000)
        return text
    }

    /// "top_models" → "top_models", "SET" → "set": lower case, anything but letters, digits, `-`
    /// and `_` replaced by `_`.
    static func fileName(_ name: String) -> String {
        String(
            name.lowercased().map { character in
                character.isASCII && (character.isLetter || character.isNumber || character == "-" || character == "_")
                    ? character : "_"
            }
        )
    }
}
