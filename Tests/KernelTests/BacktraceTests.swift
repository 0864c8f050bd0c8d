// Fault reports name the callers, and only real ones: a Swift program built with frame
// pointers (the default) that faults three calls below main shows the three callers in
// order; the instruction limit's report has them too; a hand-assembled program with a
// stale ra and garbage in s0 shows none, and a frame chain that loops stops.

import Kernel
import Machine
import Testing

@Suite("Kernel: backtraces in reports")
struct BacktraceTests {
    @Test("a fault three calls deep shows fillRecord, load and main, in that order",
          .enabled(if: GuestPrograms.builder != nil, "no Swift toolchain for riscv64 guests"))
    func threeDeep() throws {
        let elf = try #require(try GuestPrograms.build("Broken/null-pointer.swift"))
        let result = try run(elf)
        guard case .killed(let fault) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(fault.symbol?.contains("store") == true, "symbol: \(fault.symbol ?? "none")")
        let names = fault.callers.map { String($0.prefix { $0 != "(" && $0 != "+" }) }
        #expect(names.count >= 3, "\(fault.callers)")
        #expect(names.prefix(3).map { $0.hasPrefix("main.fillRecord") } == [true, false, false], "\(fault.callers)")
        #expect(names.dropFirst().first?.hasPrefix("main.load") == true, "\(fault.callers)")
        #expect(names.dropFirst(2).first == "main", "\(fault.callers)")
        let report = fault.description
        #expect(report.contains("  called from main.fillRecord"), "\(report)")
        #expect(report.contains("         from main.load"), "\(report)")
    }

    @Test("the instruction limit's report names main as the spinning function's caller, even when the call ends main",
          .enabled(if: GuestPrograms.builder != nil, "no Swift toolchain for riscv64 guests"))
    func instructionLimitCallers() throws {
        let elf = try #require(try GuestPrograms.build("Broken/spin.swift"))
        let result = try run(elf) { $0.instructionLimit = 100_000 }
        guard case .instructionLimit(let report) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(report.contains("in main.spin"), "\(report)")
        #expect(report.contains("  called from main+"), "\(report)")
    }

    @Test("a stale ra (not after a call) and a garbage frame pointer give no \"called from\"")
    func noFalseCallers() throws {
        let elf = UserProgram.elf { asm in
            asm.li(.ra, Int64(UserProgram.origin) + 8)         // inside this code, not after a call
            asm.li(.s0, Int64(UserProgram.data) + 0x100)       // not in a stack
            asm.li(.t0, 16)
            asm.sd(.t0, 0, .t0)                                 // store through a null pointer
        }
        let result = try run(elf)
        guard case .killed(let fault) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(fault.callers.isEmpty, "\(fault.callers)")
        #expect(!fault.description.contains("called from"))
    }

    @Test("a frame pointer chain that loops on itself stops the walk")
    func cycleStops() throws {
        // main calls leaf with a frame whose saved fp points at itself.
        let elf = UserProgram.elf { asm in
            asm.j("main")
            asm.label("leaf")
            asm.addi(.sp, .sp, -16)
            asm.sd(.ra, 8, .sp)
            asm.addi(.s0, .sp, 16)
            asm.sd(.s0, 0, .sp)                                 // saved fp = this frame: a cycle
            asm.li(.t0, 16)
            asm.sd(.t0, 0, .t0)
            asm.label("main")
            asm.jal(.ra, "leaf")
        }
        let result = try run(elf)
        guard case .killed(let fault) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(fault.callers.count == 1, "\(fault.callers)")
    }
}
