// The socket calls against Linux: Checks/sockets.c prints every call's result or errno
// (socketpair, UNIX names and abstract names, TCP and UDP on 127.0.0.1, every errno the
// issue names) and must print the same bytes under the kernel as under qemu-riscv64,
// which passes the calls to the host's Linux.

import Kernel
import Testing

@Suite("Kernel: sockets match Linux")
struct SocketReferenceTests {
    @Test("the socket checks print the same under the kernel as under qemu-riscv64", .needsGuestToolchain, .needsQemu)
    func matchesQemu() throws {
        let elf = try GuestPrograms.build("Checks/sockets.c")
        let ours = try run(elf) { $0.memoryLimit = 64 << 20 }
        #expect(ours.ending == .exited(status: 0), "\(ours.text)")
        let reference = try GuestPrograms.runUnderQemu(elf)
        #expect(reference.status == 0)
        let expected = String(decoding: reference.output, as: UTF8.self)
        #expect(ours.text.split(separator: "\n").count > 200)
        // Line by line, so a difference names the check.
        let mine = ours.text.split(separator: "\n", omittingEmptySubsequences: false)
        let theirs = expected.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in theirs.enumerated() where index >= mine.count || mine[index] != line {
            Issue.record("line \(index + 1): qemu-riscv64 \"\(line)\", the kernel \"\(index < mine.count ? mine[index] : "(nothing)")\"")
            break
        }
        #expect(ours.text == expected)
    }

    @Test("the socket checks run the same on every seed and hart count", .needsGuestToolchain, arguments: [(1, 1), (2, 7), (4, 99)])
    func deterministic(harts: Int, seed: UInt64) throws {
        let elf = try GuestPrograms.build("Checks/sockets.c")
        let first = try run(elf) { $0.memoryLimit = 64 << 20; $0.harts = harts; $0.seed = seed }
        let second = try run(elf) { $0.memoryLimit = 64 << 20; $0.harts = harts; $0.seed = seed }
        #expect(first.ending == .exited(status: 0))
        #expect(first.output == second.output)
        #expect(first.statistics == second.statistics)
    }
}
