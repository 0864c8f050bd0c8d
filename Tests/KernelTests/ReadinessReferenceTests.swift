// pselect6, ppoll and epoll against Linux: Checks/readiness.c runs under the kernel and
// under qemu-riscv64 (which hands these calls to the host's Linux) and must print the
// same bytes — every errno, revents value, and level, edge and one-shot sequence, on
// pipes, eventfds and socketpairs.

import Kernel
import Testing

@Suite("Kernel: readiness matches qemu-riscv64")
struct ReadinessReferenceTests {
    @Test("pselect6, ppoll and epoll print the same as under qemu-riscv64", .needsGuestToolchain, .needsQemu)
    func matchesQemu() throws {
        let elf = try GuestPrograms.build("Checks/readiness.c")
        let ours = try run(elf) { $0.memoryLimit = 64 << 20 }
        #expect(ours.ending == .exited(status: 0), "\(ours.text)")
        let reference = try GuestPrograms.runUnderQemu(elf)
        #expect(reference.status == 0)
        let expected = String(decoding: reference.output, as: UTF8.self)
        #expect(expected.contains("== level, edge, one-shot"), "the reference ran to the end")
        let ourLines = ours.text.split(separator: "\n", omittingEmptySubsequences: false)
        let referenceLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, (mine, theirs)) in zip(ourLines, referenceLines).enumerated() where mine != theirs {
            Issue.record("line \(index + 1): ours \"\(mine)\", qemu-riscv64 \"\(theirs)\"")
        }
        #expect(ourLines.count == referenceLines.count)
    }
}
