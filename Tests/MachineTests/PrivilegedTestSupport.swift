// Support for the privileged-architecture suites (PrivilegeTests, VirtualMemoryTests,
// InterruptTests): running a program built with the standard prologue (BareMetalProgram.swift)
// after host code has prepared memory (Sv39 page tables, data), an Sv39 PTE builder, and a
// logging S-mode trap handler in assembly.

import Testing
@testable import Machine

enum Privileged {
    /// Builds `body` with the standard prologue and epilogue, loads it, lets `setup` prepare
    /// the machine (write page tables, fill the UART input), then runs it.
    static func run(_ body: String, budget: UInt64 = 1_000_000,
                    configure: (inout MachineConfiguration) -> Void = { _ in },
                    setup: (Machine, ELFImage) -> Void = { _, _ in }) throws -> ProgramRun {
        let source = BareMetal.prologue + body + BareMetal.epilogue
        let image = try ELFImage(bytes: try BareMetal.build(source))
        var configuration = MachineConfiguration()
        configuration.ramSize = 16 << 20
        configure(&configuration)
        let machine = try Machine(configuration: configuration)
        try machine.load(image)
        setup(machine, image)
        let stop = machine.run(budget: budget)
        return ProgramRun(machine: machine, stop: stop, image: image)
    }

    /// An S-mode trap handler at `s_handler` (install it with `la t0, s_handler; csrw stvec, t0`).
    /// It appends scause, sepc, stval and sstatus.SPP (0 or 0x100) with OUT; after an exception it returns past the
    /// trapping (4-byte) instruction, after an interrupt it clears sip.SSIP and sie and returns
    /// to sepc. Clobbers t5 (and t6 through OUT's users).
    static let supervisorHandler = """

            j s_handler_end           # falling off the body skips the handler
            .p2align 2
        s_handler:
            csrr t5, scause
            OUT t5
            csrr t5, sepc
            OUT t5
            csrr t5, stval
            OUT t5
            csrr t5, sstatus
            andi t5, t5, 1 << 8
            OUT t5
            csrr t5, scause
            bltz t5, 1f
            csrr t5, sepc
            addi t5, t5, 4
            csrw sepc, t5
            sret
        1:  csrci sip, 2
            csrw sie, zero
            sret
        s_handler_end:

        """

    /// Checks the traps the prologue's M-mode handler logged: cause, the label of mepc and,
    /// when given, the privilege the trap came from (mstatus.MPP).
    static func expectTraps(_ run: ProgramRun, _ expected: [(cause: UInt64, label: String, mpp: UInt64?)],
                            sourceLocation: SourceLocation = #_sourceLocation) {
        let traps = run.traps
        #expect(traps.count == expected.count, "\(traps.count) traps, expected \(expected.count): \(traps)",
                sourceLocation: sourceLocation)
        for (trap, want) in zip(traps, expected) {
            #expect(trap.cause == want.cause && trap.epc == run.address(want.label), "\(want.label): \(trap)",
                    sourceLocation: sourceLocation)
            if let mpp = want.mpp {
                #expect((trap.status >> 11) & 3 == mpp, "\(want.label): MPP", sourceLocation: sourceLocation)
            }
        }
    }
}

/// Sv39 page-table entries and `satp` values.
enum Sv39 {
    static let v: UInt64 = 1, r: UInt64 = 2, w: UInt64 = 4, x: UInt64 = 8, u: UInt64 = 16, g: UInt64 = 32
    static let a: UInt64 = 64, d: UInt64 = 128
    /// A readable, writable, executable leaf with A and D set.
    static let rwxad: UInt64 = v | r | w | x | a | d

    /// A PTE pointing at physical address `physical` (its PPN) with `flags`.
    static func pte(_ physical: UInt64, _ flags: UInt64) -> UInt64 { (physical >> 12) << 10 | flags }
    /// A pointer to the next-level table at `physical`.
    static func table(_ physical: UInt64) -> UInt64 { pte(physical, v) }
    /// satp for Sv39 with the root table at `root` and `asid`.
    static func satp(root: UInt64, asid: UInt64 = 0) -> UInt64 { 8 << 60 | asid << 44 | root >> 12 }

    /// Writes `pte` into entry `index` of the table at physical `table`.
    static func set(_ machine: Machine, table: UInt64, index: UInt64, _ pte: UInt64) {
        _ = machine.memory.writeInteger(pte, at: table + index * 8, size: 8)
    }
}
