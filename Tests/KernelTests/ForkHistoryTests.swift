// fork and wait4 leave no trace in the kernel's live tables (issue 16): a reaped child
// leaves the process table (its summary stays for the statistics), and an orphan leaves
// it when it ends. Hand-assembled, so no toolchain is needed.

@testable import Kernel
import Machine
import MachineTools
import Testing

@Suite("Kernel: fork without history")
struct ForkHistoryTests {
    static let clone: Int64 = 220, wait4: Int64 = 260, exitGroup: Int64 = 94, SIGCHLD: Int64 = 17

    @Test("2,000 children forked and reaped one after another: one process left in the table, 2,001 in the statistics")
    func manyForksAndWaits() throws {
        let elf = UserProgram.elf { asm in
            asm.li(.s0, 2000)
            asm.label("loop")
            UserProgram.call(&asm, Self.clone, [Self.SIGCHLD, 0, 0, 0, 0])
            asm.blt(.a0, .zero, "fail")
            asm.bnez(.a0, "parent")
            UserProgram.call(&asm, Self.exitGroup, [3])   // the child
            asm.label("parent")
            asm.mv(.s1, .a0)
            asm.mv(.a0, .s1)
            for (register, value) in [(Register.a1, Int64(0)), (.a2, 0), (.a3, 0)] { asm.li(register, value) }
            asm.li(.a7, Self.wait4)
            asm.ecall()
            asm.bne(.a0, .s1, "fail")
            asm.addi(.s0, .s0, -1)
            asm.bnez(.s0, "loop")
            UserProgram.call(&asm, Self.exitGroup, [0])
            asm.label("fail")
            UserProgram.call(&asm, Self.exitGroup, [1])
        }
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 16 << 20
        let kernel = try Kernel(executable: elf, name: "forker", arguments: [], configuration: configuration,
                                io: KernelIO(writeOutput: { _ in }, writeError: { _ in }))
        let ending = kernel.run()
        #expect(ending == .exited(status: 0))
        #expect(kernel.processTable.count == 1)
        let summaries = kernel.processes
        #expect(summaries.count == 2001)
        #expect(summaries.last?.ending == .exited(status: 3))
        #expect(summaries.last?.parentID == 1)
        #expect(kernel.processEndings.count == 2001)
    }

    @Test("children whose parent ended first leave the table when they end")
    func orphansLeaveTheTable() throws {
        // The parent forks 20 children that each yield a few times, then exits at once.
        let elf = UserProgram.elf { asm in
            asm.li(.s0, 20)
            asm.label("loop")
            UserProgram.call(&asm, Self.clone, [Self.SIGCHLD, 0, 0, 0, 0])
            asm.bnez(.a0, "parent")
            asm.li(.s2, 5)
            asm.label("yield")
            UserProgram.call(&asm, 124)
            asm.addi(.s2, .s2, -1)
            asm.bnez(.s2, "yield")
            UserProgram.call(&asm, Self.exitGroup, [0])
            asm.label("parent")
            asm.addi(.s0, .s0, -1)
            asm.bnez(.s0, "loop")
            UserProgram.call(&asm, Self.exitGroup, [0])
        }
        let kernel = try Kernel(executable: elf, name: "parent", arguments: [], configuration: KernelConfiguration(),
                                io: KernelIO(writeOutput: { _ in }, writeError: { _ in }))
        let ending = kernel.run()
        #expect(ending == .exited(status: 0))
        #expect(kernel.processTable.count == 1, "only the first program stays")
        #expect(kernel.processes.count == 21)
        #expect(kernel.processes.dropFirst().allSatisfy { $0.parentID == nil && $0.ending == .exited(status: 0) })
    }
}
