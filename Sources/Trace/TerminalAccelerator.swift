// The accelerator in the terminal timeline: one lane per context below the threads'
// lanes, in the colour of the process that owns it. `█` where the context held the
// device's lanes, `░` where it had work queued but not the lanes yet (another context
// held them, or the switch to it was under way), and a letter where something happened:
// c a submission completed, p preempted, r reset by the watchdog, f faulted, d destroyed.
// Built from TraceLog.acceleratorLanes, as the SVG is.

extension TerminalTimeline {
    /// The context lanes (none when the run used no accelerator), noting in `legend` what they drew.
    func acceleratorLines(_ chart: Chart, _ legend: inout Legend) -> [Line] {
        let lanes = log.acceleratorLanes(endCycle: endCycle)
        return lanes.compactMap { acceleratorLine($0, chart, &legend) }
    }

    func acceleratorLine(_ lane: TraceLog.AcceleratorLane, _ chart: Chart, _ legend: inout Legend) -> Line? {
        let columns = chart.columns
        var running = Array(repeating: UInt64(0), count: columns.count)
        var waiting = running
        for slice in lane.slices { columns.spread(slice.start, slice.end, into: &running) }
        for wait in lane.waits { columns.spread(wait.lowerBound, wait.upperBound, into: &waiting) }
        let colour = chart.position[lane.pid].flatMap(paint)
        var plot: Line = (0..<columns.count).map { column in
            if running[column] > 0, running[column] >= waiting[column] { return Cell("█", color: colour) }
            if waiting[column] > 0 { return Cell("░", color: colour) }
            return Cell(" ")
        }
        // Completions first, so that a stop in the same column (the more telling) wins.
        var marks: [(cycle: UInt64, kind: AcceleratorTraceKind)] = lane.instants.filter { $0.kind == .completed }.map { ($0.cycle, $0.kind) }
        marks += lane.slices.compactMap { slice in slice.stop.flatMap { $0 == .idle ? nil : (slice.end, $0) } }
        marks += lane.instants.filter { ($0.kind == .faulted || $0.kind == .reset || $0.kind == .destroyed) }.map { ($0.cycle, $0.kind) }
        for mark in marks where window.contains(mark.cycle) {
            guard let symbol = Self.acceleratorMark(mark.kind) else { continue }
            plot[columns.column(of: mark.cycle)] = Cell(symbol, color: colour, bold: true)
            legend.accelerator.insert(mark.kind)
        }
        guard plot.contains(where: { $0.char != " " }) else { return nil }
        if running.contains(where: { $0 > 0 }) { legend.accelerator.insert(.runs) }
        if waiting.contains(where: { $0 > 0 }) { legend.accelerator.insert(.submitted) }
        legend.contexts.append(lane)
        let room = chart.labelWidth
        let program = log.processNames[lane.pid] ?? "pid \(lane.pid)"
        let candidates = ["gpu \(lane.context) (\(program))", "gpu \(lane.context) pid \(lane.pid)", "gpu \(lane.context)"]
        let title = candidates.first { $0.count <= room } ?? "gpu"
        return self.lane(label: text(title), labelWidth: room, plot: plot)
    }

    /// The accelerator's part of the legend: what its lanes drew, then each context in full.
    func acceleratorLegend(_ legend: Legend) -> [Line] {
        guard !legend.contexts.isEmpty else { return [] }
        var items: [Line] = []
        if legend.accelerator.contains(.runs) { items.append(text("█ on the device's lanes")) }
        if legend.accelerator.contains(.submitted) { items.append(text("░ work queued, not on the lanes yet")) }
        for kind in AcceleratorTraceKind.allCases where legend.accelerator.contains(kind) {
            if let symbol = Self.acceleratorMark(kind) { items.append(text("\(symbol) \(kind.name)")) }
        }
        let contexts = legend.contexts.map { text("gpu \($0.context): " + log.acceleratorTitle($0)) }
        return wrap(prefix: "accelerator:", items) + wrap(prefix: "contexts:", contexts)
    }

    static func acceleratorMark(_ kind: AcceleratorTraceKind) -> Character? {
        switch kind {
        case .completed: "c"
        case .preempted: "p"
        case .reset: "r"
        case .faulted: "f"
        case .destroyed: "d"
        case .created, .submitted, .runs, .idle: nil
        }
    }
}
