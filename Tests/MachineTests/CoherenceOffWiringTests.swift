// The machine's side of `--coherence off`: every load and store goes through the private
// copies (so a flag one core sets stays invisible to a core holding a stale copy), a trap
// into the host flushes the trapping core's caches (so a system call sees what the
// program stored), and a host write reaches the cores that hold the line.

import Testing
@testable import Machine
@testable import MachineTools

@Suite struct CoherenceOffWiringTests {
    static let flag: UInt64 = 0x8001_0000
    static let seen: UInt64 = 0x8001_1000
    static let done: UInt64 = 0x8001_2000

    static func hierarchy(coherent: Bool) -> MemoryHierarchy {
        var hierarchy = MemoryPreset.core2.hierarchy
        hierarchy.coherent = coherent
        return hierarchy
    }

    /// Hart 1 loads the flag until it reads 1 or gives up after `tries`, then records what it
    /// read last with an AMO add to a zeroed word (atomics work on RAM, so the host sees it); hart 0 waits, sets the flag
    /// with a plain store and spins. Both then park.
    static func flagProgram(tries: Int64) throws -> [UInt8] {
        var asm = Assembler(origin: 0x8000_0000)
        asm.li(.a0, Int64(flag)); asm.li(.a1, Int64(seen)); asm.li(.a2, Int64(done))
        asm.csrrs(.s0, 0xF14, .zero)
        asm.bnez(.s0, "reader")
        // Writer: let the reader cache the flag first.
        asm.li(.t0, 2000)
        asm.label("delay"); asm.addi(.t0, .t0, -1); asm.bnez(.t0, "delay")
        asm.li(.t1, 1); asm.sd(.t1, 0, .a0)
        asm.li(.t0, Int64(tries) * 4)
        asm.label("linger"); asm.addi(.t0, .t0, -1); asm.bnez(.t0, "linger")
        asm.j("park")
        asm.label("reader")
        asm.li(.t0, tries)
        asm.label("poll")
        asm.ld(.t1, 0, .a0); asm.bnez(.t1, "record")
        asm.addi(.t0, .t0, -1); asm.bnez(.t0, "poll")
        asm.label("record")
        asm.amoaddD(.zero, .t1, .a1)
        asm.li(.t2, 1); asm.amoaddD(.zero, .t2, .a2)
        asm.label("park")
        asm.emit(0x1050_0073)          // wfi
        asm.j("park")
        return ELFWriter.executable(contents: try asm.assemble(), address: 0x8000_0000, entry: 0x8000_0000, zeroFill: 0x2_0000)
    }

    static func flagSeen(coherent: Bool) throws -> UInt64? {
        var configuration = MachineConfiguration()
        configuration.hartCount = 2
        configuration.memoryHierarchy = hierarchy(coherent: coherent)
        let machine = try Machine(configuration: configuration)
        try machine.load(ELFImage(bytes: flagProgram(tries: 20_000)))
        #expect(machine.run(budget: 5_000_000) == .allHartsWaiting)
        guard machine.memory.readInteger(at: done, size: 8) == 1 else { return nil }
        return machine.memory.readInteger(at: seen, size: 8)
    }

    @Test func aFlagSetByOneCoreIsSeenOnlyWithCoherence() throws {
        #expect(try Self.flagSeen(coherent: true) == 1)
        #expect(try Self.flagSeen(coherent: false) == 0, "the reader's stale copy must hide the writer's store")
    }

    @Test func aTrapIntoTheHostFlushesWhatTheProgramStored() throws {
        // Stores a word with a plain store, then write(1, word, 8): the host reads RAM.
        var asm = Assembler(origin: 0x8000_0000)
        asm.li(.a1, Int64(Self.flag)); asm.li(.t0, 0x1122_3344_5566_7788); asm.sd(.t0, 0, .a1)
        asm.li(.a0, 1); asm.li(.a2, 8); asm.li(.a7, 64); asm.ecall()
        asm.li(.a0, 0); asm.li(.a7, 93); asm.ecall()
        let elf = ELFWriter.executable(contents: try asm.assemble(), address: 0x8000_0000, entry: 0x8000_0000, zeroFill: 0x2_0000)
        var configuration = MachineConfiguration()
        configuration.memoryHierarchy = Self.hierarchy(coherent: false)
        let runtime = try MinimalUserRuntime(elf: elf, configuration: configuration)
        _ = runtime.runToExit()
        #expect(runtime.output == littleEndianBytes(UInt64(0x1122_3344_5566_7788)))
    }

    @Test func aHostWriteReachesACoreHoldingTheLine() throws {
        // The hart polls the flag (caching 0); the host then writes 5 into RAM.
        var asm = Assembler(origin: 0x8000_0000)
        asm.li(.a0, Int64(Self.flag)); asm.li(.a1, Int64(Self.seen))
        asm.label("poll"); asm.ld(.t1, 0, .a0); asm.beqz(.t1, "poll")
        asm.amoaddD(.zero, .t1, .a1)
        asm.label("park"); asm.emit(0x1050_0073); asm.j("park")
        let elf = ELFWriter.executable(contents: try asm.assemble(), address: 0x8000_0000, entry: 0x8000_0000, zeroFill: 0x2_0000)
        var configuration = MachineConfiguration()
        configuration.memoryHierarchy = Self.hierarchy(coherent: false)
        let machine = try Machine(configuration: configuration)
        try machine.load(ELFImage(bytes: elf))
        #expect(machine.run(budget: 10_000) == .budgetExhausted)
        machine.memory.writeInteger(5, at: Self.flag, size: 8)
        #expect(machine.run(budget: 10_000) == .allHartsWaiting)
        #expect(machine.memory.readInteger(at: Self.seen, size: 8) == 5)
    }
}
