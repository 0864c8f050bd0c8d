// The memory system's counts as the public statistics types: per core and level, the
// shared last level, memory traffic and the MESI transition matrix. Counting happens in
// flat buffers on the access paths (CacheArray.statistics); this only copies them out.

extension MemorySystem {
    public var statistics: MemorySystemStatistics {
        var report = MemorySystemStatistics()
        for core in 0..<coreCount {
            let firstHart = core * threadsPerCore
            var entry = CoreCacheStatistics(core: core, harts: Array(firstHart..<min(hartCount, firstHart + threadsPerCore)))
            entry.l1i = l1i.statistics[core]
            entry.l1d = l1d.statistics[core]
            entry.l2 = l2.map { $0.statistics[core] }
            report.cores.append(entry)
        }
        report.llc = llc.statistics[0]
        report.memoryReads = memoryReads
        report.memoryWrites = memoryWrites
        for from in 0..<4 {
            for to in 0..<4 { report.transitions[from][to] = transitionCounts[from * 4 + to] }
        }
        return report
    }
}
