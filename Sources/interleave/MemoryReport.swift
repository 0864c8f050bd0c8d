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
        let columns: [(String, Int)] = [("core", 5), ("level", 5), ("hits", 12), ("misses", 10), ("compulsory", 10), ("capacity", 9),
                                        ("conflict", 9), ("coherence", 9), ("write-backs", 11), ("inv sent", 9), ("inv recv", 9),
                                        ("c2c in", 8), ("c2c out", 8), ("HITM", 8)]
        lines.append("  " + columns.enumerated().map { pad($0.element.0, $0.element.1, left: $0.offset > 1) }.joined(separator: " "))
        func row(_ core: String, _ level: String, _ counts: CacheLevelStatistics) -> String {
            let values = [counts.hits, counts.misses, counts.compulsoryMisses, counts.capacityMisses, counts.conflictMisses,
                          counts.coherenceMisses, counts.writeBacks, counts.invalidationsSent, counts.invalidationsReceived,
                          counts.cacheToCacheReceived, counts.cacheToCacheSupplied, counts.hitModified]
            let cells = [pad(core, columns[0].1), pad(level, columns[1].1)]
                + values.enumerated().map { pad("\($0.element)", columns[$0.offset + 2].1, left: true) }
            return "  " + cells.joined(separator: " ")
        }
        for core in memory.cores {
            lines.append(row("\(core.core)", "L1I", core.l1i))
            lines.append(row("\(core.core)", "L1D", core.l1d))
            if let l2 = core.l2 { lines.append(row("\(core.core)", "L2", l2)) }
        }
        lines.append(row("all", "LLC", memory.llc))
        lines.append("  memory: \(memory.memoryReads) lines read, \(memory.memoryWrites) lines written")
        let transitions = Kernel.transitionList(memory)
        lines.append("  MESI transitions: " + (transitions.isEmpty ? "none" : transitions.joined(separator: ", ")))
        let threads = statistics.threads
        if !threads.isEmpty {
            lines.append("  thread   migrations   cache misses   misses in the first slice after a migration")
            for thread in threads {
                let metrics = thread.metrics
                lines.append("  " + [pad("\(thread.tid)", 6), pad("\(metrics.migrations)", 12, left: true),
                                     pad("\(metrics.cacheMisses)", 14, left: true),
                                     pad("\(metrics.missesAfterMigration)", 15, left: true)].joined(separator: " "))
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
