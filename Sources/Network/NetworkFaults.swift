// The network's seeded faults: drop, duplicate and reorder chances, delay jitter, and
// partitions in cycles. One SplitMix64 seeded by the cluster's seed makes every decision,
// drawn in the order the switch handles packets, and only for faults that are set: the
// same configuration and seed make the same decisions, and a network with no faults
// draws nothing.

import Machine

struct NetworkFaults {
    private var random: SplitMix64
    let dropRate: Double
    let duplicateRate: Double
    let reorderRate: Double
    let reorderDelay: UInt64
    let jitter: UInt64
    private let partitions: [ActivePartition]

    /// A partition in cycles, its side as a mask over machine indices (from 0).
    struct ActivePartition {
        var inside: [Bool]
        var start: UInt64
        var heal: UInt64
    }

    init(settings: NetworkSettings, machines: Int, clockFrequency: UInt64, seed: UInt64) {
        random = SplitMix64(seed: seed)
        let faults = settings.faults
        dropRate = faults.dropRate
        duplicateRate = faults.duplicateRate
        reorderRate = faults.reorderRate
        reorderDelay = SimulatedTime.nanoseconds(faults.reorderDelayNanoseconds, clockFrequency: clockFrequency).cycles
        jitter = SimulatedTime.nanoseconds(faults.jitterNanoseconds, clockFrequency: clockFrequency).cycles
        partitions = settings.partitions.map { partition in
            var inside = [Bool](repeating: false, count: machines)
            for number in partition.side where number >= 1 && number <= machines { inside[number - 1] = true }
            let start = SimulatedTime.nanoseconds(partition.startNanoseconds, clockFrequency: clockFrequency).cycles
            let heal = partition.healNanoseconds.map { SimulatedTime.nanoseconds($0, clockFrequency: clockFrequency).cycles } ?? .max
            return ActivePartition(inside: inside, start: start, heal: heal)
        }
    }

    /// Whether a partition active at `cycle` separates machines `a` and `b` (indices from 0).
    func partitioned(_ a: Int, _ b: Int, at cycle: UInt64) -> Bool {
        partitions.contains { partition in
            cycle >= partition.start && cycle < partition.heal && partition.inside[a] != partition.inside[b]
        }
    }

    mutating func drops() -> Bool { chance(dropRate) }
    mutating func duplicates() -> Bool { chance(duplicateRate) }

    /// Cycles a packet is held back: 1...reorderDelay when the reorder fault strikes, else 0.
    mutating func holdBack() -> UInt64 {
        guard chance(reorderRate) else { return 0 }
        return 1 &+ uniform(upTo: reorderDelay &- min(reorderDelay, 1))
    }

    /// Extra delay drawn from 0...jitter (0 without drawing when there is no jitter).
    mutating func jitterDelay() -> UInt64 { jitter == 0 ? 0 : uniform(upTo: jitter) }

    /// True with probability `rate` (never for 0 or less or NaN, always for 1 or more);
    /// draws only when the answer is not certain.
    private mutating func chance(_ rate: Double) -> Bool {
        guard rate > 0 else { return false }
        guard rate < 1 else { return true }
        let unit = Double(random.next() >> 11) * 0x1.0p-53   // uniform in [0, 1)
        return unit < rate
    }

    /// Uniform in 0...bound, without modulo bias worth the name (the high half of a
    /// 128-bit product).
    private mutating func uniform(upTo bound: UInt64) -> UInt64 {
        guard bound > 0 else { return 0 }
        guard bound < .max else { return random.next() }
        return random.next().multipliedFullWidth(by: bound + 1).high
    }
}
