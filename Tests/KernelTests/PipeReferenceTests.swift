// Pipes, eventfd and SIGPIPE against the reference: single-process C programs
// (Guest/Programs/Pipes) print every call's result or errno, and must print the same
// bytes and end with the same status under Interleave's kernel as under qemu-riscv64,
// which hands the calls to Linux.

@testable import Kernel
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

@Suite("Pipes: fstat as Linux reports it")
struct PipeStatusTests {
    /// Whether this kernel has fstat yet (the files part brings it): a probe that exits
    /// with fstat(1)'s result, 218 being -ENOSYS's low byte.
    static let kernelHasFstat: Bool = {
        let probe = UserProgram.elf { asm in
            UserProgram.call(&asm, 80, [1, UserProgram.data])
            UserProgram.exitWithA0(&asm)
        }
        guard let outcome = try? run(probe) else { return false }
        return outcome.ending.status != 218
    }()

    @Test("fstat: a pipe's ends are S_IFIFO | 0600, an eventfd an anonymous inode with 0600, as qemu-riscv64 shows",
          .needsGuestToolchain, .needsQemu, .enabled(if: kernelHasFstat, "fstat comes with the file-system part of issue 14"))
    func statusMatchesQemu() throws {
        let elf = try GuestPrograms.build("Pipes/pipe-fstat.c")
        let ours = try run(elf)
        let reference = try GuestPrograms.runUnderQemu(elf)
        #expect(ours.text == String(decoding: reference.output, as: UTF8.self))
        #expect(ours.text.contains("read end: fstat 0, mode 010600"))
    }

    @Test("the objects report what fstat needs: S_IFIFO with 0600 for a pipe, no type bits for an eventfd")
    func objectStatus() {
        let buffer = PipeBuffer()
        let status = PipeEnd(buffer, isReadEnd: true).status()
        #expect(status.kind.modeBits | status.permissions == 0o010600 && status.size == 0 && status.links == 1)
        let counter = EventCounter(initial: 0, isSemaphore: false).status()
        #expect(counter.kind.modeBits | counter.permissions == 0o600)
    }
}

@Suite("Pipes: bad input")
struct PipeBadInputTests {
    @Test("bad pointers, flags, sizes, signals and limits get Linux's errno, and a failed pipe2 or eventfd2 leaves no descriptor behind",
          .needsGuestToolchain)
    func badInput() throws {
        let elf = try GuestPrograms.build("Pipes/pipe-hostile.c")
        let ours = try run(elf)
        #expect(ours.ending == .exited(status: 0))
        #expect(ours.text == """
            pipe2: 0
            descriptors 3 4
            pipe2 to an unmapped address: -14
            pipe2 to the top of the address space: -14
            pipe2 with every flag bit: -22
            pipe2 again: 0
            descriptors 3 4 (none leaked)
            F_SETPIPE_SZ 0xffffffff: -22
            F_SETPIPE_SZ 2^31: -1
            F_SETPIPE_SZ 2 MiB: -1
            F_SETPIPE_SZ 1 MiB: 1048576
            F_SETPIPE_SZ 2^32 + 4096 (an unsigned int: 4096): 4096
            F_GETPIPE_SZ on standard output: -9
            read with a huge count from an empty non-blocking pipe: -14
            RLIMIT_NOFILE to one more: 0
            pipe2 with one free descriptor: -24
            the free one is still free: dup: 5
            eventfd with none free: -24
            eventfd with one free: 5
            rt_sigaction signal -1: -22
            rt_sigaction signal 2^31 - 1: -22
            rt_sigaction signal 64: 0
            rt_sigaction sigsetsize 2^64 - 1: -22
            rt_sigprocmask how -1: -22
            rt_sigprocmask old to the top: -14

            """)
    }
}

@Suite("Pipes: SIGPIPE across process_spawn")
struct SignalInheritanceTests {
    @Test("a child started by process_spawn keeps SIG_IGN (its write gets EPIPE) and loses a handler (SIGPIPE ends it, wait status 13)",
          .needsGuestToolchain, arguments: [("spawn-ignore", 0), ("spawn-handler", 13)])
    func inheritance(_ mode: String, waitStatus: Int32) throws {
        let outcome = try MultiProcessTests.runPrograms("sigpipe", arguments: [mode], programs: ["sigpipe": "Pipes/sigpipe.c"])
        #expect(outcome.ending == .exited(status: 0), "\(outcome.output)\(outcome.error)")
        #expect(outcome.output.hasSuffix("child wait status \(waitStatus)\n"), "\(outcome.output)")
        #expect(outcome.endings[2]?.status == (waitStatus == 0 ? 0 : 141))
        if waitStatus == 0 { #expect(outcome.output.contains("write: -32\nstill here\n")) }
        else { #expect(outcome.error.contains("ended by SIGPIPE"), "\(outcome.error)") }
    }
}
