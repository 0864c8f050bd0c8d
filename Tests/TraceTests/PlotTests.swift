// The plot drawer: points land where their values say (log2 x, linear or log10 y), the
// SVG names every series and marker, the terminal chart puts each series' symbol on the
// row of its value, and the same plot always gives the same bytes.

import Testing
@testable import Trace

@Suite struct PlotTests {
    func steps() -> Plot {
        Plot(title: "Steps", xLabel: "size", yLabel: "cycles", yScale: .log10, series: [
            Plot.Series(name: "small cache", points: [1024, 2048, 4096, 8192, 16384].map { Plot.Point(x: $0, y: $0 <= 4096 ? 3 : 300) },
                        markers: [Plot.Marker(x: 4096, label: "L1 4 KiB")]),
            Plot.Series(name: "big cache", points: [1024, 2048, 4096, 8192, 16384].map { Plot.Point(x: $0, y: 20) }),
        ], xTickText: { "\(Int($0) / 1024) KiB" })
    }

    @Test func positionsFollowTheScales() {
        let plot = steps()
        #expect(plot.xRange.low == 10 && plot.xRange.high == 14)
        #expect(abs(plot.xFraction(1024)) < 1e-9)
        #expect(abs(plot.xFraction(4096) - 0.5) < 1e-9)
        #expect(abs(plot.xFraction(16384) - 1) < 1e-9)
        // log10 y from 1 to 1000: 10 is a third of the way up, 100 two thirds.
        #expect(plot.yRange.low == 0 && plot.yRange.high == 3)
        #expect(abs(plot.yFraction(10) - 1.0 / 3) < 1e-6)
        #expect(abs(plot.yFraction(100) - 2.0 / 3) < 1e-6)
        #expect(plot.yTicks.contains(1) && plot.yTicks.contains(200) && plot.yTicks.contains(1000))
        var linear = plot
        linear.yScale = .linear
        #expect(linear.yRange.low == 0 && linear.yRange.high == 500)
        #expect(linear.yTicks == [0, 100, 200, 300, 400, 500])
    }

    @Test func theSVGDrawsEverySeriesAndMarker() {
        let svg = steps().svg()
        #expect(svg.hasPrefix("<?xml"))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<polyline").count == 3)
        #expect(svg.components(separatedBy: "<circle").count == 11)
        #expect(svg.contains(">L1 4 KiB</text>"))
        #expect(svg.contains(">small cache</text>") && svg.contains(">big cache</text>"))
        #expect(svg.contains(">16 KiB</text>"))
        #expect(steps().svg() == svg, "the same plot gives the same bytes")
    }

    @Test func theTerminalChartPutsEachPointOnItsRow() {
        let lines = steps().terminal(height: 10, columnWidth: 4)
        #expect(lines.first == "cycles")
        let rows = Array(lines[1...10])
        func row(containing symbol: Character, column: Int) -> Int? {
            rows.firstIndex { line in
                guard let bar = line.firstIndex(of: "|") else { return false }
                let offset = line.distance(from: line.startIndex, to: bar) + 1 + column
                return offset < line.count && line[line.index(line.startIndex, offsetBy: offset)] == symbol
            }
        }
        // Column groups of 4, the symbol in the middle of each: 1 KiB at 2, 16 KiB at 18.
        let low = row(containing: "*", column: 2), high = row(containing: "*", column: 18), flat = row(containing: "o", column: 2)
        #expect(low != nil && high != nil && flat != nil)
        if let low, let high, let flat {
            #expect(high < flat && flat < low, "300 above 20 above 3")
        }
        #expect(lines.contains { $0.contains("|") && $0.contains("* L1 4 KiB") }, "the marker under the axis, named")
        #expect(lines.contains { $0.contains("1KiB") && $0.contains("16KiB") })
        #expect(lines.last == "* small cache   o big cache")
    }

    @Test func emptyAndHostileValuesDrawWithoutTrapping() {
        let plot = Plot(title: "empty", xLabel: "x", yLabel: "y", yScale: .log10, series: [
            Plot.Series(name: "nothing", points: []),
            Plot.Series(name: "bad", points: [Plot.Point(x: 0, y: .nan), Plot.Point(x: -4, y: -1), Plot.Point(x: .infinity, y: 0)]),
        ])
        #expect(plot.svg().contains("</svg>"))
        #expect(!plot.terminal().isEmpty)
        #expect(plotNumber(2.5) == "2.5" && plotNumber(3) == "3" && plotNumber(0.05) == "0.05" && plotNumber(.nan) == "-")
    }
}
