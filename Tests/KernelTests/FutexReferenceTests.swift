// futex(2) against Linux: a glibc program makes every futex call whose answer does not
// depend on a schedule — errors and their order, FUTEX_WAKE_OP's arithmetic, deadlines on
// both clocks, the PI lock protocol from its owner — and prints each answer; the kernel
// must print what qemu-riscv64 (the host's Linux underneath) prints. Its timed-out and
// refused waits must leave nothing in the futex table.

@testable import Kernel
import Testing

@Suite("Futex calls against qemu-riscv64")
struct FutexReferenceTests {
    @Test("every single-thread futex answer matches Linux's", .needsGlibcToolchain, .needsQemu)
    func singleThreadAnswersMatchQemu() throws {
        let elf = try GlibcPrograms.build("Futex/futex-calls.c")
        let (result, kernel) = try FutexThreadTests.run(elf) { $0.memoryLimit = 64 << 20 }
        let reference = try GuestPrograms.runUnderQemu(elf)
        #expect(reference.status == 0)
        #expect(result.ending.status == 0)
        let lines = result.text.split(separator: "\n", omittingEmptySubsequences: false)
        let expected = String(decoding: reference.output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == expected.count)
        for (line, want) in zip(lines, expected) where line != want {
            Issue.record("kernel: \(line)\nLinux:  \(want)")
        }
        #expect(kernel.futexes.wordCount == 0 && kernel.futexes.sleeperCount == 0, "the table keeps nothing")
    }
}
