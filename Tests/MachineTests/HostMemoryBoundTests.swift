// What a run costs the host stays bounded (issue 12 §4) and host writes behave as stores
// (§2): code spread over many more pages than the decoded-block pool holds runs right on
// one and two harts while the pool never grows past its cap, and a write by the host into
// reserved bytes (a system call's copy-out, the loader) makes the next `sc` fail.

import Testing
@testable import Machine
@testable import MachineTools

@Suite("Machine: bounded decoded blocks and host writes that break reservations")
struct HostMemoryBoundTests {
    static let origin: UInt64 = 0x8000_0000
    static let results: Int64 = 0x8010_0000

    /// Page i of `pages` adds i + 1 to a0 and jumps to the next (so a hart that fetched
    /// through a block recycled for another page would add the wrong amount); after the last, the
    /// whole chain runs again until `passes` are done. Hart 1 starts its first pass halfway. Each hart stores its a0 at
    /// `results + 8 × hart`; hart 0 waits for hart 1's (when `harts` is 2), then powers off.
    static func pageChain(pages: Int, passes: Int64, harts: Int) throws -> [UInt8] {
        var asm = Assembler(origin: origin)
        asm.csrrs(.tp, 0xF14, .zero)                      // mhartid
        asm.li(.s1, passes)
        asm.li(.a0, 0)
        asm.bnez(.tp, "second")                           // hart 1 enters halfway, so the harts'
        asm.j("p0")                                       // pages differ and evict each other's blocks
        asm.label("second")
        asm.j("p\(pages / 2)")
        for page in 0..<pages {
            while asm.currentAddress % 4096 != 0 { asm.nop() }
            asm.label("p\(page)")
            asm.addi(.a0, .a0, Int64(page + 1))
            asm.j("p\(page + 1)")
        }
        while asm.currentAddress % 4096 != 0 { asm.nop() }
        asm.label("p\(pages)")
        asm.addi(.s1, .s1, -1)
        asm.beqz(.s1, "done")
        asm.j("p0")
        asm.label("done")
        asm.li(.t0, results)
        asm.slli(.t1, .tp, 3)
        asm.add(.t0, .t0, .t1)
        asm.sd(.a0, 0, .t0)
        asm.label("spin")
        asm.bnez(.tp, "spin")
        if harts > 1 {
            asm.li(.t2, results + 8)
            asm.label("wait")
            asm.ld(.t3, 0, .t2)
            asm.beqz(.t3, "wait")
        }
        asm.li(.t0, 0x10_0000)
        asm.li(.t1, 0x5555)
        asm.sw(.t1, 0, .t0)
        return ELFWriter.executable(contents: try asm.assemble(), address: origin, entry: origin)
    }

    @Test("code over 64 pages runs right with a pool of 2 blocks, which never grows", arguments: [1, 2])
    func poolStaysWithinItsCap(harts: Int) throws {
        var configuration = MachineConfiguration()
        configuration.decodedBlockLimit = 2
        configuration.hartCount = harts
        configuration.interleaveGranularity = 3     // a turn often ends inside a page whose block the other hart takes
        let machine = try Machine(configuration: configuration)
        try machine.load(ELFImage(bytes: Self.pageChain(pages: 64, passes: 3, harts: harts)))
        var stop = StopReason.budgetExhausted
        for _ in 0..<200 where stop == .budgetExhausted {
            stop = machine.run(budget: 1_000)
            #expect(machine.memory.decodedBlockCount <= 2)
        }
        #expect(stop == .powerOff(exitCode: 0))
        let chain: UInt64 = 64 * 65 / 2, firstHalf: UInt64 = 32 * 33 / 2
        #expect(machine.memory.readInteger(at: UInt64(Self.results), size: 8) == 3 * chain)
        if harts == 2 {
            #expect(machine.memory.readInteger(at: UInt64(Self.results) + 8, size: 8) == 3 * chain - firstHalf)
        }
        #expect(machine.memory.decodedBlockCount == 2)
        #expect(machine.memory.decodedBlockEvictions > 64)
    }

    @Test("the default pool costs the host at most 32 MiB")
    func defaultBound() {
        #expect(PhysicalMemory.decodedBlockBytes == 32 << 10)
        #expect(PhysicalMemory.defaultDecodedBlockLimit * PhysicalMemory.decodedBlockBytes == 32 << 20)
        #expect(MachineConfiguration().decodedBlockLimit == PhysicalMemory.defaultDecodedBlockLimit)
    }

    @Test("a pool limit outside 1...65536 is refused")
    func poolLimitValidated() {
        var configuration = MachineConfiguration()
        configuration.decodedBlockLimit = 0
        #expect(throws: MachineError.self) { try Machine(configuration: configuration) }
    }

    enum HostWrite: CaseIterable { case none, bytes, integer, zero, elsewhere }

    /// `lr.w` on a word, then the host writes (or not), then `sc.w`; the sc result is stored.
    @Test("a host write into reserved bytes makes the next sc fail; one elsewhere does not", arguments: HostWrite.allCases)
    func hostWriteBreaksReservation(write: HostWrite) throws {
        let word: UInt64 = 0x8002_0000, result: UInt64 = 0x8002_1000
        var asm = Assembler(origin: Self.origin)
        asm.li(.s0, Int64(word))
        asm.lrW(.t2, .s0)
        let stepsToReserve = asm.words.count
        asm.li(.t1, 5)
        asm.scW(.t3, .t1, .s0)
        asm.li(.t0, Int64(result))
        asm.sd(.t3, 0, .t0)
        asm.li(.t0, 0x10_0000)
        asm.li(.t1, 0x5555)
        asm.sw(.t1, 0, .t0)
        let machine = try Machine(configuration: MachineConfiguration())
        try machine.load(ELFImage(bytes: ELFWriter.executable(contents: try asm.assemble(), address: Self.origin, entry: Self.origin)))
        #expect(machine.run(budget: UInt64(stepsToReserve)) == .budgetExhausted)
        #expect(machine.harts[0].reservation == word)
        switch write {
        case .none: break
        case .bytes: machine.memory.write([1, 2], at: word + 2)
        case .integer: machine.memory.writeInteger(3, at: word, size: 4)
        case .zero: machine.memory.zero(at: word & ~0xFFF, count: 4096)
        case .elsewhere: machine.memory.writeInteger(3, at: word + 128, size: 4)
        }
        #expect(machine.run(budget: 100) == .powerOff(exitCode: 0))
        let expected: UInt64 = write == .none || write == .elsewhere ? 0 : 1
        #expect(machine.memory.readInteger(at: result, size: 8) == expected, "\(write)")
    }
}
