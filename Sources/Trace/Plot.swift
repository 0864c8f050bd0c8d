// A small line plot of measured points, drawn two ways: a standalone SVG 1.1 document
// (for `--svg` and the README) and a chart of characters for the terminal. Made for
// the lab's curves against sizes — the x axis is log2 (each doubling one step), the y
// axis linear or log10 — with labelled vertical markers (a cache's size) in the colour
// of their series. Fixed palette and number formatting: the same plot, the same bytes.

/// Points in series, with markers, on a log2 x axis.
public struct Plot: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) { self.x = x; self.y = y }
    }

    /// A vertical line at `x` with a label ("L1D 32 KiB").
    public struct Marker: Sendable, Equatable {
        public var x: Double
        public var label: String
        public init(x: Double, label: String) { self.x = x; self.label = label }
    }

    public struct Series: Sendable, Equatable {
        public var name: String
        public var points: [Point]
        public var markers: [Marker]
        public init(name: String, points: [Point], markers: [Marker] = []) {
            self.name = name
            self.points = points
            self.markers = markers
        }
    }

    public enum Scale: Sendable, Equatable { case linear, log10 }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var yScale: Scale
    public var series: [Series]
    /// The text of an x tick (the x values are powers of two): "4 KiB".
    public var xTickText: @Sendable (Double) -> String
    /// The same, short, for the terminal's narrow columns: "4K".
    public var xShortText: @Sendable (Double) -> String

    public init(title: String, xLabel: String, yLabel: String, yScale: Scale = .linear, series: [Series],
                xTickText: @escaping @Sendable (Double) -> String = { plotNumber($0) },
                xShortText: (@Sendable (Double) -> String)? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.yScale = yScale
        self.series = series
        self.xTickText = xTickText
        self.xShortText = xShortText ?? { String(xTickText($0).filter { $0 != " " }) }
    }

    public static func == (left: Plot, right: Plot) -> Bool {
        left.title == right.title && left.xLabel == right.xLabel && left.yLabel == right.yLabel
            && left.yScale == right.yScale && left.series == right.series
    }

    /// Okabe-Ito, as the timeline: distinguishable with the common colour-vision deficiencies.
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]
    /// The terminal chart's symbol for each series.
    static let symbols: [Character] = ["*", "o", "+", "x", "#", "@", "%"]

    // MARK: ranges

    var points: [Point] { series.flatMap(\.points).filter { $0.x > 0 && $0.y.isFinite && (yScale == .linear || $0.y > 0) } }

    /// log2 of the smallest and largest x (markers included), at least one step apart.
    var xRange: (low: Double, high: Double) {
        let xs = points.map(\.x) + series.flatMap(\.markers).map(\.x).filter { $0 > 0 }
        let low = (xs.min() ?? 1).log2Value.rounded(.down), high = (xs.max() ?? 2).log2Value.rounded(.up)
        return (low, max(high, low + 1))
    }

    /// The y axis: from 0 (linear) or a power of ten below the lowest (log10) to a round value above the highest.
    var yRange: (low: Double, high: Double) {
        let ys = points.map(\.y)
        switch yScale {
        case .linear:
            let high = Self.roundUp(max(ys.max() ?? 1, 1e-9))
            return (0, high)
        case .log10:
            let low = (ys.min() ?? 1).log10Value.rounded(.down), high = (ys.max() ?? 10).log10Value.rounded(.up)
            return (low, max(high, low + 1))
        }
    }

    /// A value's position from 0 (bottom) to 1 (top).
    func yFraction(_ y: Double) -> Double {
        let range = yRange
        let value = yScale == .log10 ? max(y, 1e-300).log10Value : y
        return (value - range.low) / max(1e-12, range.high - range.low)
    }

    func xFraction(_ x: Double) -> Double {
        let range = xRange
        return (max(x, 1e-300).log2Value - range.low) / (range.high - range.low)
    }

    /// The y ticks: 5 steps of a round size (linear), or 1, 2, 5 per decade (log10).
    var yTicks: [Double] {
        let range = yRange
        switch yScale {
        case .linear:
            let step = range.high / 5
            return (0...5).map { Double($0) * step }
        case .log10:
            var ticks: [Double] = []
            var decade = range.low
            while decade <= range.high {
                let base = Self.power10(decade)
                for factor in [1.0, 2, 5] where (base * factor).log10Value <= range.high + 1e-9 { ticks.append(base * factor) }
                decade += 1
            }
            return ticks
        }
    }

    /// 1, 2 or 5 times a power of ten, at least `value`.
    static func roundUp(_ value: Double) -> Double {
        var base = power10(value.log10Value.rounded(.down))
        while true {
            for factor in [1.0, 2, 5, 10] where base * factor >= value * (1 - 1e-12) { return base * factor }
            base *= 10
        }
    }

    static func power10(_ exponent: Double) -> Double {
        var result = 1.0
        if exponent >= 0 { for _ in 0..<Int(exponent) { result *= 10 } } else { for _ in 0..<Int(-exponent) { result /= 10 } }
        return result
    }
}

// MARK: SVG

extension Plot {
    static let width = 900.0, height = 520.0, left = 80.0, right = 24.0, top = 70.0, bottom = 90.0

    /// The plot as a standalone SVG document.
    public func svg() -> String {
        var lines: [String] = []
        let plotWidth = Self.width - Self.left - Self.right, plotHeight = Self.height - Self.top - Self.bottom
        func px(_ x: Double) -> Double { Self.left + xFraction(x) * plotWidth }
        func py(_ y: Double) -> Double { Self.top + (1 - yFraction(y)) * plotHeight }
        let legendRows = (series.count + 2) / 3
        let totalHeight = Self.height + Double(legendRows) * 20
        lines.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        lines.append("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(Self.width.plotText)\" height=\"\(totalHeight.plotText)\" viewBox=\"0 0 \(Self.width.plotText) \(totalHeight.plotText)\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">")
        lines.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>")
        lines.append("<text x=\"16\" y=\"30\" font-size=\"20\" font-weight=\"bold\">\(plotEscape(title))</text>")
        // Grid and y ticks.
        for tick in yTicks {
            let y = py(tick)
            lines.append("<line x1=\"\(Self.left.plotText)\" y1=\"\(y.plotText)\" x2=\"\((Self.width - Self.right).plotText)\" y2=\"\(y.plotText)\" stroke=\"#dddddd\"/>")
            lines.append("<text x=\"\((Self.left - 8).plotText)\" y=\"\((y + 4).plotText)\" text-anchor=\"end\">\(plotEscape(plotNumber(tick)))</text>")
        }
        // x ticks, one per power of two; the text on every other when they would crowd.
        let range = xRange
        let steps = Int(range.high - range.low)
        let every = steps > 14 ? 2 : 1
        for step in 0...steps {
            let x = Self.power2(range.low + Double(step)), position = px(x)
            lines.append("<line x1=\"\(position.plotText)\" y1=\"\((Self.height - Self.bottom).plotText)\" x2=\"\(position.plotText)\" y2=\"\((Self.height - Self.bottom + 5).plotText)\" stroke=\"#444444\"/>")
            if step % every == 0 {
                lines.append("<text x=\"\(position.plotText)\" y=\"\((Self.height - Self.bottom + 20).plotText)\" text-anchor=\"middle\">\(plotEscape(xTickText(x)))</text>")
            }
        }
        // Axes and their labels.
        lines.append("<line x1=\"\(Self.left.plotText)\" y1=\"\(Self.top.plotText)\" x2=\"\(Self.left.plotText)\" y2=\"\((Self.height - Self.bottom).plotText)\" stroke=\"#444444\"/>")
        lines.append("<line x1=\"\(Self.left.plotText)\" y1=\"\((Self.height - Self.bottom).plotText)\" x2=\"\((Self.width - Self.right).plotText)\" y2=\"\((Self.height - Self.bottom).plotText)\" stroke=\"#444444\"/>")
        lines.append("<text x=\"\((Self.left + plotWidth / 2).plotText)\" y=\"\((Self.height - Self.bottom + 44).plotText)\" text-anchor=\"middle\">\(plotEscape(xLabel))</text>")
        lines.append("<text x=\"18\" y=\"\((Self.top + plotHeight / 2).plotText)\" text-anchor=\"middle\" transform=\"rotate(-90 18 \((Self.top + plotHeight / 2).plotText))\">\(plotEscape(yLabel))</text>")
        // Markers, their labels in the first row above the plot where they fit (right-aligned
        // at the right edge), then the series over them.
        let markers = series.enumerated().flatMap { index, series in series.markers.filter { $0.x > 0 }.map { (index, $0) } }
            .sorted { $0.1.x < $1.1.x }
        var rowEnds: [Double] = []
        for (index, marker) in markers {
            let colour = Self.palette[index % Self.palette.count]
            let x = px(marker.x), labelWidth = Double(marker.label.count) * 5.6
            let rightAligned = x + 3 + labelWidth > Self.width - 4
            let (start, end) = rightAligned ? (x - 3 - labelWidth, x - 3) : (x + 3, x + 3 + labelWidth)
            let row = rowEnds.firstIndex { $0 < start } ?? rowEnds.count
            if row == rowEnds.count { rowEnds.append(end) } else { rowEnds[row] = end }
            let labelY = Self.top - 6 - Double(min(row, 3)) * 12
            lines.append("<line x1=\"\(x.plotText)\" y1=\"\(Self.top.plotText)\" x2=\"\(x.plotText)\" y2=\"\((Self.height - Self.bottom).plotText)\" stroke=\"\(colour)\" stroke-dasharray=\"4 4\" stroke-opacity=\"0.7\"/>")
            lines.append("<text x=\"\((rightAligned ? x - 3 : x + 3).plotText)\" y=\"\(labelY.plotText)\" font-size=\"10\" fill=\"\(colour)\"\(rightAligned ? " text-anchor=\"end\"" : "")>\(plotEscape(marker.label))</text>")
        }
        for (index, series) in series.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            let shown = series.points.filter { $0.x > 0 && $0.y.isFinite && (yScale == .linear || $0.y > 0) }
            let path = shown.map { "\(px($0.x).plotText),\(py($0.y).plotText)" }.joined(separator: " ")
            if !shown.isEmpty {
                lines.append("<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>")
            }
            for point in shown {
                lines.append("<circle cx=\"\(px(point.x).plotText)\" cy=\"\(py(point.y).plotText)\" r=\"3\" fill=\"\(colour)\"><title>\(plotEscape("\(series.name): \(xTickText(point.x)), \(plotNumber(point.y))"))</title></circle>")
            }
        }
        // Legend.
        for (index, series) in series.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            let x = 16 + Double(index % 3) * 290, y = Self.height - 16 + Double(index / 3) * 20
            lines.append("<line x1=\"\(x.plotText)\" y1=\"\((y - 4).plotText)\" x2=\"\((x + 22).plotText)\" y2=\"\((y - 4).plotText)\" stroke=\"\(colour)\" stroke-width=\"2\"/>")
            lines.append("<text x=\"\((x + 28).plotText)\" y=\"\(y.plotText)\">\(plotEscape(series.name))</text>")
        }
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    static func power2(_ exponent: Double) -> Double {
        var result = 1.0
        if exponent >= 0 { for _ in 0..<Int(exponent) { result *= 2 } } else { for _ in 0..<Int(-exponent) { result /= 2 } }
        return result
    }
}

// MARK: terminal

extension Plot {
    /// The plot in characters: `height` rows, one column group per power of two, each
    /// series' points as its symbol (`*`, `o`, …) and its markers as `|` below the axis;
    /// then the x labels and a legend line per series naming its markers.
    public func terminal(height: Int = 14, columnWidth: Int = 4) -> [String] {
        let rows = max(4, height), width = max(2, columnWidth)
        let range = xRange, steps = Int(range.high - range.low)
        let labels = yTicks.map { plotNumber($0) }
        let margin = (labels.map(\.count).max() ?? 1) + 1
        var grid = Array(repeating: Array(repeating: Character(" "), count: (steps + 1) * width), count: rows)
        func row(_ y: Double) -> Int { rows - 1 - min(rows - 1, max(0, Int((yFraction(y) * Double(rows - 1)).rounded()))) }
        func column(_ x: Double) -> Int { min((steps + 1) * width - 1, max(0, Int((xFraction(x) * Double(steps)).rounded()) * width + width / 2)) }
        for (index, series) in series.enumerated() {
            let symbol = Self.symbols[index % Self.symbols.count]
            for point in series.points where point.x > 0 && point.y.isFinite && (yScale == .linear || point.y > 0) {
                let r = row(point.y), c = column(point.x)
                grid[r][c] = grid[r][c] == " " || grid[r][c] == symbol ? symbol : "&"
            }
        }
        // y labels on the rows nearest each tick.
        var rowLabels = Array(repeating: "", count: rows)
        for (tick, label) in zip(yTicks, labels) where rowLabels[row(tick)].isEmpty { rowLabels[row(tick)] = label }
        var lines = [yLabel]
        for index in 0..<rows {
            let label = rowLabels[index]
            lines.append(String(repeating: " ", count: margin - label.count) + label + "|" + String(grid[index]).trimmingTrailing())
        }
        lines.append(String(repeating: " ", count: margin) + "+" + String(repeating: "-", count: (steps + 1) * width))
        for (index, series) in series.enumerated() where !series.markers.isEmpty {
            var marks = Array(repeating: Character(" "), count: (steps + 1) * width)
            for marker in series.markers where marker.x > 0 { marks[column(marker.x)] = "|" }
            lines.append(String(repeating: " ", count: margin) + " " + String(marks).trimmingTrailing()
                         + "   \(Self.symbols[index % Self.symbols.count]) " + series.markers.map(\.label).joined(separator: ", "))
        }
        // x labels: on every other column group when they do not fit.
        var axis = Array(repeating: Character(" "), count: (steps + 1) * width + 8)
        var step = 0
        while step <= steps {
            let text = Array(xShortText(Self.power2(range.low + Double(step))))
            let start = step * width
            if start + text.count <= axis.count, axis[start..<(start + text.count)].allSatisfy({ $0 == " " }),
               start == 0 || axis[start - 1] == " " {
                for (offset, character) in text.enumerated() { axis[start + offset] = character }
            }
            step += 1
        }
        lines.append(String(repeating: " ", count: margin) + " " + String(axis).trimmingTrailing())
        lines.append(String(repeating: " ", count: margin) + " " + xLabel)
        lines.append(series.enumerated().map { "\(Self.symbols[$0.offset % Self.symbols.count]) \($0.element.name)" }.joined(separator: "   "))
        return lines
    }
}

/// A number for axes and tooltips: integers plainly, others with up to two decimals.
public func plotNumber(_ value: Double) -> String {
    guard value.isFinite else { return "-" }
    if value == value.rounded(), abs(value) < 1e15 { return "\(Int64(value))" }
    let hundredths = Int64((value * 100).rounded())
    let whole = hundredths.magnitude / 100, part = hundredths.magnitude % 100
    let digits = part % 10 == 0 ? "\(part / 10)" : (part < 10 ? "0\(part)" : "\(part)")
    return (hundredths < 0 ? "-" : "") + "\(whole).\(digits)"
}

private func plotEscape(_ text: String) -> String {
    var result = ""
    for character in text {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        default: result.append(character)
        }
    }
    return result
}

extension Double {
    /// One decimal, the same on every host.
    fileprivate var plotText: String {
        guard isFinite else { return "0" }
        let tenths = Int64((self * 10).rounded())
        return (tenths < 0 ? "-" : "") + "\(tenths.magnitude / 10).\(tenths.magnitude % 10)"
    }

    /// log2 without Foundation: the exponent, then the fraction from the significand's log.
    fileprivate var log2Value: Double {
        guard self > 0, isFinite else { return 0 }
        let exponent = Double(self.exponent), significand = self.significand   // in [1, 2)
        return exponent + Double.naturalLog(significand) / Double.naturalLog(2)
    }

    fileprivate var log10Value: Double { log2Value / 3.321928094887362 }

    /// ln(x) for x in (0, 4) by the series of atanh: ln x = 2 atanh((x-1)/(x+1)).
    fileprivate static func naturalLog(_ x: Double) -> Double {
        let t = (x - 1) / (x + 1), t2 = t * t
        var term = t, sum = 0.0, n = 1.0
        for _ in 0..<40 { sum += term / n; term *= t2; n += 2 }
        return 2 * sum
    }
}

extension String {
    fileprivate func trimmingTrailing() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
