// The start-up calls of issue 16 (ProcessInfoCalls.swift, ResourceUsage.swift,
// MemoryAdvice.swift) and the user-mode counters, with glibc programs: what can be
// compared is compared with qemu-riscv64 line for line, the rest checked against what
// this kernel promises.

import Kernel
import Testing

@Suite("Kernel: start-up calls and user counters", .serialized)
struct ProcessInfoCallsTests {
    static func build(_ name: String) throws -> [UInt8] { try GlibcPrograms.build("Linux/\(name).c") }

    @Test("readlinkat, affinity, umask, prctl, groups, times, rusage, sysinfo, madvise and mremap print what qemu prints",
          .needsGlibcToolchain, .needsQemu)
    func matchesQemu() throws {
        let elf = try Self.build("process-info")
        let ours = try run(elf, configure: { $0.memoryLimit = 64 << 20; $0.harts = 2 })
        let reference = try GuestPrograms.runUnderQemu(elf)
        #expect(ours.ending == .exited(status: 0), "\(ours.text)")
        #expect(reference.status == 0)
        let referenceText = String(decoding: reference.output, as: UTF8.self)
        #expect(ours.text == referenceText)
        #expect(referenceText.split(separator: "\n").count > 50)
        #expect(!ours.text.contains(": NO"))
    }

    @Test("what only this kernel promises: its harts, pids, clock, memory, and Linux's madvise and mremap",
          .needsGlibcToolchain)
    func kernelValues() throws {
        let elf = try Self.build("process-info")
        let result = try run(elf, arguments: ["kernel"], configure: { $0.memoryLimit = 64 << 20; $0.harts = 2 })
        #expect(result.ending == .exited(status: 0), "\(result.text)")
        let text = result.text
        let kernelPart = text.split(separator: "-- kernel\n", maxSplits: 1).last.map(String.init) ?? ""
        #expect(kernelPart == """
            exe: /test
            raw sched_getaffinity: 8
            CPUs: 2
            sched_setaffinity to CPUs 1 and 40: 0
            now on CPU 1 only: 1, 1 CPU
            the first program leads its group and session: 1 1
            setsid by a group leader: -1 EPERM
            setpgid to its own group: -1 EPERM
            realtime starts at 2026-01-01: 1
            sysinfo: 64 MiB of RAM, 1 thread, unit 1
            some user time, no system time: 1 1
            madvise MADV_DONTNEED: 0
            after it: a 0 0 d
            madvise MADV_FREE: 0
            after it: 0
            madvise unknown advice: -1 EINVAL
            madvise MADV_DONTFORK: -1 EINVAL
            madvise MADV_POPULATE_WRITE: 0
            madvise over a hole: -1 ENOMEM
            mremap to size 0: -1 EINVAL
            membarrier: -1 ENOSYS
            rseq: -1 ENOSYS

            """)
        // The program's name before it set one, as PR_GET_NAME gives it: the run names it "test".
        #expect(text.contains("the name: a-long-thread-n\n"))
        // rseq and membarrier answer ENOSYS on purpose: the run's note does not list them.
        #expect(result.statistics.unknownSystemCalls[283] == nil)
        #expect(result.statistics.unknownSystemCalls[293] == nil)
    }

    @Test("mremap and madvise after fork keep each side's copy-on-write pages its own, as under qemu",
          .needsGlibcToolchain, .needsQemu, arguments: [[], ["kernel"]])
    func remapAfterFork(arguments: [String]) throws {
        let elf = try Self.build("remap-fork")
        let ours = try run(elf, arguments: arguments, configure: { $0.memoryLimit = 64 << 20 })
        let reference = try GuestPrograms.runUnderQemu(elf, arguments: arguments)
        #expect(ours.ending == .exited(status: 0), "\(ours.text)")
        #expect(reference.status == 0)
        #expect(ours.text == String(decoding: reference.output, as: UTF8.self))
        #expect(ours.text.contains("parent reads: parent page 1\n"))
    }

    @Test("rdtime, rdcycle and rdinstret work in user mode as under qemu", .needsGlibcToolchain, .needsQemu)
    func countersMatchQemu() throws {
        let elf = try Self.build("counters")
        let ours = try run(elf, configure: { $0.memoryLimit = 64 << 20 })
        let reference = try GuestPrograms.runUnderQemu(elf)
        #expect(ours.ending == .exited(status: 0), "\(ours.text)")
        #expect(ours.text == String(decoding: reference.output, as: UTF8.self))
        #expect(ours.text == "time moves forward: 1\ncycle moves forward: 1\ninstret counts the loop: 1\n")
    }

    @Test("with --user-counters time, rdtime works and rdcycle is an illegal instruction", .needsGlibcToolchain)
    func timeOnly() throws {
        let elf = try Self.build("counters")
        let result = try run(elf, arguments: ["time"], configure: { $0.memoryLimit = 64 << 20; $0.userCounters = .time })
        #expect(result.text.hasPrefix("time moves forward: 1\nreading cycle next\n"), "\(result.text)")
        guard case .killed(let fault) = result.ending else {
            Issue.record("expected an illegal instruction, got \(result.ending)")
            return
        }
        #expect(fault.signal == 4)
        #expect(!result.text.contains("cycle: "))
    }

    @Test("the note about missing calls uses Linux's names")
    func linuxNames() {
        #expect(Kernel.systemCallName(134) == "rt_sigaction")
        #expect(Kernel.systemCallName(113) == "clock_gettime")
        #expect(Kernel.systemCallName(114) == "clock_getres")
        #expect(Kernel.systemCallName(96) == "set_tid_address")
        #expect(Kernel.systemCallName(94) == "exit_group")
        #expect(Kernel.systemCallName(20) == "epoll_create1")
        #expect(Kernel.systemCallName(123) == "sched_getaffinity")
        #expect(Kernel.systemCallName(137) == "rt_sigtimedwait")
        #expect(Kernel.systemCallName(103) == "setitimer")
        for number in UInt64(0)..<500 {
            let name = Kernel.systemCallName(number)
            #expect(name == name.lowercased() && !name.contains(" "), "\(number): \(name)")
        }
    }
}
