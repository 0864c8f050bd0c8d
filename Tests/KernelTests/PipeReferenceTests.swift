// Pipes, eventfd and SIGPIPE against the reference: single-process C programs
// (Guest/Programs/Pipes) print every call's result or errno, and must print the same
// bytes and end with the same status under Interleave's kernel as under qemu-riscv64,
// which hands the calls to Linux.

import Kernel
import Testing

@Suite("Pipes: same results as qemu-riscv64")
struct PipeReferenceTests {
    @Test("pipe2, fcntl, EAGAIN, end of file, EPIPE, rt_sigaction, rt_sigprocmask and eventfd print what Linux prints",
          .needsGuestToolchain, .needsQemu)
    func semanticsMatchQemu() throws {
        let elf = try GuestPrograms.build("Pipes/pipe-semantics.c")
        let ours = try run(elf)
        #expect(ours.ending == .exited(status: 0), "\(ours.text)")
        let reference = try GuestPrograms.runUnderQemu(elf)
        let lines = ours.text.split(separator: "\n", omittingEmptySubsequences: false)
        let expected = String(decoding: reference.output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for (index, (line, want)) in zip(lines, expected).enumerated() where line != want {
            Issue.record("line \(index + 1): ours \"\(line)\", Linux \"\(want)\"")
        }
        #expect(lines.count == expected.count)
        #expect(reference.status == 0)
        #expect(ours.text.contains("write with no reader (ignored): -32"))
    }

    @Test("SIGPIPE: its default ends the process with status 141; blocked, the write gets EPIPE and unblocking ends it; a handler gets EPIPE",
          .needsGuestToolchain, .needsQemu, arguments: ["default", "late", "ignore", "handler"])
    func brokenPipeMatchesQemu(_ mode: String) throws {
        let elf = try GuestPrograms.build("Pipes/sigpipe.c")
        let ours = try run(elf, arguments: [mode])
        let reference = try GuestPrograms.runUnderQemu(elf, arguments: [mode])
        #expect(ours.ending.status == reference.status, "\(mode): \(ours.ending)")
        let text = ours.text.split(separator: "\n").filter { !$0.hasPrefix("interleave:") }.joined(separator: "\n") + "\n"
        #expect(text == String(decoding: reference.output, as: UTF8.self), "\(mode)")
        #expect(ours.ending.status == (mode == "handler" || mode == "ignore" ? 0 : 141))
    }
}
