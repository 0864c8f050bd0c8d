// The accelerator in the SVG timeline: below the threads, one lane per context in its
// owner's colour — a bar where it held the device's lanes, a hatched bar where it had work
// queued but not the lanes yet, a tick with a letter where something happened
// (C completed, P preempted, R reset by the watchdog, F faulted, D destroyed). Built from
// TraceLog.acceleratorLanes, as the terminal's lanes are.

extension SVGTimeline {
    func acceleratorLanes(_ svg: inout Canvas, _ lanes: [TraceLog.AcceleratorLane], top: Double, colours: [Int32: String]) {
        guard !lanes.isEmpty else { return }
        svg.line("<g id=\"accelerator\">")
        svg.line("<text x=\"16\" y=\"\((top - 8).svg)\" font-weight=\"bold\">Accelerator</text>")
        for (index, lane) in lanes.enumerated() {
            let laneTop = top + Double(index) * Self.laneHeight
            let colour = colours[lane.pid] ?? "#999999"
            let title = log.acceleratorTitle(lane)
            laneBackground(&svg, top: laneTop, label: title, index: index)
            var thinning = Thinning()
            for wait in lane.waits where wait.upperBound >= window.lowerBound && wait.lowerBound <= window.upperBound {
                let x0 = x(wait.lowerBound), x1 = x(wait.upperBound)
                guard thinning.admit(x0, x1) else { continue }
                let text = "\(title): work queued, not on the lanes yet \(during(wait.lowerBound, wait.upperBound))"
                svg.line("<g><title>\(escape(text))</title><rect x=\"\(x0.svg)\" y=\"\((laneTop + 8).svg)\" width=\"\(max(0.5, x1 - x0).svg)\" height=\"14\" fill=\"\(colour)\" fill-opacity=\"0.3\"/><rect x=\"\(x0.svg)\" y=\"\((laneTop + 8).svg)\" width=\"\(max(0.5, x1 - x0).svg)\" height=\"14\" fill=\"url(#hatch)\"/></g>")
            }
            thinning = Thinning()
            for slice in lane.slices where slice.end >= window.lowerBound && slice.start <= window.upperBound {
                let x0 = x(slice.start), x1 = x(slice.end)
                guard thinning.admit(x0, x1) else { continue }
                let ending = slice.stop.map { ", then \($0.name)" } ?? ", still running"
                svg.line("<rect x=\"\(x0.svg)\" y=\"\((laneTop + 6).svg)\" width=\"\(max(0.5, x1 - x0).svg)\" height=\"18\" fill=\"\(colour)\"><title>\(escape("\(title) on the lanes \(during(slice.start, slice.end))\(ending)"))</title></rect>")
            }
            var marks: [(cycle: UInt64, kind: AcceleratorTraceKind)] = lane.instants.filter { $0.kind != .submitted }.map { ($0.cycle, $0.kind) }
            marks += lane.slices.compactMap { slice in slice.stop == .preempted ? (slice.end, .preempted) : nil }
            var last = -Double.infinity
            for mark in marks.sorted(by: { $0.cycle < $1.cycle }) where window.contains(mark.cycle) {
                guard let code = Self.acceleratorCode(mark.kind) else { continue }
                let px = x(mark.cycle)
                guard px - last >= Self.minimumGap else { continue }
                last = px
                svg.line("<g class=\"accelerator-event\"><title>\(escape("\(title) at \(log.format(log.milliseconds(mark.cycle))) ms: \(mark.kind.name)"))</title><path d=\"M\(px.svg),\((laneTop + 6).svg) l-3,-5 h6 z\" fill=\"#222222\"/><text x=\"\(px.svg)\" y=\"\((laneTop + 30).svg)\" font-size=\"8\" text-anchor=\"middle\" fill=\"#222222\">\(code)</text></g>")
            }
        }
        svg.line("</g>")
    }

    func acceleratorLegendItems() -> [LegendItem] {
        let lanes = log.acceleratorLanes(endCycle: endCycle)
        guard !lanes.isEmpty else { return [] }
        var items = [LegendItem(swatch: Self.box("#777777"), label: "context on the device's lanes"),
                     LegendItem(swatch: { x, y in Self.box("#777777", opacity: "0.3")(x, y) + Self.box("url(#hatch)")(x, y) },
                                label: "work queued, not on the lanes yet")]
        var kinds = Set<AcceleratorTraceKind>()
        for lane in lanes {
            for instant in lane.instants { kinds.insert(instant.kind) }
            if lane.slices.contains(where: { $0.stop == .preempted }) { kinds.insert(.preempted) }
        }
        for kind in AcceleratorTraceKind.allCases where kinds.contains(kind) {
            guard let code = Self.acceleratorCode(kind) else { continue }
            items.append(LegendItem(swatch: { x, y in "<text x=\"\((x + 11).svg)\" y=\"\(y.svg)\" font-size=\"10\" text-anchor=\"middle\">\(code)</text>" },
                                    label: "accelerator: \(kind.name)"))
        }
        return items
    }

    static func acceleratorCode(_ kind: AcceleratorTraceKind) -> String? {
        switch kind {
        case .completed: "C"
        case .preempted: "P"
        case .reset: "R"
        case .faulted: "F"
        case .destroyed: "D"
        case .created, .submitted, .runs, .idle: nil
        }
    }

    private func during(_ start: UInt64, _ end: UInt64) -> String {
        "from \(log.format(log.milliseconds(start))) ms to \(log.format(log.milliseconds(end))) ms"
    }
}
