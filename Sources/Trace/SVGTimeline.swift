// The SVG timeline: the same picture as the terminal timeline, as a standalone SVG 1.1
// document for slides and the README. A title, a time axis in simulated milliseconds
// with grid lines, one lane per hart (bars coloured by thread) and one per thread
// (running, ready, blocked), switch markers with their reason, guest marks as ticks,
// futex wake arrows, and a legend. Fixed palette (Okabe-Ito), fixed number formatting
// and sorted iteration: the same log gives the same bytes.

/// Draws a `TraceLog` as an SVG document about 1200 px wide.
public struct SVGTimeline {
    public let log: TraceLog
    /// The cycles shown (the caller validated a zoom window with `TraceLog.window`).
    public let window: ClosedRange<UInt64>
    /// The cycle the run ended at, when later than its last event (open slices run to it).
    public let endCycle: UInt64?
    public let title: String

    public init(log: TraceLog, window: ClosedRange<UInt64>? = nil, endCycle: UInt64? = nil, title: String? = nil) {
        self.log = log
        self.window = window ?? log.span.lowerBound...max(log.span.upperBound, endCycle ?? 0)
        self.endCycle = endCycle
        self.title = title ?? "Interleave timeline"
    }

    /// Okabe-Ito: distinguishable with the common colour-vision deficiencies.
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
    static let width = 1200.0
    static let left = 240.0
    static let right = 24.0
    static let laneHeight = 30.0
    /// Switch markers and wake arrows closer than this many pixels to the previous are left out.
    static let minimumGap = 7.0
    static let maximumArrows = 300

    public func render() -> String {
        var svg = Canvas()
        let threads = log.threads.filter { $0 > 0 }
        let colours = Dictionary(uniqueKeysWithValues: threads.enumerated().map { ($1, Self.palette[$0 % Self.palette.count]) })
        let slices = log.runSlices(endCycle: endCycle).filter { $0.end >= window.lowerBound && $0.start <= window.upperBound }
        let hartCount = max(log.harts, (slices.map(\.hart).max() ?? -1) + 1)

        let axisY = 84.0
        let hartsTop = axisY + 30
        let threadsTop = hartsTop + Double(hartCount) * Self.laneHeight + 26
        let contexts = log.acceleratorLanes(endCycle: endCycle)
        let contextsTop = threadsTop + Double(threads.count) * Self.laneHeight + (contexts.isEmpty ? 0 : 26)
        let lanesBottom = contextsTop + Double(contexts.count) * Self.laneHeight
        let legend = legendItems(threads: threads, colours: colours, slices: slices)
        let legendRows = Self.layout(legend)
        let height = lanesBottom + 60 + Double(legendRows.count) * 22 + 4

        svg.line("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        svg.line("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(Self.width.svg)\" height=\"\(height.svg)\" viewBox=\"0 0 \(Self.width.svg) \(height.svg)\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">")
        svg.line("<defs>")
        svg.line("<pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"3\" height=\"6\" fill=\"#ffffff\" fill-opacity=\"0.6\"/></pattern>")
        svg.line("<marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"7\" refY=\"4\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#444444\"/></marker>")
        svg.line("</defs>")
        svg.line("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>")
        svg.line("<text x=\"16\" y=\"30\" font-size=\"20\" font-weight=\"bold\">\(escape(title))</text>")
        svg.line("<text x=\"16\" y=\"52\" fill=\"#444444\">\(escape(subtitle(threads: threads.count, harts: hartCount)))</text>")
        if log.events.isEmpty {
            svg.line("<text x=\"\(Self.left.svg)\" y=\"\((hartsTop + 18).svg)\" fill=\"#444444\">No events were recorded.</text>")
        }

        axis(&svg, y: axisY, bottom: lanesBottom)
        svg.line("<g id=\"harts\">")
        svg.line("<text x=\"16\" y=\"\((hartsTop - 8).svg)\" font-weight=\"bold\">Harts</text>")
        for hart in 0..<hartCount {
            let top = hartsTop + Double(hart) * Self.laneHeight
            laneBackground(&svg, top: top, label: "hart \(hart)", index: hart)
            var thinning = Thinning()
            for slice in slices where slice.hart == hart {
                let x0 = x(slice.start), x1 = x(slice.end)
                guard thinning.admit(x0, x1) else { continue }
                let colour = colours[slice.tid] ?? "#999999"
                svg.line("<rect x=\"\(x0.svg)\" y=\"\((top + 6).svg)\" width=\"\(max(0.5, x1 - x0).svg)\" height=\"18\" fill=\"\(colour)\"><title>\(escape(tooltip(slice)))</title></rect>")
            }
        }
        svg.line("</g>")

        svg.line("<g id=\"threads\">")
        svg.line("<text x=\"16\" y=\"\((threadsTop - 8).svg)\" font-weight=\"bold\">Threads</text>")
        var laneTop: [Int32: Double] = [:]
        for (index, tid) in threads.enumerated() { laneTop[tid] = threadsTop + Double(index) * Self.laneHeight }
        let waits = self.waits()
        for (index, tid) in threads.enumerated() {
            let top = threadsTop + Double(index) * Self.laneHeight
            let colour = colours[tid] ?? "#999999"
            laneBackground(&svg, top: top, label: log.threadTitle(tid), index: index)
            var thinning = Thinning()
            for wait in waits[tid] ?? [] where wait.end >= window.lowerBound && wait.start <= window.upperBound {
                let x0 = x(wait.start), x1 = x(wait.end)
                guard thinning.admit(x0, x1) else { continue }
                let text = "\(log.threadTitle(tid)): \(wait.blocked ? "blocked (\(wait.why))" : "ready") \(span(wait.start, wait.end))"
                if wait.blocked {
                    svg.line("<rect x=\"\(x0.svg)\" y=\"\((top + 14).svg)\" width=\"\(max(0.5, x1 - x0).svg)\" height=\"2\" fill=\"#888888\"><title>\(escape(text))</title></rect>")
                } else {
                    svg.line("<g><title>\(escape(text))</title><rect x=\"\(x0.svg)\" y=\"\((top + 8).svg)\" width=\"\(max(0.5, x1 - x0).svg)\" height=\"14\" fill=\"\(colour)\" fill-opacity=\"0.3\"/><rect x=\"\(x0.svg)\" y=\"\((top + 8).svg)\" width=\"\(max(0.5, x1 - x0).svg)\" height=\"14\" fill=\"url(#hatch)\"/></g>")
                }
            }
            var lastMarker = -Double.infinity
            thinning = Thinning()
            for slice in slices.filter({ $0.tid == tid }).sorted(by: { ($0.start, $0.hart) < ($1.start, $1.hart) }) {
                let x0 = x(slice.start), x1 = x(slice.end)
                if thinning.admit(x0, x1) { svg.line("<rect x=\"\(x0.svg)\" y=\"\((top + 6).svg)\" width=\"\(max(0.5, x1 - x0).svg)\" height=\"18\" fill=\"\(colour)\"><title>\(escape(tooltip(slice)))</title></rect>") }
                if let stop = slice.stop, window.contains(slice.end), x1 - lastMarker >= Self.minimumGap {
                    lastMarker = x1
                    svg.line("<g class=\"switch\"><title>\(escape("\(log.threadTitle(tid)) left hart \(slice.hart) at \(log.format(log.milliseconds(slice.end))) ms: \(stop.label)"))</title><path d=\"M\(x1.svg),\((top + 6).svg) l-3,-5 h6 z\" fill=\"#222222\"/><text x=\"\(x1.svg)\" y=\"\((top + 30).svg)\" font-size=\"8\" text-anchor=\"middle\" fill=\"#222222\">\(Self.code(stop))</text></g>")
                }
            }
        }
        marks(&svg, laneTop: laneTop)
        svg.line("</g>")
        arrows(&svg, laneTop: laneTop)
        acceleratorLanes(&svg, contexts, top: contextsTop, colours: colours)

        var y = lanesBottom + 60
        svg.line("<g id=\"legend\">")
        svg.line("<text x=\"16\" y=\"\((lanesBottom + 34).svg)\" font-weight=\"bold\">Legend</text>")
        for row in legendRows {
            for (x, item) in row { svg.line(item.svg(x: x, y: y)) }
            y += 22
        }
        svg.line("</g>")
        svg.line("</svg>")
        return svg.text
    }

    // MARK: geometry and text

    private var plotWidth: Double { Self.width - Self.left - Self.right }
    private var length: UInt64 { max(1, window.upperBound - window.lowerBound) }

    /// The x position of `cycle`, clamped to the window.
    func x(_ cycle: UInt64) -> Double {
        let clamped = min(max(cycle, window.lowerBound), window.upperBound)
        return Self.left + Double(clamped - window.lowerBound) / Double(length) * plotWidth
    }

    private func subtitle(threads: Int, harts: Int) -> String {
        let hz = log.clockFrequency
        let clock = hz % 1_000_000 == 0 ? "\(hz / 1_000_000) MHz" : hz % 1000 == 0 ? "\(hz / 1000) kHz" : "\(hz) Hz"
        var text = "\(log.format(log.milliseconds(window.lowerBound))) ms to \(log.format(log.milliseconds(window.upperBound))) ms "
            + "(cycles \(window.lowerBound) to \(window.upperBound)), \(harts) \(harts == 1 ? "hart" : "harts"), "
            + "\(threads) \(threads == 1 ? "thread" : "threads"), clock \(clock)"
        if log.dropped > 0 { text += "; the trace buffer dropped the first \(log.dropped) events" }
        return text
    }

    private func span(_ start: UInt64, _ end: UInt64) -> String {
        "from \(log.format(log.milliseconds(start))) ms to \(log.format(log.milliseconds(end))) ms"
    }

    private func tooltip(_ slice: TraceLog.RunSlice) -> String {
        var text = "\(log.threadTitle(slice.tid)) on hart \(slice.hart) \(span(slice.start, slice.end))"
        guard let stop = slice.stop else { return text + ", still running" }
        text += ", then \(stop.label)"
        switch stop {
        case .blockedOnFutex: text += " 0x" + String(slice.object, radix: 16)
        case .joining: text += " thread \(Int32(truncatingIfNeeded: slice.object))"
        case .sleeping: text += " until cycle \(slice.object)"
        case .exited: text += " status \(Int32(truncatingIfNeeded: slice.object))"
        default: break
        }
        return text
    }

    func laneBackground(_ svg: inout Canvas, top: Double, label: String, index: Int) {
        let short = label.count > 34 ? String(label.prefix(33)) + "…" : label
        svg.line("<text x=\"16\" y=\"\((top + 19).svg)\"><title>\(escape(label))</title>\(escape(short))</text>")
        if index % 2 == 0 {
            svg.line("<rect x=\"\(Self.left.svg)\" y=\"\(top.svg)\" width=\"\(plotWidth.svg)\" height=\"\(Self.laneHeight.svg)\" fill=\"#000000\" fill-opacity=\"0.03\"/>")
        }
    }

    /// Tick labels in milliseconds every 1, 2 or 5 × 10^k ms, about eight of them.
    private func axis(_ svg: inout Canvas, y: Double, bottom: Double) {
        svg.line("<g id=\"axis\" fill=\"#444444\">")
        svg.line("<text x=\"16\" y=\"\(y.svg)\">time (ms)</text>")
        svg.line("<line x1=\"\(Self.left.svg)\" y1=\"\((y + 6).svg)\" x2=\"\((Self.left + plotWidth).svg)\" y2=\"\((y + 6).svg)\" stroke=\"#444444\"/>")
        let hz = Double(log.clockFrequency)
        let startMs = Double(window.lowerBound) * 1000 / hz, endMs = Double(window.upperBound) * 1000 / hz
        let target = max((endMs - startMs) / 8, 1e-9)
        var power = 1.0, exponent = 0
        while power * 10 <= target, exponent < 15 { power *= 10; exponent += 1 }
        while power > target, exponent > -9 { power /= 10; exponent -= 1 }
        let mantissa: Int64 = target / power < 1.5 ? 1 : target / power < 3.5 ? 2 : target / power < 7.5 ? 5 : 10
        let step = Double(mantissa) * power
        var index = Int64((startMs / step).rounded(.up))
        var drawn = 0
        while Double(index) * step <= endMs + step * 1e-9, drawn < 40 {
            let ms = Double(index) * step
            let px = Self.left + (ms - startMs) / max(endMs - startMs, 1e-12) * plotWidth
            let label = Self.decimal(index * mantissa, exponent: exponent)
            svg.line("<line x1=\"\(px.svg)\" y1=\"\((y + 6).svg)\" x2=\"\(px.svg)\" y2=\"\(bottom.svg)\" stroke=\"#dddddd\"/>")
            svg.line("<line x1=\"\(px.svg)\" y1=\"\((y + 2).svg)\" x2=\"\(px.svg)\" y2=\"\((y + 10).svg)\" stroke=\"#444444\"/>")
            svg.line("<text x=\"\(px.svg)\" y=\"\((y - 2).svg)\" text-anchor=\"middle\">\(label)</text>")
            index += 1
            drawn += 1
        }
        svg.line("</g>")
    }

    /// `value` × 10^exponent written out with exactly the decimals it needs.
    static func decimal(_ value: Int64, exponent: Int) -> String {
        if exponent >= 0 { return String(value) + String(repeating: "0", count: exponent) }
        let places = -exponent
        var digits = String(value.magnitude)
        if digits.count <= places { digits = String(repeating: "0", count: places + 1 - digits.count) + digits }
        let point = digits.index(digits.endIndex, offsetBy: -places)
        return (value < 0 ? "-" : "") + digits[..<point] + "." + digits[point...]
    }

    // MARK: thread states, marks and wakes

    struct Wait {
        var start: UInt64
        var end: UInt64
        var blocked: Bool
        var why: String
    }

    /// Per thread, when it was ready (waiting for a hart) or blocked (TraceLog.waitStretches),
    /// leaving out waits of no length, with what a blocked one waited on.
    func waits() -> [Int32: [Wait]] {
        log.waitStretches(until: max(log.span.upperBound, endCycle ?? 0)).mapValues { stretches in
            stretches.filter { $0.end > $0.start }.map { stretch in
                var why = stretch.stop?.label ?? ""
                if stretch.stop == .blockedOnFutex { why += " 0x" + String(stretch.object, radix: 16) }
                return Wait(start: stretch.start, end: stretch.end, blocked: stretch.blocked, why: why)
            }
        }.filter { !$0.value.isEmpty }
    }

    static func markColour(_ kind: MarkKind) -> String {
        switch kind {
        case .contended: "#D55E00"
        case .acquired: "#009E73"
        case .release: "#0072B2"
        case .acquire: "#999999"
        case .count: "#CC79A7"
        case .user: "#000000"
        case .begin, .end: "#666666"
        }
    }

    private func marks(_ svg: inout Canvas, laneTop: [Int32: Double]) {
        var last: [Int32: Double] = [:]
        /// Where the last label's text ends on each lane: a label is written out only where it fits.
        var textEnd: [Int32: Double] = [:]
        for event in log.events where window.contains(event.cycle) {
            let tid: Int32, colour: String, text: String
            switch event.kind {
            case .mark(let thread, let kind, let object, let value):
                tid = thread
                colour = Self.markColour(kind)
                text = "\(kind.label) 0x\(String(object, radix: 16))" + (value != 0 ? " (\(value))" : "")
            case .label(let thread, let label):
                tid = thread
                colour = "#444444"
                text = log.string(label)
            default: continue
            }
            guard let top = laneTop[tid] else { continue }
            let px = x(event.cycle)
            if let previous = last[tid], px - previous < 1 { continue }
            last[tid] = px
            svg.line("<rect x=\"\((px - 0.75).svg)\" y=\"\((top + 1).svg)\" width=\"1.5\" height=\"7\" fill=\"\(colour)\"><title>\(escape("\(log.threadTitle(tid)) at \(log.format(log.milliseconds(event.cycle))) ms: \(text)"))</title></rect>")
            if case .label = event.kind, px + 2 >= textEnd[tid] ?? -.infinity {
                // Guest labels ("read", "write") are what the person wanted to see: written
                // beside the tick, with a white halo so they read over a bar too.
                svg.line("<text x=\"\((px + 2).svg)\" y=\"\((top + 8).svg)\" font-size=\"9\" fill=\"#222222\" stroke=\"#FFFFFF\" stroke-width=\"2.5\" paint-order=\"stroke\">\(escape(text))</text>")
                textEnd[tid] = px + 2 + 5.5 * Double(text.count) + 4
            }
        }
    }

    /// Futex wakes: an arrow from the waker's lane to the woken thread's next run.
    private func wakes() -> [(waker: Int32, woken: Int32, from: UInt64, to: UInt64)] {
        var pending: [Int32: (waker: Int32, cycle: UInt64)] = [:]
        var result: [(waker: Int32, woken: Int32, from: UInt64, to: UInt64)] = []
        for event in log.events {
            switch event.kind {
            case .futexWake(let tid, _, let woken) where woken > 0:
                pending[woken] = (tid, event.cycle)
            case .threadRuns(let tid, _):
                if let wake = pending.removeValue(forKey: tid) { result.append((wake.waker, tid, wake.cycle, max(event.cycle, wake.cycle))) }
            default: break
            }
        }
        return result.filter { window.contains($0.from) || window.contains($0.to) }
    }

    private func arrows(_ svg: inout Canvas, laneTop: [Int32: Double]) {
        let wakes = self.wakes()
        guard !wakes.isEmpty, wakes.count <= Self.maximumArrows else { return }
        svg.line("<g id=\"wakes\" stroke=\"#444444\" stroke-width=\"1\" fill=\"none\">")
        for wake in wakes {
            guard let from = laneTop[wake.waker], let to = laneTop[wake.woken], from != to else { continue }
            let y0 = from + 15, y1 = to + (to > from ? 4 : 26)
            svg.line("<line x1=\"\(x(wake.from).svg)\" y1=\"\(y0.svg)\" x2=\"\(x(wake.to).svg)\" y2=\"\(y1.svg)\" marker-end=\"url(#arrow)\"><title>\(escape("\(log.threadTitle(wake.waker)) woke \(log.threadTitle(wake.woken))"))</title></line>")
        }
        svg.line("</g>")
    }

    static func code(_ reason: ThreadStopReason) -> String {
        switch reason {
        case .sliceExpired: "S"
        case .yielded: "Y"
        case .preempted: "P"
        case .migrated: "M"
        case .programWaits: "W"
        case .exited: "X"
        case .blockedOnFutex: "F"
        case .sleeping: "Z"
        case .joining: "J"
        case .waitingForChild: "C"
        case .waitingForMessage: "Q"
        case .waitingForIO: "I"
        case .waitingForSignal: "G"
        case .stopped: "T"
        }
    }

    // MARK: legend

    struct LegendItem {
        /// Draws the sample, given the item's left edge and text baseline.
        var swatch: (_ x: Double, _ y: Double) -> String
        var label: String
        var width: Double { 30 + Double(label.count) * 6.6 + 18 }

        func svg(x: Double, y: Double) -> String {
            "<g>\(swatch(x, y))<text x=\"\((x + 28).svg)\" y=\"\(y.svg)\">\(escape(label))</text></g>"
        }
    }

    static func box(_ fill: String, opacity: String? = nil) -> (Double, Double) -> String {
        { x, y in "<rect x=\"\(x.svg)\" y=\"\((y - 10).svg)\" width=\"22\" height=\"12\" fill=\"\(fill)\"" + (opacity.map { " fill-opacity=\"\($0)\"" } ?? "") + "/>" }
    }

    private func legendItems(threads: [Int32], colours: [Int32: String], slices: [TraceLog.RunSlice]) -> [LegendItem] {
        var items: [LegendItem] = threads.map { tid in LegendItem(swatch: Self.box(colours[tid] ?? "#999999"), label: log.threadTitle(tid)) }
        items.append(LegendItem(swatch: Self.box("#777777"), label: "running"))
        items.append(LegendItem(swatch: { x, y in Self.box("#777777", opacity: "0.3")(x, y) + Self.box("url(#hatch)")(x, y) },
                                label: "ready (waiting for a hart)"))
        items.append(LegendItem(swatch: { x, y in "<rect x=\"\(x.svg)\" y=\"\((y - 5).svg)\" width=\"22\" height=\"2\" fill=\"#888888\"/>" },
                                label: "blocked"))
        let reasons = Set(slices.compactMap(\.stop))
        for reason in ThreadStopReason.allCases where reasons.contains(reason) {
            items.append(LegendItem(swatch: { x, y in "<text x=\"\((x + 11).svg)\" y=\"\(y.svg)\" font-size=\"10\" text-anchor=\"middle\">\(Self.code(reason))</text>" },
                                    label: "switch: \(reason.label)"))
        }
        var kinds = Set<UInt8>()
        for event in log.events { if case .mark(_, let kind, _, _) = event.kind { kinds.insert(kind.rawValue) } }
        for kind in MarkKind.allCases where kinds.contains(kind.rawValue) {
            items.append(LegendItem(swatch: { x, y in "<rect x=\"\((x + 10).svg)\" y=\"\((y - 10).svg)\" width=\"2\" height=\"12\" fill=\"\(Self.markColour(kind))\"/>" },
                                    label: "mark: \(kind.label)"))
        }
        let wakes = self.wakes().count
        if wakes > Self.maximumArrows {
            items.append(LegendItem(swatch: { _, _ in "" }, label: "\(wakes) futex wakes (too many to draw; zoom in)"))
        } else if wakes > 0 {
            items.append(LegendItem(swatch: { x, y in "<line x1=\"\(x.svg)\" y1=\"\((y - 4).svg)\" x2=\"\((x + 22).svg)\" y2=\"\((y - 4).svg)\" stroke=\"#444444\" marker-end=\"url(#arrow)\"/>" },
                                    label: "futex wake"))
        }
        items += acceleratorLegendItems()
        return items
    }

    /// Items placed left to right, wrapping at the page's width.
    static func layout(_ items: [LegendItem]) -> [[(Double, LegendItem)]] {
        var rows: [[(Double, LegendItem)]] = []
        var row: [(Double, LegendItem)] = []
        var x = 16.0
        for item in items {
            if x + item.width > width - 16, !row.isEmpty { rows.append(row); row = []; x = 16 }
            row.append((x, item))
            x += item.width
        }
        if !row.isEmpty { rows.append(row) }
        return rows
    }
}

/// Leaves out shapes narrower than half a pixel that fall where the lane is already
/// painted, so a million switches still make a file of bounded size.
struct Thinning {
    private var paintedTo = -Double.infinity

    mutating func admit(_ x0: Double, _ x1: Double) -> Bool {
        if x1 - x0 < 0.5, x0 < paintedTo + 0.5 { return false }
        paintedTo = max(paintedTo, max(x1, x0 + 0.5))
        return true
    }
}

/// The document being built, one element a line.
struct Canvas {
    var text = ""
    mutating func line(_ element: String) { text += element + "\n" }
}

/// Text for XML content and attribute values.
func escape(_ text: String) -> String {
    var result = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&apos;"
        default:
            // XML 1.0 forbids most control characters, even escaped.
            if scalar.value < 0x20, scalar != "\n", scalar != "\t" { result += " " } else { result.unicodeScalars.append(scalar) }
        }
    }
    return result
}

extension Double {
    /// One decimal, the same on every host ("12.5", "-3.0").
    var svg: String {
        guard isFinite else { return "0" }
        let tenths = Int64((self * 10).rounded())
        return (tenths < 0 ? "-" : "") + "\(tenths.magnitude / 10).\(tenths.magnitude % 10)"
    }
}
