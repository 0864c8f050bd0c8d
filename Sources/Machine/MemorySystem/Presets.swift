// Memory hierarchies named after machines of the story's eras, with the sizes, ways and
// latencies their makers and measurers published. The README's table ("The memory
// hierarchy") lists every figure with its source, and a test keeps the two equal;
// docs/memory-hierarchy.md gives the citations and the conversions from nanoseconds
// (each at the part's own clock). What a part has and the model lacks has a stand-in:
// the Pentium 4's trace cache is an 8-way 16 KiB L1I, its 128-byte sectored L2 lines are
// 64-byte lines. Replacement is tree-PLRU everywhere: Intel documents pseudo-LRU for the
// Pentium 4; for the others it is a fair stand-in for a policy left unpublished.

/// A named hierarchy and how many hardware threads its cores run.
public struct MemoryPreset: Sendable, Equatable {
    public var name: String
    /// One line for `--help` and reports: the machine and its year.
    public var summary: String
    public var hierarchy: MemoryHierarchy
    /// SMT width of the part (2 for Hyper-Threading); `--smt` overrides it.
    public var threadsPerCore: Int

    public static let all: [MemoryPreset] = [pentium4, core2, manyCore]

    public static func named(_ name: String) -> MemoryPreset? { all.first { $0.name == name } }

    /// 2002: Pentium 4 (Northwood, 3.06 GHz, 533 MT/s bus), the first desktop part with
    /// Hyper-Threading. One core: a second one only exists if a run asks for more harts
    /// than two, and then lines move between cores over the front-side bus, through memory.
    public static let pentium4 = MemoryPreset(
        name: "p4ht", summary: "2002 Pentium 4 (Northwood, 3.06 GHz) with Hyper-Threading: one core, two hardware threads, 512 KiB L2",
        hierarchy: MemoryHierarchy(
            name: "p4ht",
            // Stand-in for the 12K-µop, 8-way execution trace cache (no byte size published).
            l1i: CacheGeometry(size: 16 << 10, associativity: 8, replacement: .treePLRU, hitLatency: 1),
            l1d: CacheGeometry(size: 8 << 10, associativity: 4, replacement: .treePLRU, hitLatency: 2),
            l2: nil,
            llc: CacheGeometry(size: 512 << 10, associativity: 8, replacement: .treePLRU, hitLatency: 7),
            // About 130 ns at 3.06 GHz (an estimate: see docs/memory-hierarchy.md).
            memoryLatency: 400, cacheToCacheLatency: 400),
        threadsPerCore: 2)

    /// 2006: Core 2 Duo (Conroe, E6600, 2.4 GHz, 1066 MT/s bus): two cores sharing a 4 MiB L2.
    public static let core2 = MemoryPreset(
        name: "core2", summary: "2006 Core 2 Duo (Conroe E6600, 2.4 GHz): two cores, private 32 KiB L1s, a shared 4 MiB L2",
        hierarchy: MemoryHierarchy(
            name: "core2",
            l1i: CacheGeometry(size: 32 << 10, associativity: 8, replacement: .treePLRU, hitLatency: 1),
            l1d: CacheGeometry(size: 32 << 10, associativity: 8, replacement: .treePLRU, hitLatency: 3),
            l2: nil,
            llc: CacheGeometry(size: 4 << 20, associativity: 16, replacement: .treePLRU, hitLatency: 14),
            // Memory about 75 ns at 2.4 GHz (an estimate); a line modified in the other
            // core's L1D costs 14 cycles + 5.5 bus cycles (Intel), 9 core cycles each.
            memoryLatency: 180, cacheToCacheLatency: 64),
        threadsPerCore: 1)

    /// Today: a Zen 4 core complex (2022, one CCD of a Ryzen 9 7950X at 5.7 GHz): eight SMT
    /// cores, private 1 MiB L2s, a shared 32 MiB L3.
    public static let manyCore = MemoryPreset(
        name: "zen4", summary: "2022 AMD Zen 4 core complex (Ryzen 9 7950X CCD, 5.7 GHz): up to eight SMT cores, private 1 MiB L2s, a shared 32 MiB L3",
        hierarchy: MemoryHierarchy(
            name: "zen4",
            l1i: CacheGeometry(size: 32 << 10, associativity: 8, replacement: .treePLRU, hitLatency: 1),
            l1d: CacheGeometry(size: 32 << 10, associativity: 8, replacement: .treePLRU, hitLatency: 4),
            l2: CacheGeometry(size: 1 << 20, associativity: 8, replacement: .treePLRU, hitLatency: 14),
            llc: CacheGeometry(size: 32 << 20, associativity: 16, replacement: .treePLRU, hitLatency: 50),
            // DRAM 63.6 ns, core to core within the CCD 15–19 ns (17), both at 5.7 GHz.
            memoryLatency: 363, cacheToCacheLatency: 97),
        threadsPerCore: 2)
}
