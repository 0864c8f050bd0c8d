// Memory hierarchies named after machines of the story's eras. Sizes, ways and
// latencies are the published figures cited in the README ("The memory hierarchy");
// where a part has something this model lacks (the Pentium 4's trace cache) the
// README says what stands in for it.

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

    /// 2002: Pentium 4 (Northwood, 3.06 GHz), the first desktop part with Hyper-Threading.
    public static let pentium4 = MemoryPreset(
        name: "p4ht", summary: "2002 Pentium 4 (Northwood) with Hyper-Threading: one core, two hardware threads",
        hierarchy: MemoryHierarchy(
            name: "p4ht",
            l1i: CacheGeometry(size: 16 << 10, associativity: 8, replacement: .treePLRU, hitLatency: 1),
            l1d: CacheGeometry(size: 8 << 10, associativity: 4, replacement: .treePLRU, hitLatency: 2),
            l2: nil,
            llc: CacheGeometry(size: 512 << 10, associativity: 8, replacement: .treePLRU, hitLatency: 18),
            memoryLatency: 400, cacheToCacheLatency: 400),
        threadsPerCore: 2)

    /// 2006: Core 2 Duo (Conroe, E6600): two cores sharing a 4 MiB L2.
    public static let core2 = MemoryPreset(
        name: "core2", summary: "2006 Core 2 Duo (Conroe): two cores, private L1s, a shared 4 MiB L2",
        hierarchy: MemoryHierarchy(
            name: "core2",
            l1i: CacheGeometry(size: 32 << 10, associativity: 8, replacement: .treePLRU, hitLatency: 1),
            l1d: CacheGeometry(size: 32 << 10, associativity: 8, replacement: .treePLRU, hitLatency: 3),
            l2: nil,
            llc: CacheGeometry(size: 4 << 20, associativity: 16, replacement: .treePLRU, hitLatency: 14),
            memoryLatency: 200, cacheToCacheLatency: 30),
        threadsPerCore: 1)

    /// Today: a Zen 4 core complex (2022): eight cores with SMT, private L2s, a shared 32 MiB L3.
    public static let manyCore = MemoryPreset(
        name: "zen4", summary: "2022 AMD Zen 4 core complex: up to eight SMT cores, private 1 MiB L2s, a shared 32 MiB L3",
        hierarchy: MemoryHierarchy(
            name: "zen4",
            l1i: CacheGeometry(size: 32 << 10, associativity: 8, replacement: .treePLRU, hitLatency: 1),
            l1d: CacheGeometry(size: 32 << 10, associativity: 8, replacement: .treePLRU, hitLatency: 4),
            l2: CacheGeometry(size: 1 << 20, associativity: 8, replacement: .treePLRU, hitLatency: 14),
            llc: CacheGeometry(size: 32 << 20, associativity: 16, replacement: .treePLRU, hitLatency: 50),
            memoryLatency: 350, cacheToCacheLatency: 80),
        threadsPerCore: 2)
}
