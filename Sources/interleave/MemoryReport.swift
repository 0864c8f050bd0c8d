// What `interleave run --stats` and `--c2c` print about the caches, as terminal tables:
// per core and level the hits, misses by kind and coherence traffic; the last level and
// memory; the MESI transitions; per thread its migrations and the misses they cost; and
// the c2c report (the lines cores fought over, with the instructions that touched them).

import Kernel
import Machine

enum MemoryReport {
    /// The caches' part of --stats (empty without caches).
    static func statisticsLines(_ statistics: KernelStatistics, configuration: KernelConfiguration) -> [String] {
        guard let memory = statistics.memory, let hierarchy = configuration.memoryHierarchy else { return [] }
        var lines: [String] = []
        let smt = configuration.threadsPerCore > 1 ? ", \(configuration.threadsPerCore) harts per core (SMT)" : ""
        lines.append("interleave: caches \(hierarchy.name), coherence \(hierarchy.coherent ? "on (MESI)" : "off"), \(memory.cores.count) core\(memory.cores.count == 1 ? "" : "s")\(smt)")
        // Two tables of under 80 columns: what each level served, then its coherence traffic.
        let levels: [(core: String, level: String, counts: CacheLevelStatistics)] = memory.cores.flatMap { core in
            [("\(core.core)", "L1I", core.l1i), ("\(core.core)", "L1D", core.l1d)] + (core.l2.map { [("\(core.core)", "L2", $0)] } ?? [])
        } + [("all", "LLC", memory.llc)]
        func table(_ headings: [(String, Int)], _ values: (CacheLevelStatistics) -> [UInt64]) {
            let columns = [("core", 4), ("level", 5)] + headings
            lines.append("  " + columns.enumerated().map { pad($0.element.0, $0.element.1, left: $0.offset > 1) }.joined(separator: " "))
            for row in levels {
                let cells = [pad(row.core, 4), pad(row.level, 5)]
                    + values(row.counts).enumerated().map { pad("\($0.element)", headings[$0.offset].1, left: true) }
                lines.append("  " + cells.joined(separator: " "))
            }
        }
        table([("hits", 12), ("misses", 10), ("compulsory", 10), ("capacity", 9), ("conflict", 9), ("coherence", 9)]) {
            [$0.hits, $0.misses, $0.compulsoryMisses, $0.capacityMisses, $0.conflictMisses, $0.coherenceMisses]
        }
        table([("write-backs", 11), ("inv sent", 9), ("inv recv", 9), ("c2c in", 9), ("c2c out", 9), ("HITM", 9)]) {
            [$0.writeBacks, $0.invalidationsSent, $0.invalidationsReceived, $0.cacheToCacheReceived, $0.cacheToCacheSupplied, $0.hitModified]
        }
        lines.append("  memory: \(memory.memoryReads) lines read, \(memory.memoryWrites) lines written")
        let transitions = Kernel.transitionList(memory)
        var transitionLine = "  MESI transitions:"
        for (index, item) in (transitions.isEmpty ? ["none"] : transitions).enumerated() {
            let piece = " " + item + (index + 1 < transitions.count ? "," : "")
            if transitionLine.count + piece.count > 78 {
                lines.append(transitionLine)
                transitionLine = "   "
            }
            transitionLine += piece
        }
        lines.append(transitionLine)
        let threads = statistics.threads
        if !threads.isEmpty {
            lines.append("  thread   migrations   cache misses   misses after a migration (in its first slice)")
            for thread in threads {
                let metrics = thread.metrics
                lines.append("  " + [pad("\(thread.tid)", 6), pad("\(metrics.migrations)", 12, left: true),
                                     pad("\(metrics.cacheMisses)", 14, left: true),
                                     pad("\(metrics.missesAfterMigration)", 24, left: true)].joined(separator: " "))
            }
        }
        return lines
    }

    /// The --c2c report: each contended line with its counts, then the instructions that
    /// touched it, so false sharing (two offsets of one line, stored by two cores) shows.
    static func contentionLines(_ lines: [ContendedLineReport]) -> [String] {
        guard !lines.isEmpty else {
            return ["interleave: c2c: no contended lines (no line moved between cores' caches)"]
        }
        var text = ["interleave: c2c: the \(lines.count) most contended cache line\(lines.count == 1 ? "" : "s") (HITM: a load that found the line modified in another core's cache)"]
        for (rank, line) in lines.enumerated() {
            text.append("  #\(rank + 1) line 0x\(String(line.lineAddress, radix: 16)): \(line.hitModifiedLoads) HITM loads, "
                        + "\(line.invalidations) invalidations, \(line.cacheToCacheTransfers) cache-to-cache transfers")
            text.append("       pid  hart  offset       loads      stores        HITM  pc          symbol")
            for accessor in line.accessors {
                text.append("    " + [pad("\(accessor.pid)", 6, left: true), pad("\(accessor.hart)", 5, left: true),
                                      pad("\(accessor.offsetInLine)", 7, left: true), pad("\(accessor.loads)", 11, left: true),
                                      pad("\(accessor.stores)", 11, left: true), pad("\(accessor.hitModified)", 11, left: true),
                                      " " + pad("0x" + String(accessor.pc, radix: 16), 11), accessor.symbol ?? "?"].joined(separator: " "))
            }
            let storingHarts = Set(line.accessors.filter { $0.stores > 0 }.map(\.hart))
            let storedOffsets = Set(line.accessors.filter { $0.stores > 0 }.map(\.offsetInLine))
            if storingHarts.count > 1, storedOffsets.count > 1 {
                text.append("    stores from \(storingHarts.count) harts at \(storedOffsets.count) different offsets: false sharing if they are different variables")
            }
        }
        return text
    }
}

extension Kernel {
    /// The transitions that happened, as "I→M 12".
    static func transitionList(_ memory: MemorySystemStatistics) -> [String] {
        let states: [CoherenceState] = [.invalid, .shared, .exclusive, .modified]
        var result: [String] = []
        for from in states {
            for to in states where to != from {
                let row = Int(from.rawValue), column = Int(to.rawValue)
                guard row < memory.transitions.count, column < memory.transitions[row].count else { continue }
                let count = memory.transitions[row][column]
                if count > 0 { result.append("\(from)→\(to) \(count)") }
            }
        }
        return result
    }
}
