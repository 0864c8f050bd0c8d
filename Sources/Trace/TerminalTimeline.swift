// The terminal timeline: a run drawn as a text Gantt chart, the view people read to
// understand an interleaving. One lane per hart shows which thread held it; one lane per
// thread shows when it ran, waited for a hart, or was blocked, and marks each switch with
// why it happened. A time axis in simulated milliseconds and a legend make it readable
// without the documentation. Same log, same width, same bytes.

/// Draws a `TraceLog` as text that fits a terminal `width` columns wide.
public struct TerminalTimeline {
    public let log: TraceLog
    /// Columns per line, clamped to 40...1000: narrower has no room for a lane.
    public let width: Int
    /// The cycles shown (the caller validated a zoom window with `TraceLog.window`).
    public let window: ClosedRange<UInt64>
    /// ANSI colours, one per thread; off, the text has no escape codes at all.
    public let color: Bool
    /// The cycle the run ended at, when later than its last event (open slices run to it).
    public let endCycle: UInt64?
    /// Threads a fault ended: their last stop shows as `k` (killed), not `x`.
    let faulted: Set<Int32>

    public static let widths = 40...1000

    public init(log: TraceLog, width: Int, window: ClosedRange<UInt64>? = nil, color: Bool, endCycle: UInt64? = nil) {
        self.log = log
        self.width = min(max(width, Self.widths.lowerBound), Self.widths.upperBound)
        self.window = window ?? log.span.lowerBound...max(log.span.upperBound, endCycle ?? 0)
        self.color = color
        self.endCycle = endCycle
        faulted = Set(log.events.compactMap { if case .fault(let tid, _, _, _) = $0.kind { tid } else { nil } })
    }

    /// The chart, one line per row, each at most `width` characters wide (escape codes
    /// aside), ending with a newline.
    public func render() -> String {
        guard !log.events.isEmpty else { return "Timeline: no events were recorded.\n" }
        let chart = Chart(self)
        var legend = Legend()
        var lines = title(chart) + axis(chart.columns, labelWidth: chart.labelWidth)
        lines += (0..<chart.hartCount).map { hartLane($0, chart) }
        lines += chart.threads.indices.compactMap { threadLane($0, chart, &legend) }
        lines += markLane(chart, &legend).map { [$0] } ?? []
        lines += acceleratorLines(chart, &legend)
        lines += legendLines(legend, chart)
        return lines.map(draw).joined(separator: "\n") + "\n"
    }

    /// What every lane needs: the plot's columns, the threads in order of id (their index
    /// picks symbol and colour) and the run slices of each.
    struct Chart {
        var labelWidth: Int
        var columns: Columns
        var threads: [Int32]
        var position: [Int32: Int] = [:]
        var slices: [TraceLog.RunSlice]
        var slicesOf: [[TraceLog.RunSlice]]
        var waits: [[Stretch]]
        var hartCount: Int

        init(_ view: TerminalTimeline) {
            labelWidth = min(24, max(10, view.width / 4))
            let length = max(1, view.window.upperBound - view.window.lowerBound)
            columns = Columns(start: min(view.window.lowerBound, UInt64.max - length), length: length,
                              count: view.width - labelWidth - 1)
            threads = view.log.threads.filter { $0 > 0 }
            slices = view.log.runSlices(endCycle: view.endCycle)
            slicesOf = Array(repeating: [], count: threads.count)
            for (index, tid) in threads.enumerated() { position[tid] = index }
            for slice in slices { if let index = position[slice.tid] { slicesOf[index].append(slice) } }
            hartCount = max(view.log.harts, (slices.map(\.hart).max() ?? -1) + 1)
            waits = view.waitingStretches(threads)
        }
    }

    /// What the lanes drew, so that the legend explains exactly that.
    struct Legend {
        var threads: [Int] = []
        var stops = Set<ThreadStopReason>()
        var marks = Set<MarkKind>()
        var denseSwitching = false
        var labels = Set<String>()
        var killed = false
        /// The accelerator's lanes (TerminalAccelerator.swift): what they drew, and whose.
        var accelerator = Set<AcceleratorTraceKind>()
        var contexts: [TraceLog.AcceleratorLane] = []
    }

    func title(_ chart: Chart) -> [Line] {
        let (low, high) = (window.lowerBound, window.upperBound)
        let harts = chart.hartCount, threads = chart.threads.count
        let title = "\(format(log.milliseconds(low))) ms to \(format(log.milliseconds(high))) ms (cycles \(low) to \(high)), "
            + "\(harts) \(harts == 1 ? "hart" : "harts"), \(threads) \(threads == 1 ? "thread" : "threads")"
        var lines = wrap(prefix: "Timeline:", words(title), separator: 1)
        if log.dropped > 0 {
            let note = "the trace buffer kept the last \(log.events.count) events; earlier ones are not shown."
            lines += wrap(prefix: "Note:", words(note), separator: 1)
        }
        return lines
    }

    /// A hart's lane: in each column the symbol of the thread that ran most of its time
    /// (the lower id on a tie), `·` where nobody ran.
    func hartLane(_ hart: Int, _ chart: Chart) -> Line {
        let columns = chart.columns
        var ran = Array(repeating: Array(repeating: UInt64(0), count: columns.count), count: chart.threads.count)
        for slice in chart.slices where slice.hart == hart {
            if let index = chart.position[slice.tid] { columns.spread(slice.start, slice.end, into: &ran[index]) }
        }
        let plot = (0..<columns.count).map { column in
            let best = chart.threads.indices.filter { ran[$0][column] > 0 }.max { ran[$0][column] < ran[$1][column] }
            return best.map { Cell(Self.symbol(at: $0), color: paint($0)) } ?? Cell("·", color: color ? Self.dim : nil)
        }
        return lane(label: text("hart \(hart)"), labelWidth: chart.labelWidth, plot: plot)
    }

    /// A thread's lane: in each column the state it spent most time in (running before
    /// ready before blocked on a tie), then a letter where each switch fell, since the
    /// reason a thread left its hart is what explains an interleaving. Nil when the
    /// thread did nothing in the window.
    func threadLane(_ index: Int, _ chart: Chart, _ legend: inout Legend) -> Line? {
        let columns = chart.columns
        var running = Array(repeating: UInt64(0), count: columns.count)
        var ready = running, blocked = running
        for slice in chart.slicesOf[index] { columns.spread(slice.start, slice.end, into: &running) }
        for stretch in chart.waits[index] {
            if stretch.blocked { columns.spread(stretch.from, stretch.to, into: &blocked) }
            else { columns.spread(stretch.from, stretch.to, into: &ready) }
        }
        var plot: Line = (0..<columns.count).map { column in
            let states: [(time: UInt64, char: Character)] = [(running[column], "█"), (ready[column], "░"), (blocked[column], "─")]
            guard let top = states.max(by: { $0.time < $1.time }), top.time > 0 else { return Cell(" ") }
            return Cell(top.char, color: paint(index))
        }
        let stops = chart.slicesOf[index].filter { $0.stop != nil && window.contains($0.end) }.sorted { $0.end < $1.end }
        var stopsIn: [Int: Int] = [:]
        for stop in stops { stopsIn[columns.column(of: stop.end), default: 0] += 1 }
        for stop in stops {
            guard let reason = stop.stop else { continue }
            let column = columns.column(of: stop.end)
            // Several switches in one column: no one letter is true of it, so show that
            // it switched back and forth (zoom in with --from/--to to see each).
            if stopsIn[column, default: 0] > 1 {
                plot[column] = Cell("▒", color: paint(index))
                legend.denseSwitching = true
            } else if reason == .exited, faulted.contains(chart.threads[index]) {
                plot[column] = Cell("k", color: paint(index), bold: true)
                legend.killed = true
            } else {
                plot[column] = Cell(Self.mark(reason), color: paint(index), bold: true)
                legend.stops.insert(reason)
            }
        }
        guard plot.contains(where: { $0.char != " " }) else { return nil }
        legend.threads.append(index)
        let title = shortTitle(chart.threads[index], fitting: chart.labelWidth - 2)
        return lane(label: [Cell(Self.symbol(at: index), color: paint(index)), Cell(" ")] + text(title),
                    labelWidth: chart.labelWidth, plot: plot)
    }

    /// The guest's own marks (lock contention and the like) and labels: in each column the
    /// most telling one — a label first, since someone wrote it on purpose — in its
    /// thread's colour. A label shows as its first letter. Nil when there are none in the
    /// window; the legend names only what was drawn.
    func markLane(_ chart: Chart, _ legend: inout Legend) -> Line? {
        var plot = Line(repeating: Cell(" "), count: chart.columns.count)
        var rankAt = Array(repeating: Int.max, count: chart.columns.count)
        var drawn: [Int: (kind: MarkKind?, label: String?)] = [:]
        for event in log.events where window.contains(event.cycle) {
            let tid: Int32, rank: Int, symbol: Character, what: (kind: MarkKind?, label: String?)
            switch event.kind {
            case .mark(let thread, let kind, _, _):
                guard let order = Self.markOrder.firstIndex(of: kind) else { continue }
                (tid, rank, symbol, what) = (thread, order + 1, Self.markSymbol(kind), (kind, nil))
            case .label(let thread, let text):
                let label = log.string(text)
                (tid, rank, symbol, what) = (thread, 0, Self.labelSymbol(label), (nil, label))
            default: continue
            }
            let column = chart.columns.column(of: event.cycle)
            if rank < rankAt[column] {
                rankAt[column] = rank
                plot[column] = Cell(symbol, color: chart.position[tid].flatMap(paint), bold: true)
                drawn[column] = what
            }
        }
        guard !drawn.isEmpty else { return nil }
        for what in drawn.values {
            if let kind = what.kind { legend.marks.insert(kind) }
            if let label = what.label { legend.labels.insert(label) }
        }
        return lane(label: text(chart.labelWidth > 10 ? "guest marks" : "marks"), labelWidth: chart.labelWidth, plot: plot)
    }

    /// A label's first letter or digit, or `*`.
    static func labelSymbol(_ label: String) -> Character {
        label.first { $0.isASCII && ($0.isLetter || $0.isNumber) } ?? "*"
    }

    /// What every character means (only those drawn), then the threads' full names.
    func legendLines(_ legend: Legend, _ chart: Chart) -> [Line] {
        var lines: [Line] = [[]]
        lines += wrap(prefix: "lanes:", [text("█ running"), text("░ ready"), text("─ blocked"), text("· hart idle")]
                      + (legend.denseSwitching ? [text("▒ several switches (zoom in with --from/--to)")] : []))
        let stops = ThreadStopReason.allCases.filter { legend.stops.contains($0) }
        let stopItems = stops.map { text("\(Self.mark($0)) \($0.label)") } + (legend.killed ? [text("k killed by a fault")] : [])
        if !stopItems.isEmpty { lines += wrap(prefix: "switches:", stopItems) }
        let marks = Self.markOrder.filter { legend.marks.contains($0) }
        if !marks.isEmpty { lines += wrap(prefix: "guest marks:", marks.map { text("\(Self.markSymbol($0)) \($0.label)") }) }
        let labels = legend.labels.sorted().prefix(12)
        if !labels.isEmpty { lines += wrap(prefix: "labels:", labels.map { text("\(Self.labelSymbol($0)) \($0)") }) }
        let threads = legend.threads.map { [Cell(Self.symbol(at: $0), color: paint($0))] + text(" " + log.threadTitle(chart.threads[$0])) }
        if !threads.isEmpty { lines += wrap(prefix: "threads:", threads) }
        lines += acceleratorLegend(legend)
        return lines
    }

    // MARK: Time

    /// Maps cycles to plot columns exactly (integer arithmetic, so every host agrees).
    /// Column c holds the cycles t with floor((t - start) * count / length) == c.
    struct Columns {
        var start: UInt64
        var length: UInt64
        var count: Int

        /// The first cycle of `column` (`count` gives the end of the last).
        func boundary(_ column: Int) -> UInt64 {
            let product = length.multipliedFullWidth(by: UInt64(max(0, min(column, count))))
            let (quotient, remainder) = UInt64(count).dividingFullWidth(product)
            return start + quotient + (remainder > 0 ? 1 : 0)
        }

        /// The column that holds `cycle`, clamped to the plot.
        func column(of cycle: UInt64) -> Int {
            let offset = min(max(cycle, start) - start, length)
            let product = offset.multipliedFullWidth(by: UInt64(count))
            return min(Int(length.dividingFullWidth(product).quotient), count - 1)
        }

        /// Adds the cycles of `from..<to` that fall in each column to `totals`.
        func spread(_ from: UInt64, _ to: UInt64, into totals: inout [UInt64]) {
            let from = max(from, start), to = min(to, start + length)
            guard from < to else { return }
            if length < UInt64(count) {
                // Zoomed in past single cycles: each cycle spans several columns, so
                // measure in 1/count cycles (small numbers: both sides are below count).
                let low = (from - start) * UInt64(count), high = (to - start) * UInt64(count)
                for column in Int(low / length)...Int((high - 1) / length) {
                    let left = UInt64(column) * length
                    totals[column] += min(high, left + length) - max(low, left)
                }
                return
            }
            for column in self.column(of: from)...self.column(of: to - 1) {
                let low = max(from, boundary(column)), high = min(to, boundary(column + 1))
                if high > low { totals[column] += high - low }
            }
        }
    }

    /// Tick labels above a ruler: milliseconds at the finest round step whose labels do
    /// not crowd; cycles when the window is too short for milliseconds to tell ticks apart.
    func axis(_ columns: Columns, labelWidth: Int) -> [Line] {
        let microsecond = Double(log.clockFrequency) / 1_000_000
        var unit = "ms"
        var ticks = self.ticks(columns, cyclesPerUnit: microsecond) { format(Double($0) / 1000) }
        if ticks.count < 3 {
            unit = "cycles"
            ticks = self.ticks(columns, cyclesPerUnit: 1) { String($0) }
        }
        var labels = Line(repeating: Cell(" "), count: columns.count)
        var ruler = Line(repeating: Cell("─"), count: columns.count)
        var free = 0
        for tick in ticks {
            ruler[tick.column] = Cell("┬")
            // A label starts at its tick; at the right edge it ends there instead.
            var start = tick.column
            if start + tick.label.count > columns.count { start = tick.column + 1 - tick.label.count }
            guard start >= free else { continue }
            for (offset, char) in tick.label.enumerated() { labels[start + offset] = Cell(char) }
            free = start + tick.label.count + 1
        }
        return [lane(label: text(unit), labelWidth: labelWidth, plot: labels),
                lane(label: [], labelWidth: labelWidth, plot: ruler)]
    }

    /// Ticks at multiples of a round step (1, 2 or 5 × 10^k units of `cyclesPerUnit`
    /// cycles): the smallest step that leaves two blanks between labels and six columns
    /// between ticks.
    func ticks(_ columns: Columns, cyclesPerUnit: Double, label: (UInt64) -> String) -> [(column: Int, label: String)] {
        let low = Double(columns.start) / cyclesPerUnit, high = Double(columns.start + columns.length) / cyclesPerUnit
        let unitsPerColumn = (high - low) / Double(columns.count)
        var scale: UInt64 = 1
        while scale <= UInt64.max / 50 {
            for step in [scale, 2 * scale, 5 * scale] where Double(step) / unitsPerColumn >= 6 {
                var ticks: [(column: Int, label: String)] = []
                let first = (low / Double(step)).rounded(.up) * Double(step)
                guard first < Double(UInt64.max / 2) else { return [] }
                var value = UInt64(first)
                while Double(value) <= high, value <= UInt64.max / 2 {
                    // In Double: a tick may fall between two cycles when zoomed in far.
                    let offset = (Double(value) * cyclesPerUnit - Double(columns.start)) / Double(columns.length)
                    let column = min(Int((min(max(offset, 0), 1) * Double(columns.count)).rounded(.down)), columns.count - 1)
                    ticks.append((column, label(value)))
                    value += step
                }
                let widest = ticks.map(\.label.count).max() ?? 0
                if Double(step) / unitsPerColumn >= Double(widest + 2) { return ticks }
            }
            scale *= 10
        }
        return []
    }

    /// `TraceLog.format`, for milliseconds it can hold (a clock of a few hertz and a
    /// cycle near 2^64 is more than it can).
    func format(_ milliseconds: Double) -> String {
        abs(milliseconds) < 1e15 ? log.format(milliseconds) : String(milliseconds)
    }

    // MARK: Threads

    /// A stretch of waiting: ready for a hart, or blocked on something.
    typealias Stretch = (from: UInt64, to: UInt64, blocked: Bool)

    /// Per thread (in `threads` order), when it waited (TraceLog.waitStretches), up to the
    /// end of the run or of the window, whichever is later. Running comes from the run
    /// slices, so every view agrees on it.
    func waitingStretches(_ threads: [Int32]) -> [[Stretch]] {
        let waits = log.waitStretches(until: max(log.span.upperBound, endCycle ?? 0, window.upperBound))
        return threads.map { tid in (waits[tid] ?? []).map { ($0.start, $0.end, $0.blocked) } }
    }

    /// The label for a thread lane: its full title if it fits, else shorter forms.
    func shortTitle(_ tid: Int32, fitting room: Int) -> String {
        let name = log.threadNames[tid] ?? "thread \(tid)"
        var candidates = [log.threadTitle(tid)]
        if let pid = log.threadProcess[tid] {
            // A process's main thread is best known by its program; another thread by its name.
            if let program = log.processNames[pid] {
                candidates += name == "main" ? ["\(program) (pid \(pid))", "\(program) \(pid)"] : ["\(name) (\(program))"]
            }
            candidates.append("\(name) (pid \(pid))")
        }
        candidates.append(name)
        if let fits = candidates.first(where: { $0.count <= room }) { return fits }
        return String(name.prefix(max(0, room - 1))) + "…"
    }

    // MARK: Symbols and colours

    static let symbols = Array("123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

    /// 1-9, a-z, A-Z by order of thread id; `+` for threads past the 61st.
    static func symbol(at index: Int) -> Character {
        index < symbols.count ? symbols[index] : "+"
    }

    /// The letter drawn where a thread left its hart.
    static func mark(_ reason: ThreadStopReason) -> Character {
        switch reason {
        case .sliceExpired: "s"
        case .yielded: "y"
        case .preempted: "p"
        case .migrated: "g"
        case .programWaits: "c"
        case .exited: "x"
        case .blockedOnFutex: "f"
        case .sleeping: "z"
        case .joining: "j"
        case .waitingForChild: "w"
        case .waitingForMessage: "m"
        case .waitingForIO: "i"
        case .waitingForSignal: "q"
        case .stopped: "t"
        }
    }

    /// Guest marks by how much they tell, most first: one column shows only the first.
    static let markOrder: [MarkKind] = [.contended, .acquired, .release, .acquire, .count, .user, .begin, .end]

    static func markSymbol(_ kind: MarkKind) -> Character {
        switch kind {
        case .contended: "!"
        case .acquired: "+"
        case .release: "-"
        case .acquire: "?"
        case .count: "#"
        case .user: "*"
        case .begin: "["
        case .end: "]"
        }
    }

    /// 256-colour palette entries that stay apart on dark and light backgrounds.
    static let palette = [33, 208, 40, 199, 220, 99, 44, 160, 130, 27, 118, 213, 178, 69, 35, 202]
    static let dim = 244

    func paint(_ threadIndex: Int) -> Int? {
        color ? Self.palette[threadIndex % Self.palette.count] : nil
    }

    /// A label column padded (or cut) to `labelWidth`, a space, then the plot.
    func lane(label: Line, labelWidth: Int, plot: Line) -> Line {
        Array(label.prefix(labelWidth)) + Line(repeating: Cell(" "), count: max(0, labelWidth - label.count) + 1) + plot
    }
}
