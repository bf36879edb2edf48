import Glibc

/// An inline SVG chart of lines or bars, drawn by dbbench itself so that an HTML report needs no
/// script, font or library: axes with ticks, one polyline (or row of bars) per series, a legend,
/// and a `<title>`/`<desc>` that screen readers and the printed page can use.
struct SVGChart {
    /// How values map onto an axis.
    enum Scale: Equatable {
        case linear
        /// Powers of ten; values at or below zero are drawn at the axis' lowest value.
        case logarithmic
        /// The x axis of a percentile spectrum: x is a percentile (0..<100) drawn at
        /// log10(1/(1-p)), so that 90%, 99%, 99.9% and 99.99% are evenly spaced.
        case percentileSpectrum
    }

    struct Series {
        let name: String
        let points: [(x: Double, y: Double)]
        /// Dashed, for a second measure of the same run (service time beside latency).
        var dashed = false
    }

    enum Kind { case lines, bars }

    var id: String
    var title: String
    var description: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    var kind: Kind = .lines
    var xScale: Scale = .linear
    var yScale: Scale = .linear
    /// Added to the `<svg>` element's class ("per-second", "spectrum").
    var role: String = ""
    /// Horizontal dashed lines across the plot, labelled at the right (an SLO's limit).
    var referenceLines: [(y: Double, label: String)] = []
    /// Points circled and labelled (the capacity on a latency-vs-throughput curve).
    var markers: [(x: Double, y: Double, label: String)] = []

    /// The size in SVG units; the page scales it to the column, so a narrower chart has larger text.
    var width = 1000.0
    var height = 320.0
    private static let left = 78.0
    private static let right = 16.0
    private static let top = 34.0
    private static let bottom = 46.0

    /// The chart as an `<svg>` element.
    func render() -> String {
        let plotWidth = width - Self.left - Self.right
        let plotHeight = height - Self.top - Self.bottom
        let all = series.flatMap(\.points)
        let xs = all.map { transformX($0.x) }
        // Bars stand centred on their x values, half a bar's room on either side.
        let xRange: (lower: Double, upper: Double) =
            kind == .bars
            ? (lower: (xs.min() ?? 0) - 0.5, upper: (xs.max() ?? 0) + 0.5)
            : Self.range(xs.isEmpty ? [0, 1] : xs, startAtZero: xScale != .logarithmic)
        let ys = all.map(\.y) + referenceLines.map(\.y)
        let yRange =
            yScale == .logarithmic
            ? logRange(ys) : Self.rounded(Self.range(ys + [0], startAtZero: true))
        func px(_ x: Double) -> Double {
            let span = xRange.upper - xRange.lower
            return Self.left + (span == 0 ? 0 : (transformX(x) - xRange.lower) / span) * plotWidth
        }
        func py(_ y: Double) -> Double {
            let value = yScale == .logarithmic ? Self.log10(Swift.max(y, Self.power(10, yRange.lower))) : y
            let span = yRange.upper - yRange.lower
            return Self.top + plotHeight - (span == 0 ? 0 : (value - yRange.lower) / span) * plotHeight
        }
        var svg =
            "<svg class=\"chart \(role)\" id=\"\(id)\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" "
            + "role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\" xmlns=\"http://www.w3.org/2000/svg\">"
            + "<title id=\"\(id)-title\">\(HTML.escape(title))</title>"
            + "<desc id=\"\(id)-desc\">\(HTML.escape(description))</desc>"
        svg += "<g class=\"grid\">"
        for tick in yTicks(yRange) {
            let y = py(tick.value)
            svg += "<line x1=\"\(Self.f(Self.left))\" y1=\"\(Self.f(y))\" x2=\"\(Self.f(Self.left + plotWidth))\" "
            svg += "y2=\"\(Self.f(y))\"/>"
            svg += "<text class=\"tick\" x=\"\(Self.f(Self.left - 6))\" y=\"\(Self.f(y + 4))\" text-anchor=\"end\">"
            svg += "\(HTML.escape(tick.label))</text>"
        }
        for tick in xTicks(xRange) {
            let x =
                Self.left + (tick.position - xRange.lower) / Swift.max(1e-12, xRange.upper - xRange.lower) * plotWidth
            svg += "<line x1=\"\(Self.f(x))\" y1=\"\(Self.f(Self.top))\" x2=\"\(Self.f(x))\" "
            svg += "y2=\"\(Self.f(Self.top + plotHeight))\"/>"
            svg += "<text class=\"tick\" x=\"\(Self.f(x))\" y=\"\(Self.f(Self.top + plotHeight + 16))\" "
            svg += "text-anchor=\"middle\">\(HTML.escape(tick.label))</text>"
        }
        svg += "</g>"
        svg += "<rect class=\"frame\" x=\"\(Self.f(Self.left))\" y=\"\(Self.f(Self.top))\" "
        svg += "width=\"\(Self.f(plotWidth))\" height=\"\(Self.f(plotHeight))\"/>"
        svg += "<text class=\"axis-label\" x=\"\(Self.f(Self.left + plotWidth / 2))\" y=\"\(Self.f(height - 8))\" "
        svg += "text-anchor=\"middle\">\(HTML.escape(xLabel))</text>"
        svg +=
            "<text class=\"axis-label\" transform=\"translate(16 \(Self.f(Self.top + plotHeight / 2))) rotate(-90)\" "
        svg += "text-anchor=\"middle\">\(HTML.escape(yLabel))</text>"
        for (index, line) in series.enumerated() {
            let colour = "s\(index % 8)"
            switch kind {
            case .lines:
                let points = line.points.map { "\(Self.f(px($0.x))),\(Self.f(py($0.y)))" }.joined(separator: " ")
                svg += "<polyline class=\"series \(colour)\(line.dashed ? " dashed" : "")\" "
                svg += "data-series=\"\(HTML.escape(line.name))\" data-points=\"\(line.points.count)\" "
                svg += "points=\"\(points)\"/>"
            case .bars:
                let slot = plotWidth / Swift.max(1, xRange.upper - xRange.lower)
                svg += "<g class=\"series bars \(colour)\" data-series=\"\(HTML.escape(line.name))\" "
                svg += "data-points=\"\(line.points.count)\">"
                for point in line.points {
                    let y = py(point.y)
                    svg += "<rect x=\"\(Self.f(px(point.x) - slot * 0.4))\" y=\"\(Self.f(y))\" "
                    svg +=
                        "width=\"\(Self.f(Swift.max(0.5, slot * 0.8)))\" height=\"\(Self.f(Self.top + plotHeight - y))\"/>"
                }
                svg += "</g>"
            }
        }
        for line in referenceLines {
            let y = py(line.y)
            svg += "<g class=\"reference\"><line class=\"dashed\" x1=\"\(Self.f(Self.left))\" y1=\"\(Self.f(y))\" "
            svg += "x2=\"\(Self.f(Self.left + plotWidth))\" y2=\"\(Self.f(y))\"/>"
            svg += "<text x=\"\(Self.f(Self.left + plotWidth - 4))\" y=\"\(Self.f(y - 5))\" text-anchor=\"end\">"
            svg += "\(HTML.escape(line.label))</text></g>"
        }
        for marker in markers {
            let (x, y) = (px(marker.x), py(marker.y))
            svg += "<g class=\"marker\"><circle cx=\"\(Self.f(x))\" cy=\"\(Self.f(y))\" r=\"6\"/>"
            // Labelled towards the middle of the plot, so that a marker at an edge keeps its label inside.
            let rightHalf = x > Self.left + plotWidth / 2
            svg += "<text x=\"\(Self.f(rightHalf ? x - 10 : x + 10))\" y=\"\(Self.f(y - 12))\" "
            svg += "text-anchor=\"\(rightHalf ? "end" : "start")\">"
            svg += "\(HTML.escape(marker.label))</text></g>"
        }
        // The legend, left to right above the plot.
        var x = Self.left
        for (index, line) in series.enumerated() where series.count > 1 || kind == .lines {
            svg +=
                "<g class=\"legend s\(index % 8)\"><line x1=\"\(Self.f(x))\" y1=\"14\" x2=\"\(Self.f(x + 22))\" y2=\"14\""
            svg += line.dashed ? " class=\"dashed\"/>" : "/>"
            svg += "<text x=\"\(Self.f(x + 28))\" y=\"18\">\(HTML.escape(line.name))</text></g>"
            x += 40 + Double(line.name.count) * 7.2
        }
        return svg + "</svg>"
    }

    // MARK: Scales and ticks

    private func transformX(_ x: Double) -> Double {
        switch xScale {
        case .linear: return x
        case .logarithmic: return Self.log10(Swift.max(x, 1e-9))
        case .percentileSpectrum: return Self.log10(1 / Swift.max(1e-7, 1 - x / 100))
        }
    }

    /// From the lowest to the highest value (or zero), widened when they are equal.
    private static func range(_ values: [Double], startAtZero: Bool) -> (lower: Double, upper: Double) {
        let lower = startAtZero ? Swift.min(0, values.min() ?? 0) : (values.min() ?? 0)
        var upper = values.max() ?? 1
        if upper <= lower { upper = lower + 1 }
        return (lower, upper)
    }

    /// `range` widened up to its next round tick, so that the highest line stays inside the frame.
    private static func rounded(_ range: (lower: Double, upper: Double)) -> (lower: Double, upper: Double) {
        let ticks = niceTicks(range)
        guard ticks.count >= 2 else { return range }
        let step = ticks[1] - ticks[0]
        return (range.lower, (range.upper / step).rounded(.up) * step)
    }

    /// Exponents of ten that hold every positive value.
    private func logRange(_ values: [Double]) -> (lower: Double, upper: Double) {
        let positive = values.filter { $0 > 0 }
        guard let low = positive.min(), let high = positive.max() else { return (0, 1) }
        let lower = Self.log10(low).rounded(.down)
        var upper = Self.log10(high).rounded(.up)
        if upper <= lower { upper = lower + 1 }
        return (lower, upper)
    }

    private func yTicks(_ range: (lower: Double, upper: Double)) -> [(value: Double, label: String)] {
        if yScale == .logarithmic {
            return stride(from: range.lower, through: range.upper, by: 1).map { exponent in
                (Self.power(10, exponent), Self.label(Self.power(10, exponent)))
            }
        }
        return Self.niceTicks(range).map { ($0, Self.label($0)) }
    }

    private func xTicks(_ range: (lower: Double, upper: Double)) -> [(position: Double, label: String)] {
        switch xScale {
        case .percentileSpectrum:
            let ticks: [(Double, String)] = [
                (0, "0%"), (50, "50%"), (90, "90%"), (99, "99%"), (99.9, "99.9%"), (99.99, "99.99%"),
                (99.999, "99.999%"),
            ]
            // A label at the right edge would be cut off; the last one shown is the one before.
            let room = (range.upper - range.lower) * 0.04
            return ticks.map { (transformX($0.0), $0.1) }.filter { $0.0 <= range.upper - room || $0.0 == range.lower }
        case .logarithmic:
            return stride(from: range.lower.rounded(.up), through: range.upper, by: 1).map {
                ($0, Self.label(Self.power(10, $0)))
            }
        case .linear:
            let ticks = Self.niceTicks(range)
            // Bars are counted, seconds are whole: no tick between two of them.
            let whole = kind == .bars || series.allSatisfy { $0.points.allSatisfy { $0.x == $0.x.rounded() } }
            return (whole ? ticks.filter { $0 == $0.rounded() } : ticks).map { ($0, Self.label($0)) }
        }
    }

    /// About five round values (1, 2 or 5 times a power of ten apart) across `range`.
    static func niceTicks(_ range: (lower: Double, upper: Double)) -> [Double] {
        let span = range.upper - range.lower
        guard span > 0 else { return [range.lower] }
        let raw = span / 5
        let magnitude = power(10, log10(raw).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? magnitude * 10
        var ticks: [Double] = []
        var value = (range.lower / step).rounded(.up) * step
        while value <= range.upper + step * 1e-9 {
            ticks.append(value)
            value += step
        }
        return ticks
    }

    /// A tick label: grouped integers, up to three decimals below 10.
    static func label(_ value: Double) -> String {
        if value == value.rounded() && abs(value) >= 1 { return Format.grouped(Int(value)) }
        if abs(value) >= 10 { return Format.grouped(Int(value.rounded())) }
        var text = Format.fixed(value, 3)
        while text.contains("."), text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Coordinates with one decimal: small files, and no visible difference.
    static func f(_ value: Double) -> String { Format.fixed(value, 1) }

    static func log10(_ value: Double) -> Double { Glibc.log10(value) }
    static func power(_ base: Double, _ exponent: Double) -> Double { Glibc.pow(base, exponent) }
}
