// The SVG timeline: well-formed XML with an axis, lanes and a legend, names escaped,
// the zoom window respected, and the same bytes every time.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Trace

/// Collects what the parser saw.
final class SVGReader: NSObject, XMLParserDelegate {
    var elements: [String: Int] = [:]
    var ids: Set<String> = []
    var texts: [String] = []
    var root: String?
    private var current = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if root == nil { root = name }
        elements[name, default: 0] += 1
        if let id = attributes["id"] { ids.insert(id) }
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" || name == "title" { texts.append(current) }
        current = ""
    }

    /// Parses `svg`, recording an issue when it is not well-formed XML.
    static func read(_ svg: String) -> SVGReader? {
        let reader = SVGReader()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = reader
        guard parser.parse() else {
            Issue.record("not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?") at line \(parser.lineNumber)")
            return nil
        }
        return reader
    }
}

@Suite struct SVGTimelineTests {
    @Test func isWellFormedWithAxisLanesAndLegend() throws {
        let svg = SVGTimeline(log: TimelineFixture.log, endCycle: TimelineFixture.end, title: "Futex <demo> & co").render()
        let reader = try #require(SVGReader.read(svg))
        #expect(reader.root == "svg")
        #expect(reader.ids.isSuperset(of: ["axis", "legend", "harts", "threads", "wakes"]))
        #expect(reader.texts.contains("Futex <demo> & co"))
        #expect(reader.texts.contains("time (ms)"))
        #expect(reader.texts.contains("hart 0") && reader.texts.contains("hart 1"))
        // 600 cycles at 3 MHz is 0.2 ms: ticks every 0.02 ms.
        #expect(reader.texts.contains("0.00") && reader.texts.contains("0.10") && reader.texts.contains("0.20"))
        #expect(reader.texts.contains("main (\(TimelineFixture.processName), pid 1)"))
        #expect(reader.texts.contains("switch: futex") && reader.texts.contains("switch: slice expired"))
        #expect(reader.texts.contains("mark: contended") && reader.texts.contains("futex wake"))
        #expect(reader.texts.contains { $0.contains("left hart 0") && $0.hasSuffix("futex") })
        #expect((reader.elements["rect"] ?? 0) > 10)
        #expect(svg.contains("Futex &lt;demo&gt; &amp; co"))
        #expect(svg.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"1200.0\""))
    }

    @Test func sameLogSameBytes() {
        let first = SVGTimeline(log: TimelineFixture.log, endCycle: TimelineFixture.end).render()
        let second = SVGTimeline(log: TimelineFixture.log, endCycle: TimelineFixture.end).render()
        #expect(first == second)
        #expect(!first.contains("e+") && !first.contains("nan") && !first.contains("inf"))
    }

    @Test func theWindowLimitsWhatIsDrawn() throws {
        let whole = SVGTimeline(log: TimelineFixture.log, endCycle: TimelineFixture.end).render()
        let zoomed = SVGTimeline(log: TimelineFixture.log, window: 300...450, endCycle: TimelineFixture.end).render()
        let reader = try #require(SVGReader.read(zoomed))
        #expect(reader.texts.contains { $0.contains("cycles 300 to 450") })
        #expect(zoomed.utf8.count < whole.utf8.count)
        // Nothing is drawn left of the plot.
        #expect(!zoomed.contains("x=\"-"))
    }

    @Test func anEmptyLogStillDraws() throws {
        let svg = SVGTimeline(log: TraceLog(events: [], clockFrequency: 1000, harts: 1)).render()
        let reader = try #require(SVGReader.read(svg))
        #expect(reader.texts.contains("No events were recorded."))
        #expect(reader.ids.contains("legend"))
    }

    @Test func axisLabelsAreExactDecimals() {
        #expect(SVGTimeline.decimal(15, exponent: -1) == "1.5")
        #expect(SVGTimeline.decimal(2, exponent: -3) == "0.002")
        #expect(SVGTimeline.decimal(5, exponent: 2) == "500")
        #expect(SVGTimeline.decimal(0, exponent: -2) == "0.00")
    }

    @Test func manySwitchesStayASmallFile() throws {
        var events: [TraceEvent] = []
        for index in 0..<100_000 {
            let tid = Int32(1 + index % 2), cycle = UInt64(index) * 10
            events.append(TraceEvent(cycle: cycle, hart: 0, .threadRuns(tid: tid, switchCycles: 1)))
            events.append(TraceEvent(cycle: cycle + 9, hart: 0, .threadStops(tid: tid, reason: .yielded, object: 0)))
        }
        let svg = SVGTimeline(log: TraceLog(events: events, clockFrequency: 1_000_000, harts: 1)).render()
        #expect(svg.utf8.count < 3_000_000, "\(svg.utf8.count) bytes")
        _ = try #require(SVGReader.read(svg))
    }

    @Test func statesFollowTheEvents() {
        let waits = SVGTimeline(log: TimelineFixture.log, endCycle: TimelineFixture.end).waits()
        // Thread 1 was blocked on the futex from 130 until woken at 250, then ready until 300.
        #expect(waits[1]?.map { "\($0.start)-\($0.end) \($0.blocked ? $0.why : "ready")" } == ["130-250 futex 0x1000", "250-300 ready"])
        // Thread 2 waited for a hart 5...10, and again 400...510.
        #expect(waits[2]?.map { "\($0.start)-\($0.end) \($0.blocked ? $0.why : "ready")" } == ["5-10 ready", "400-510 ready"])
    }
}
