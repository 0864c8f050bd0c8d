// Pins a modelled run's every counter: harts that share lines (stores to overlapping
// lines, loads of each other's lines, an atomic counter) under the zen4 preset, a tiny
// hierarchy that evicts all the time (L2 and inclusion victims, both replacement
// policies) and SMT. The figures were taken from the cache model before any work on its
// speed: a faster miss path or loop that changes one hit, miss, cycle, transition,
// coherence event or contended line fails here.

import Testing
@testable import Machine
@testable import MachineTools

@Suite struct ModelledRunPinTests {
    static let array: UInt64 = 0x8010_0000

    /// Each hart stores to lines it shares with the others (at its own 8 bytes of them),
    /// loads lines the others store to, and adds to an atomic counter every eighth round.
    static func sharingProgram(rounds: Int64, harts: Int64) throws -> [UInt8] {
        var asm = Assembler(origin: 0x8000_0000)
        asm.li(.a0, Int64(MultiHartTests.counter)); asm.li(.a1, Int64(MultiHartTests.done)); asm.li(.t0, rounds)
        asm.csrrs(.s0, 0xF14, .zero)   // s0 = mhartid
        asm.slli(.s1, .s0, 3); asm.li(.a4, Int64(array)); asm.li(.a5, 0xFFFF); asm.li(.t4, 0); asm.li(.a6, 1)
        asm.label("loop")
        asm.add(.t5, .t4, .s1); asm.and(.t5, .t5, .a5); asm.add(.t5, .t5, .a4); asm.sd(.t0, 0, .t5)
        asm.add(.t6, .t4, .t4); asm.and(.t6, .t6, .a5); asm.add(.t6, .t6, .a4); asm.ld(.t1, 0, .t6)
        asm.addi(.t4, .t4, 192)
        asm.andi(.t2, .t0, 7); asm.bnez(.t2, "skip")
        asm.amoaddD(.zero, .a6, .a0)
        asm.label("skip")
        asm.addi(.t0, .t0, -1); asm.bnez(.t0, "loop")
        asm.amoaddD(.zero, .a6, .a1)
        asm.bnez(.s0, "park")
        asm.label("wait")
        asm.ld(.t3, 0, .a1); asm.li(.t4, harts); asm.bne(.t3, .t4, "wait")
        asm.li(.a2, 0x10_0000); asm.li(.a3, 0x5555); asm.sw(.a3, 0, .a2)
        asm.label("park")
        asm.emit(0x1050_0073)          // wfi
        asm.j("park")
        return ELFWriter.executable(contents: try asm.assemble(), address: 0x8000_0000, entry: 0x8000_0000, zeroFill: 0x20_0000)
    }

    /// Every counter of one run, as text: each hart's cycle and instret, every cache's
    /// statistics, memory traffic, MESI transitions, a digest of the coherence events, the
    /// contended lines.
    static func counters(harts: Int, smt: Int = 1, hierarchy: MemoryHierarchy, granularity: Int, contention: Bool) throws -> String {
        var configuration = MachineConfiguration()
        configuration.hartCount = harts
        configuration.threadsPerCore = smt
        configuration.memoryHierarchy = hierarchy
        configuration.interleaveGranularity = granularity
        configuration.seed = 7
        configuration.jitter = 3
        let machine = try Machine(configuration: configuration)
        try machine.load(ELFImage(bytes: sharingProgram(rounds: 3000, harts: Int64(harts))))
        guard let system = machine.memorySystem else { return "no memory system" }
        var events = 0
        var digest: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ value: UInt64) { digest = (digest ^ value) &* 0x100_0000_01B3 }
        system.onCoherenceEvent = { event in
            events += 1
            mix(UInt64(event.hart)); mix(UInt64(event.core)); mix(UInt64(event.kind.rawValue))
            mix(UInt64(event.from.rawValue)); mix(UInt64(event.to.rawValue)); mix(event.lineAddress)
            mix(event.invalidatedCores); mix(UInt64(bitPattern: Int64(event.suppliedBy ?? -1))); mix(event.pc)
            for byte in event.level.utf8 { mix(UInt64(byte)) }
        }
        system.recordsContention = contention
        let stop = machine.run(budget: 20_000_000)
        var text = "stop \(stop)\n"
        text += "cycles \(machine.harts.map(\.cycle)) instret \(machine.harts.map(\.instret))\n"
        text += "counter \(machine.memory.readInteger(at: MultiHartTests.counter, size: 8) ?? 0)\n"
        func level(_ name: String, _ s: CacheLevelStatistics) -> String {
            "\(name) \(s.hits) \(s.misses) \(s.compulsoryMisses) \(s.capacityMisses) \(s.conflictMisses) \(s.coherenceMisses) "
                + "\(s.writeBacks) \(s.invalidationsSent) \(s.invalidationsReceived) \(s.cacheToCacheReceived) \(s.cacheToCacheSupplied) \(s.hitModified)\n"
        }
        let statistics = system.statistics
        for core in statistics.cores {
            text += level("c\(core.core) L1I", core.l1i) + level("c\(core.core) L1D", core.l1d)
            if let l2 = core.l2 { text += level("c\(core.core) L2", l2) }
        }
        text += level("LLC", statistics.llc)
        text += "memory \(statistics.memoryReads) \(statistics.memoryWrites) transitions \(statistics.transitions)\n"
        text += "misses \((0..<harts).map { system.privateMisses(hart: $0) })\n"
        text += "events \(events) digest \(digest)\n"
        for line in system.contendedLines(limit: 4) {
            text += "line \(line.lineAddress) \(line.hitModifiedLoads) \(line.invalidations) \(line.cacheToCacheTransfers) "
                + "\(line.accessors.map { "\($0.hart)/\($0.pc)/\($0.offsetInLine)/\($0.loads)/\($0.stores)/\($0.hitModified)" })\n"
        }
        return text
    }

    @Test func zen4WithFourHartsAtGranularityOne() throws {
        let text = try Self.counters(harts: 4, hierarchy: MemoryPreset.manyCore.hierarchy, granularity: 1, contention: false)
        #expect(text == Self.expected["zen4"], "\(text)")
    }

    @Test func zen4WithSMTAndContentionRecorded() throws {
        let text = try Self.counters(harts: 4, smt: 2, hierarchy: MemoryPreset.manyCore.hierarchy, granularity: 5, contention: true)
        #expect(text == Self.expected["zen4-smt"], "\(text)")
    }

    @Test(arguments: [CacheReplacement.lru, .treePLRU])
    func tinyCachesThatEvictAllTheTime(replacement: CacheReplacement) throws {
        let text = try Self.counters(harts: 3, hierarchy: tinyHierarchy(l2: true, replacement: replacement), granularity: 3, contention: false)
        #expect(text == Self.expected["tiny-\(replacement)"], "\(text)")
    }

    @Test func tinyCachesWithoutSecondLevel() throws {
        let text = try Self.counters(harts: 2, hierarchy: tinyHierarchy(l2: false, replacement: .lru), granularity: 1000, contention: true)
        #expect(text == Self.expected["tiny-no-l2"], "\(text)")
    }

    static let expected: [String: String] = [
        "tiny-lru": """
            stop powerOff(exitCode: 0)
            cycles [516070, 516023, 515917] instret [39411, 39396, 39396]
            counter 1125
            c0 L1I 40063 100 3 0 97 0 0 0 0 26 2255 0
            c0 L1D 14 6366 1025 5125 4 212 1120 2260 2261 3242 997 6
            c0 L2 7 6459 1028 4990 226 215 1111 0 2268 0 31 0
            c1 L1I 40051 97 3 0 94 0 0 0 0 25 2244 0
            c1 L1D 6 6370 1025 5127 3 215 1131 2262 2253 3245 1000 7
            c1 L2 8 6459 1028 4988 228 215 1122 0 2259 0 28 0
            c2 L1I 40047 101 3 0 98 0 0 0 0 24 2254 0
            c2 L1D 9 6367 1025 5115 4 223 1119 2273 2262 3265 999 1
            c2 L2 6 6462 1028 4981 228 225 1113 0 2268 0 19 0
            LLC 13384 6020 1028 4857 135 0 2981 0 0 0 0 0
            memory 6020 2981 transitions [[0, 6219, 3060, 10101], [9245, 0, 0, 24], [0, 3060, 0, 0], [10096, 14, 0, 0]]
            misses [12925, 12926, 12930]
            events 41819 digest 1022526767392395410

            """,
        "tiny-no-l2": """
            stop powerOff(exitCode: 0)
            cycles [552565, 550916] instret [40401, 39396]
            counter 750
            c0 L1I 40650 127 3 0 124 0 0 0 0 63 1751 0
            c0 L1D 348 6362 1025 5162 6 169 1685 1693 1692 3192 1492 5
            c1 L1I 39645 127 3 0 124 0 0 0 0 64 1749 0
            c1 L1D 12 6364 1025 5166 3 170 1687 1692 1693 3179 1506 5
            LLC 6920 6072 1028 4857 187 0 2981 0 0 0 0 0
            memory 6072 2981 transitions [[0, 3125, 3118, 6737], [6227, 0, 0, 12], [0, 3115, 0, 3], [6735, 10, 0, 0]]
            misses [6489, 6491]
            events 29082 digest 10247767114863630391
            line 2147549184 1 376 377 ["0/2147483784/8/334/0/1", "0/2147483764/0/0/375/0", "1/2147483764/0/0/374/0", "0/2147483776/8/0/1/0", "1/2147483776/8/0/1/0"]
            line 2148532608 3 3 6 ["0/2147483748/0/6/0/2", "1/2147483748/0/5/0/1", "0/2147483732/0/0/3/0", "1/2147483732/8/0/2/0"]
            line 2148532992 0 6 9 ["0/2147483748/0/6/0/0", "1/2147483748/0/5/0/0", "0/2147483732/0/0/3/0", "1/2147483732/8/0/3/0"]
            line 2148533376 0 6 9 ["1/2147483748/0/6/0/0", "0/2147483748/0/5/0/0", "1/2147483732/8/0/3/0", "0/2147483732/0/0/3/0"]

            """,
        "tiny-treePLRU": """
            stop powerOff(exitCode: 0)
            cycles [516097, 515998, 516016] instret [39447, 39396, 39396]
            counter 1125
            c0 L1I 40101 98 3 0 95 0 0 0 0 27 2243 0
            c0 L1D 22 6370 1025 5126 4 215 1132 2266 2252 3251 995 7
            c0 L2 8 6460 1028 4982 231 219 1123 0 2260 0 33 0
            c1 L1I 40040 108 3 0 105 0 0 0 0 24 2251 0
            c1 L1D 11 6365 1025 5110 4 226 1122 2270 2258 3236 1006 4
            c1 L2 3 6470 1028 4987 228 227 1117 0 2264 0 20 0
            c2 L1I 40046 102 3 0 99 0 0 0 0 26 2258 0
            c2 L1D 8 6368 1025 5125 4 214 1117 2262 2266 3264 994 2
            c2 L2 7 6463 1028 4988 232 215 1109 0 2274 0 28 0
            LLC 13392 6022 1028 4856 138 0 2981 0 0 0 0 0
            memory 6022 2981 transitions [[0, 6227, 3063, 10103], [9258, 0, 0, 21], [0, 3063, 0, 0], [10097, 13, 0, 0]]
            misses [12928, 12943, 12933]
            events 41845 digest 9176446657096004243

            """,
        "zen4": """
            stop powerOff(exitCode: 0)
            cycles [645580, 645398, 645373, 645436] instret [46695, 39396, 39396, 39396]
            counter 1500
            c0 L1I 47867 3 3 0 0 0 0 0 0 0 2564 0
            c0 L1D 3216 5592 1025 2352 1045 1170 681 5323 3379 3216 741 1087
            c0 L2 1466 4129 1028 0 0 3101 51 0 3731 0 53 0
            c1 L1I 40708 3 3 0 0 0 0 0 0 1 2993 0
            c1 L1D 584 5792 1025 2434 669 1664 473 4433 3780 3246 422 548
            c1 L2 606 5189 1028 0 0 4161 71 0 4710 0 71 0
            c2 L1I 40728 3 3 0 0 0 0 0 0 0 2749 0
            c2 L1D 655 5721 1025 2009 603 2084 475 3675 3781 3335 530 325
            c2 L2 456 5268 1028 0 0 4240 47 0 4631 0 48 0
            c3 L1I 40729 3 3 0 0 0 0 0 0 2 2062 0
            c3 L1D 368 6008 1025 2391 751 1841 1238 3698 2896 3463 924 421
            c3 L2 1084 4927 1028 0 0 3899 106 0 4057 0 106 0
            LLC 20366 1028 1028 0 0 0 0 0 0 0 0 0
            memory 1028 0 transitions [[0, 7583, 514, 11416], [6761, 0, 0, 1881], [0, 514, 0, 0], [10368, 2381, 0, 0]]
            misses [9724, 10984, 10992, 10938]
            events 41418 digest 9135448797782687320

            """,
        "zen4-smt": """
            stop powerOff(exitCode: 0)
            cycles [578813, 542246, 578633, 578605] instret [50967, 39396, 39396, 39396]
            counter 1500
            c0 L1I 90988 3 3 0 0 0 0 0 0 0 2744 0
            c0 L1D 11175 5433 1025 2198 1204 1006 771 2961 2871 3069 656 1145
            c0 L2 1811 3625 1028 0 0 2597 114 0 3328 0 117 0
            c1 L1I 79482 3 3 0 0 0 0 0 0 3 1667 0
            c1 L1D 7022 5730 1025 2382 1199 1124 2297 3328 1476 3514 1085 517
            c1 L2 1744 3989 1028 0 0 2961 317 0 2961 0 317 0
            LLC 8464 1028 1028 0 0 0 0 0 0 0 0 0
            memory 1028 0 transitions [[0, 2175, 514, 4925], [1878, 0, 0, 1878], [0, 513, 0, 1], [4411, 1662, 0, 0]]
            misses [4669, 4392, 7527, 2195]
            events 17957 digest 15962316838210412296
            line 2147549184 67 714 715 ["0/2147483784/8/3856/0/67", "1/2147483764/0/0/375/0", "0/2147483764/0/0/375/0", "2/2147483764/0/0/374/0", "3/2147483764/0/0/374/0", "0/2147483776/8/0/1/0", "1/2147483776/8/0/1/0", "3/2147483776/8/0/1/0", "2/2147483776/8/0/1/0"]
            line 2148532992 5 8 9 ["1/2147483748/0/6/0/3", "3/2147483748/0/6/0/1", "2/2147483748/0/5/0/1", "0/2147483748/0/6/0/0", "0/2147483732/0/0/3/0", "3/2147483732/24/0/3/0", "1/2147483732/8/0/3/0", "2/2147483732/16/0/3/0"]
            line 2148532608 6 6 7 ["0/2147483748/0/6/0/3", "1/2147483748/0/6/0/1", "2/2147483748/0/5/0/1", "3/2147483748/0/5/0/1", "0/2147483732/0/0/3/0", "1/2147483732/8/0/3/0", "3/2147483732/24/0/3/0", "2/2147483732/16/0/2/0"]
            line 2148533760 5 7 8 ["3/2147483748/0/6/0/2", "1/2147483748/0/6/0/2", "0/2147483748/0/5/0/1", "2/2147483748/0/6/0/0", "0/2147483732/0/0/3/0", "1/2147483732/8/0/3/0", "3/2147483732/24/0/3/0", "2/2147483732/16/0/3/0"]

            """,
    ]
}
