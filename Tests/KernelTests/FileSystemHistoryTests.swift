// The file system keeps nothing of what is gone: 10,000 files made, written, kept open
// across their unlink and closed leave no pages, no names and no bytes charged behind —
// structure checked, never host time.

@testable import Kernel
import Machine
import MachineTools
import Testing

@Suite("Files: costs independent of history")
struct FileSystemHistoryTests {
    @Test("10,000 files made, written (8 KiB), unlinked while open and closed leave the file system as it began")
    func manyFilesComeAndGo() throws {
        let path = UserProgram.data, buffer = UserProgram.data + 0x100
        let elf = UserProgram.elf(data: Array("/tmp/f".utf8) + [0], zeroFill: 0x4000) { asm in
            asm.li(.s0, 10_000)
            asm.label("loop")
            UserProgram.call(&asm, 56, [-100, path, 0o102, 0o644])   // openat(AT_FDCWD, "/tmp/f", O_CREAT|O_RDWR)
            asm.mv(.s1, .a0)
            asm.mv(.a0, .s1)
            asm.li(.a1, buffer)
            asm.li(.a2, 8192)
            asm.li(.a7, 64)                                            // write 8 KiB
            asm.ecall()
            asm.mv(.s2, .a0)
            UserProgram.call(&asm, 35, [-100, path, 0])                // unlinkat while open
            asm.mv(.a0, .s1)
            asm.li(.a7, 57)                                            // close: the pages go
            asm.ecall()
            asm.addi(.s0, .s0, -1)
            asm.bnez(.s0, "loop")
            asm.li(.t0, 8192)
            asm.sub(.a0, .s2, .t0)                                     // exit 0 when the last write took 8 KiB
            asm.li(.a7, 93)
            asm.ecall()
        }
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 16 << 20
        let kernel = try Kernel(executable: elf, name: "test", arguments: [], configuration: configuration,
                                io: KernelIO(writeOutput: { _ in }, writeError: { _ in }))
        let before = kernel.fileSystem.bytesHeld
        let ending = kernel.run()
        #expect(ending == .exited(status: 0))
        #expect(kernel.fileSystem.bytesHeld == before)
        let tmp = try #require(kernel.fileSystem.root.children[Array("tmp".utf8)])
        #expect(tmp.children.isEmpty && tmp.sortedNames.isEmpty)
        #expect(kernel.statistics.systemCalls >= 40_000)
    }
}
