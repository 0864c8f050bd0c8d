// Experiment 15, caches (2007+): time per load against working-set size
// (Lab/caches.swift), on the memory hierarchy of each era's preset: the 2002 Pentium 4,
// the 2006 Core 2 and a Zen 4 core complex. A pointer chase lets no load overlap the
// next, so the time per load is the latency of the level that holds the working set:
// flat while the set fits a level, a step up just past its size. The curves go into a
// plot (`--svg`) and a terminal chart, with each level's size marked.

import Kernel
import Machine
import Trace

extension Experiment {
    static let caches = Experiment(
        number: 15, name: "caches",
        summary: "Time per load against working-set size: a step up at each cache's size.",
        chapter: "2007+: shared and private caches",
        refuses: [.harts: "one thread walks its working set on one core; more harts would only sit idle.",
                  .era: "it runs one thread, with no other to switch to, so no era's tick or slice changes what it measures."],
        body: { context in try CacheSteps(context).run() })
}

struct CacheSteps {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    var small: Bool { context.options.size == .small }
    let smallest = 1 << 10
    /// Loads timed at each size, at least (more when the working set has more lines).
    var accesses: Int { small ? 2048 : 8192 }

    /// The presets and the largest working set for each: twice the last level measured.
    /// The small size leaves out the Zen 4's 32 MiB L3 (a 64 MiB walk takes a debug build too long).
    var presets: [(preset: MemoryPreset, largest: Int)] {
        [(MemoryPreset.pentium4, 2 * MemoryPreset.pentium4.hierarchy.llc.size),
         (MemoryPreset.core2, 2 * MemoryPreset.core2.hierarchy.llc.size),
         (MemoryPreset.manyCore, small ? 4 << 20 : 2 * MemoryPreset.manyCore.hierarchy.llc.size)]
    }

    /// One level of a hierarchy: its name, size, and the hit latency of it and of the level below.
    struct Level { var name: String; var size: Int; var latency: Int; var nextLatency: Int }

    static func levels(_ hierarchy: MemoryHierarchy) -> [Level] {
        var caches: [(String, CacheGeometry)] = [("L1D", hierarchy.l1d)]
        if let l2 = hierarchy.l2 { caches.append(("L2", l2)) }
        caches.append((hierarchy.l2 == nil ? "L2" : "L3", hierarchy.llc))
        return caches.enumerated().map { index, level in
            let next = index + 1 < caches.count ? caches[index + 1].1.hitLatency : hierarchy.memoryLatency
            return Level(name: level.0, size: level.1.size, latency: level.1.hitLatency, nextLatency: next)
        }
    }

    /// Cycles per load at each size, for one preset.
    func measure(_ preset: MemoryPreset, largest: Int) throws -> [(size: Int, cycles: Double)] {
        var configuration = context.baseConfiguration()
        configuration.caches(preset, harts: 1)
        configuration.memoryLimit = max(configuration.memoryLimit, UInt64(largest) + (32 << 20))
        let result = try context.run(RunSpec(main: "caches", programs: ["caches": "Lab/caches.swift"],
                                             arguments: ["\(smallest)", "\(largest)", "\(accesses)"], configuration: configuration))
        var points: [(Int, Double)] = []
        for line in result.lines(starting: "size ") {
            guard let size = integer(after: "size ", in: line), let loads = integer(after: "accesses ", in: line),
                  let nanoseconds = integer(after: "ns ", in: line), loads > 0 else { continue }
            points.append((size, Double(nanoseconds) * Double(labClock) / 1e9 / Double(loads)))
        }
        guard case .exited(0) = result.ending, points.count == (largest / smallest).trailingZeroBitCount + 1 else {
            throw LabError("caches (\(preset.name)) did not finish as expected: \(result.ending)\n\(result.output)\(result.errors)")
        }
        return points
    }

    func run() throws -> Finding {
        var figures: [String: Double] = [:], series: [Plot.Series] = [], measured: [[(size: Int, cycles: Double)]] = []
        var stepRows: [[String]] = []
        for (preset, largest) in presets {
            let points = try measure(preset, largest: largest)
            measured.append(points)
            for point in points { figures["\(preset.name) \(point.size) cycles"] = point.cycles }
            var markers: [Plot.Marker] = []
            for level in Self.levels(preset.hierarchy) {
                markers.append(Plot.Marker(x: Double(level.size), label: "\(preset.name) \(level.name) \(size(UInt64(level.size)))"))
                // The step: just past the level's size against well inside it (half its size).
                guard let inside = points.first(where: { $0.size == level.size / 2 }),
                      let past = points.first(where: { $0.size == level.size * 2 }) else { continue }
                let key = "\(preset.name) \(level.name)"
                figures["\(key) inside"] = inside.cycles
                figures["\(key) past"] = past.cycles
                figures["\(key) step"] = past.cycles - inside.cycles
                figures["\(key) latency step"] = Double(level.nextLatency - level.latency)
                stepRows.append([preset.name, "\(level.name) \(size(UInt64(level.size)))", fixed(inside.cycles, decimals: 1),
                                 fixed(past.cycles, decimals: 1), "\(level.latency) → \(level.nextLatency)"])
            }
            series.append(Plot.Series(name: preset.name,
                                      points: points.map { Plot.Point(x: Double($0.size), y: $0.cycles) }, markers: markers))
        }
        let plot = Plot(title: "Cycles per load against working-set size", xLabel: "working set (bytes, log scale)",
                        yLabel: "cycles per load (log scale)", yScale: .log10, series: series,
                        xTickText: { size(UInt64($0)) }, xShortText: { Self.shortSize(Int($0)) })
        var finding = Finding(point: """
            A load costs what the level holding its line costs. Walking a working set that fits in the L1 data cache, \
            every load hits there; one twice the L1's size misses it on every load and is served by the next level, \
            and so on down to memory. So the time per load is flat while the working set fits a level and steps up \
            just past each level's size — the L1, the L2 where a core has one, the last level — by about the \
            difference of their latencies.
            """)
        let sizes = Array(Set(measured.flatMap { $0.map(\.size) })).sorted()
        let rows = sizes.map { value in
            [size(UInt64(value))] + measured.map { points in points.first { $0.size == value }.map { fixed($0.cycles, decimals: 1) } ?? "-" }
        }
        finding.add(table(["working set"] + presets.map { "\($0.preset.name) cycles/load" }, rows))
        finding.add([""] + table(["preset", "level", "inside (half its size)", "past (twice)", "hit latency → next"], stepRows))
        finding.add([""] + plot.terminal())
        finding.note("""
            One thread on one core follows a ring of pointers, one per 64-byte line, through a buffer of each size: one \
            pass to warm the caches, then at least \(accesses) loads timed on the simulated clock. A load's cycles include \
            about 1.25 cycles of the loop's own instructions. Presets: \
            \(presets.map { "\($0.preset.name) (\($0.preset.summary))" }.joined(separator: "; ")).\
            \(small ? " At the small size the Zen 4's walk stops at 4 MiB, short of its 32 MiB L3." : "")
            """)
        finding.plot = plot
        finding.figures = figures
        return finding
    }

    /// "512K", "4M": sizes for the terminal chart's narrow columns.
    static func shortSize(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20)M" : bytes >= 1 << 10 ? "\(bytes >> 10)K" : "\(bytes)"
    }
}
