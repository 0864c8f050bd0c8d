// A random tester for the memory system in the spirit of gem5 Ruby's: many cores, tiny
// caches (so evictions and inclusion victims happen all the time), seeded random loads,
// stores and atomics on a few lines. With coherence on it checks the MESI invariants
// after every step and that no load ever sees a value other than the single-copy
// reference; with coherence off it checks every loaded value against a model of
// per-core copies written here independently of the engine.

import Testing
@testable import Machine

/// Builds a memory system over a host buffer the test owns.
final class MemorySystemRig {
    let ram: UnsafeMutableRawPointer
    let ramSize: Int
    let system: MemorySystem

    init(hierarchy: MemoryHierarchy, harts: Int, threadsPerCore: Int = 1, ramSize: Int = 1 << 20) throws {
        self.ramSize = ramSize
        ram = UnsafeMutableRawPointer.allocate(byteCount: ramSize, alignment: 64)
        ram.initializeMemory(as: UInt8.self, repeating: 0, count: ramSize)
        system = try MemorySystem(hierarchy: hierarchy, hartCount: harts, threadsPerCore: threadsPerCore, ram: ram, ramSize: ramSize)
    }

    deinit { ram.deallocate() }

    func byte(_ offset: Int) -> UInt8 { ram.load(fromByteOffset: offset, as: UInt8.self) }
}

/// A tiny hierarchy: 2-way 4-set L1s, optionally a 4-way L2, a 4-way LLC of 8 sets.
func tinyHierarchy(l2: Bool, replacement: CacheReplacement, coherent: Bool = true, llcSize: Int = 2048, l1Size: Int = 512) -> MemoryHierarchy {
    MemoryHierarchy(
        name: "tiny",
        l1i: CacheGeometry(size: l1Size, associativity: 2, replacement: replacement, hitLatency: 1),
        l1d: CacheGeometry(size: l1Size, associativity: 2, replacement: replacement, hitLatency: 2),
        l2: l2 ? CacheGeometry(size: 1024, associativity: 4, replacement: replacement, hitLatency: 8) : nil,
        llc: CacheGeometry(size: llcSize, associativity: 4, replacement: replacement, hitLatency: 20),
        memoryLatency: 100, cacheToCacheLatency: 40, coherent: coherent)
}

/// Seeded SplitMix64, so each seed replays the same operations.
struct TesterRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// The MESI invariants for `line`, checked from the raw cache arrays; a description of the first broken one, or nil.
func mesiViolation(_ system: MemorySystem, line: UInt64) -> String? {
    var states: [CoherenceState] = []
    var holders: UInt64 = 0
    for core in 0..<system.coreCount {
        let data = system.l1d.state(cache: core, line: line)
        let fetch = system.l1i.state(cache: core, line: line)
        let second = system.l2?.state(cache: core, line: line) ?? .invalid
        if let l2 = system.l2 {
            _ = l2
            if (data != .invalid || fetch != .invalid) && second == .invalid { return "core \(core): an L1 copy of line \(line) is not in its L2" }
            if data != .invalid && data != second { return "core \(core): L1D \(data) and L2 \(second) disagree on line \(line)" }
        }
        if fetch == .modified { return "core \(core): L1I holds line \(line) in M" }
        let state = max(data, fetch, second)
        states.append(state)
        if state != .invalid { holders |= 1 << UInt64(core) }
    }
    let owners = states.filter { $0 == .exclusive || $0 == .modified }.count
    let valid = states.filter { $0 != .invalid }.count
    if owners > 1 { return "line \(line): \(owners) cores hold it in E or M (\(states))" }
    if owners == 1 && valid > 1 { return "line \(line): an E/M copy beside other valid copies (\(states))" }
    let way = system.llc.find(cache: 0, line: line)
    if way < 0 {
        return holders == 0 ? nil : "line \(line): private copies (cores \(String(holders, radix: 2))) but not in the LLC"
    }
    for core in 0..<system.coreCount {
        for bank in [system.l1d, system.l1i] + (system.l2.map { [$0] } ?? []) {
            let privateWay = bank.find(cache: core, line: line)
            if privateWay >= 0, Int(bank.lastLevelWays[privateWay]) != way {
                return "core \(core) \(bank.label): line \(line) remembers LLC way \(bank.lastLevelWays[privateWay]), the LLC holds it in \(way)"
            }
        }
    }
    let sharers = system.llc.sharers?[way] ?? 0
    if sharers != holders { return "line \(line): directory \(String(sharers, radix: 2)) but holders \(String(holders, radix: 2))" }
    let owned = system.llc.sharers?.has(WayState.owned, way: way) ?? false
    if owned != (owners == 1) { return "line \(line): owned flag \(owned) but \(owners) E/M holders (\(states))" }
    return nil
}

@Suite struct MemorySystemRandomTests {
    /// The lines the tester uses: eight lines that crowd two sets of every tiny cache.
    static let lines: [Int] = (0..<8).map { $0 * 256 + ($0 & 1) * 64 }

    static func randomRun(l2: Bool, replacement: CacheReplacement, seed: UInt64, harts: Int, threadsPerCore: Int, steps: Int) throws {
        let rig = try MemorySystemRig(hierarchy: tinyHierarchy(l2: l2, replacement: replacement), harts: harts, threadsPerCore: threadsPerCore)
        let system = rig.system
        var random = TesterRandom(state: seed)
        var reference = [UInt8](repeating: 0, count: 8 * 256 + 128)
        var transitions = 0
        system.onCoherenceEvent = { _ in transitions += 1 }
        for step in 0..<steps {
            let hart = random.below(harts)
            let base = lines[random.below(lines.count)]
            let size = [1, 2, 4, 8][random.below(4)]
            // Mostly aligned, sometimes across the end of the line (two lines touched).
            let offset = random.below(8) == 0 ? base + 64 - size / 2 - 1 : base + random.below(64 / size) * size
            let pc = UInt64(0x1000 + 4 * random.below(16))
            switch random.below(10) {
            case 0..<4:
                let (value, _) = system.loadValue(hart: hart, offset: offset, size: size, pc: pc)
                let expected = (0..<size).reduce(UInt64(0)) { $0 | UInt64(reference[offset + $1]) << UInt64(8 * $1) }
                #expect(value == expected, "step \(step): hart \(hart) loaded \(value) at \(offset), the single copy holds \(expected)")
                if value != expected { return }
            case 4..<8:
                let value = random.next()
                _ = system.storeValue(hart: hart, offset: offset, size: size, value: value, pc: pc)
                for index in 0..<size { reference[offset + index] = UInt8(truncatingIfNeeded: value >> UInt64(8 * index)) }
            case 8:
                _ = system.atomic(hart: hart, offset: offset & ~7, size: 8, pc: pc)
            default:
                _ = system.fetch(hart: hart, offset: base, pc: pc)
            }
            for line in lines.map({ UInt64($0 >> 6) }) + lines.map({ UInt64($0 >> 6) + 1 }) {
                if let violation = mesiViolation(system, line: line) {
                    Issue.record("step \(step) (seed \(seed)): \(violation)")
                    return
                }
            }
        }
        for offset in 0..<reference.count where rig.byte(offset) != reference[offset] {
            Issue.record("RAM byte \(offset) is \(rig.byte(offset)), the reference \(reference[offset])")
            return
        }
        let statistics = system.statistics
        #expect(transitions > 0)
        #expect(statistics.llc.misses > 0 && statistics.cores.contains { $0.l1d.invalidationsReceived > 0 })
        #expect(statistics.cores.contains { $0.l1d.hitModified > 0 })
    }

    @Test(arguments: [(false, CacheReplacement.lru), (false, .treePLRU), (true, .lru), (true, .treePLRU)])
    func coherentRandomAccessesKeepMESIAndTheSingleCopy(l2: Bool, replacement: CacheReplacement) throws {
        for seed: UInt64 in [1, 2, 3] {
            try Self.randomRun(l2: l2, replacement: replacement, seed: seed, harts: 8, threadsPerCore: 1, steps: 4000)
        }
    }

    @Test func smtSiblingsShareTheirCoresCaches() throws {
        try Self.randomRun(l2: true, replacement: .treePLRU, seed: 7, harts: 8, threadsPerCore: 2, steps: 4000)
    }

    /// Coherence off against an independent model: each core's copies with dirty bytes.
    /// The L1Ds are tiny (their evictions merge into the L2, which the core cannot tell
    /// apart) and the L2s and LLC are large enough never to evict, so the model needs no
    /// replacement policy: a core's copy lives until it is flushed, an atomic drops it or
    /// the host writes its line.
    /// Without an L2 the L1D is the large one.
    /// SMT siblings (threads per core 2) share their core's copies.
    @Test(arguments: [(UInt64(11), true, 1), (12, true, 1), (13, true, 2), (14, false, 1), (15, false, 2)])
    func withoutCoherenceLoadsMatchAModelOfPrivateCopies(seed: UInt64, l2: Bool, threadsPerCore: Int) throws {
        let hierarchy = MemoryHierarchy(
            name: "values",
            l1i: CacheGeometry(size: 256, associativity: 2, hitLatency: 1),
            l1d: l2 ? CacheGeometry(size: 256, associativity: 2, hitLatency: 2) : CacheGeometry(size: 16384, associativity: 16, hitLatency: 2),
            l2: l2 ? CacheGeometry(size: 16384, associativity: 16, hitLatency: 8) : nil,
            llc: CacheGeometry(size: 65536, associativity: 16, hitLatency: 20),
            memoryLatency: 100, cacheToCacheLatency: 40, coherent: false)
        let cores = 6
        let rig = try MemorySystemRig(hierarchy: hierarchy, harts: cores * threadsPerCore, threadsPerCore: threadsPerCore)
        let system = rig.system
        var random = TesterRandom(state: seed)
        var model = PrivateCopiesModel(cores: cores, ramSize: 8 * 256 + 128)
        for step in 0..<5000 {
            let hart = random.below(cores * threadsPerCore)
            let core = hart / threadsPerCore
            let base = Self.lines[random.below(Self.lines.count)]
            let size = [1, 2, 4, 8][random.below(4)]
            let offset = random.below(8) == 0 ? base + 64 - size / 2 - 1 : base + random.below(64 / size) * size
            switch random.below(20) {
            case 0..<8:
                let value = system.loadValue(hart: hart, offset: offset, size: size, pc: 0).value
                let expected = model.load(core: core, offset: offset, size: size)
                #expect(value == expected, "step \(step): core \(core) loaded \(value) at \(offset), the model says \(expected)")
                if value != expected { return }
            case 8..<16:
                let value = random.next()
                _ = system.storeValue(hart: hart, offset: offset, size: size, value: value, pc: 0)
                model.store(core: core, offset: offset, size: size, value: value)
            case 16:
                let aligned = offset & ~7
                _ = system.atomic(hart: hart, offset: aligned, size: 8, pc: 0)
                model.dropForAtomic(core: core, offset: aligned)
                // The operation itself, done on RAM as the run loop would.
                let old = rig.ram.loadUnaligned(fromByteOffset: aligned, as: UInt64.self)
                rig.ram.storeBytes(of: old &+ 1, toByteOffset: aligned, as: UInt64.self)
                model.ramAdd(offset: aligned, 1)
            case 17:
                system.flushPrivateCaches(hart: hart)
                model.flush(core: core)
            case 18:
                let length = 1 + random.below(100)
                let start = random.below(8 * 256 + 128 - length)
                let fill = UInt8(truncatingIfNeeded: random.next())
                for index in start..<(start + length) { rig.ram.storeBytes(of: fill, toByteOffset: index, as: UInt8.self) }
                system.hostWrote(offset: start, length: length)
                model.hostWrite(offset: start, length: length, byte: fill)
            default:
                _ = system.fetch(hart: hart, offset: base, pc: 0)
                if l2 { model.fetchFillsSecondLevel(core: core, offset: base) }
            }
        }
        for core in 0..<cores { system.flushPrivateCaches(hart: core * threadsPerCore); model.flush(core: core) }
        for offset in 0..<model.ram.count where rig.byte(offset) != model.ram[offset] {
            Issue.record("after flushing, RAM byte \(offset) is \(rig.byte(offset)), the model \(model.ram[offset])")
            return
        }
    }
}

/// Coherence off, written from the model's rules alone: RAM, and per core a set of line
/// copies with per-byte dirty flags.
struct PrivateCopiesModel {
    struct Copy {
        var bytes: [UInt8]
        var dirty: [Bool]
    }
    var ram: [UInt8]
    var copies: [[Int: Copy]]

    init(cores: Int, ramSize: Int) {
        ram = [UInt8](repeating: 0, count: ramSize)
        copies = Array(repeating: [:], count: cores)
    }

    private mutating func copy(core: Int, line: Int) -> Copy {
        if let existing = copies[core][line] { return existing }
        let fresh = Copy(bytes: Array(ram[(line * 64)..<(line * 64 + 64)]), dirty: Array(repeating: false, count: 64))
        copies[core][line] = fresh
        return fresh
    }

    /// A fetch brings the line into the core's L2, which holds values: a copy from now on.
    mutating func fetchFillsSecondLevel(core: Int, offset: Int) { _ = copy(core: core, line: offset / 64) }

    mutating func load(core: Int, offset: Int, size: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<size {
            let address = offset + index
            value |= UInt64(copy(core: core, line: address / 64).bytes[address % 64]) << UInt64(8 * index)
        }
        return value
    }

    mutating func store(core: Int, offset: Int, size: Int, value: UInt64) {
        for index in 0..<size {
            let address = offset + index
            var line = copy(core: core, line: address / 64)
            line.bytes[address % 64] = UInt8(truncatingIfNeeded: value >> UInt64(8 * index))
            line.dirty[address % 64] = true
            copies[core][address / 64] = line
        }
    }

    private mutating func writeBack(core: Int, line: Int, except: Range<Int>? = nil) {
        // A core without a copy of the line has nothing to write back.
        if let copy = copies[core][line] {
            for index in 0..<64 where copy.dirty[index] && !(except?.contains(line * 64 + index) ?? false) {
                ram[line * 64 + index] = copy.bytes[index]
            }
        }
        copies[core][line] = nil
    }

    mutating func dropForAtomic(core: Int, offset: Int) { writeBack(core: core, line: offset / 64) }

    mutating func ramAdd(offset: Int, _ amount: UInt64) {
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(ram[offset + index]) << UInt64(8 * index) }
        value &+= amount
        for index in 0..<8 { ram[offset + index] = UInt8(truncatingIfNeeded: value >> UInt64(8 * index)) }
    }

    mutating func flush(core: Int) {
        for line in copies[core].keys.sorted() { writeBack(core: core, line: line) }
    }

    mutating func hostWrite(offset: Int, length: Int, byte: UInt8) {
        let range = offset..<(offset + length)
        for index in range { ram[index] = byte }
        for core in copies.indices {
            for line in copies[core].keys.sorted() where line * 64 < range.upperBound && line * 64 + 64 > range.lowerBound {
                writeBack(core: core, line: line, except: range)
            }
        }
    }
}
