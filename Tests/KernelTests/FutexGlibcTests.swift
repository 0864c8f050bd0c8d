// glibc's futex users under the kernel: a PI mutex under contention, a condition variable
// broadcast, a process-shared mutex and semaphores across fork, a private word after fork,
// and signals cutting waits short, against qemu-riscv64 on one and four harts and
// preempted; and robust mutexes
// (plain and PI) whose owner dies, with hostile robust lists, where qemu cannot serve
// (it answers set_robust_list with ENOSYS), against what Linux documents.

@testable import Kernel
import Testing

@Suite("Futexes under glibc's pthreads", .serialized)   // one build of each program at a time
struct FutexGlibcTests {
    static let schedules: [(String, SchedulingPolicy, Int)] = [
        ("cooperative, 1 hart", .cooperative, 1),
        ("round robin, 4 harts", .roundRobin(sliceCycles: 20_000, tickCycles: 10_000), 4),
        ("tickless, 2 harts", .roundRobin(sliceCycles: 5_000, tickCycles: nil), 2),
    ]

    @Test("PI mutex, broadcast, process-shared and private words across fork: as under qemu-riscv64",
          .needsGlibcToolchain, .needsQemu, arguments: 0..<schedules.count)
    func pthreadsMatchQemu(_ index: Int) throws {
        let (name, policy, harts) = Self.schedules[index]
        let elf = try GlibcPrograms.build("Futex/futex-pthreads.c")
        let (result, kernel) = try FutexThreadTests.run(elf) { $0.memoryLimit = 64 << 20; $0.scheduling = policy; $0.harts = harts }
        let reference = try GuestPrograms.runUnderQemu(elf)
        #expect(reference.status == 0)
        #expect(result.text == String(decoding: reference.output, as: UTF8.self), "\(name)")
        #expect(result.ending == .exited(status: 0), "\(name)")
        #expect(result.text.contains("counter 8000 of 8000"), "\(name)")
        #expect(kernel.futexes.wordCount == 0 && kernel.futexes.sleeperCount == 0, "\(name)")
    }

    @Test("a signal cuts a futex wait short: EINTR, a rerun with SA_RESTART, a PI waiter tries again; as under qemu-riscv64",
          .needsGlibcToolchain, .needsQemu, arguments: 0..<schedules.count)
    func signalsMatchQemu(_ index: Int) throws {
        let (name, policy, harts) = Self.schedules[index]
        let elf = try GlibcPrograms.build("Futex/futex-signals.c")
        let (result, kernel) = try FutexThreadTests.run(elf) { $0.memoryLimit = 64 << 20; $0.scheduling = policy; $0.harts = harts }
        let reference = try GuestPrograms.runUnderQemu(elf)
        #expect(result.text == String(decoding: reference.output, as: UTF8.self), "\(name)")
        #expect(result.text.contains("untimed wait, no SA_RESTART: -4, handler ran 1"), "\(name)")
        #expect(result.text.contains("timed wait, SA_RESTART: -4, handler ran 1"), "\(name)")
        #expect(result.ending == .exited(status: 0), "\(name)")
        #expect(kernel.futexes.wordCount == 0 && kernel.futexes.sleeperCount == 0, "\(name)")
    }

    @Test("a robust mutex's owner dies: EOWNERDEAD for a later locker and a sleeping one; hostile lists end the walk",
          .needsGlibcToolchain, arguments: 0..<schedules.count)
    func robustMutexes(_ index: Int) throws {
        let (name, policy, harts) = Self.schedules[index]
        let elf = try GlibcPrograms.build("Futex/futex-robust.c")
        let (result, kernel) = try FutexThreadTests.run(elf) { $0.memoryLimit = 64 << 20; $0.scheduling = policy; $0.harts = harts }
        #expect(result.text == """
            robust mutex: init 0; after the owner died: EOWNERDEAD, consistent 0, unlock 0, then 0; a sleeper gets EOWNERDEAD
            robust PI mutex: init 0; after the owner died: EOWNERDEAD, consistent 0, unlock 0, then 0; a sleeper gets EOWNERDEAD
            a looping list: word 40000000
            a list into unmapped memory: word 40000000
            a misaligned word: word is the tid 1
            a word another owns: word 1234
            get_robust_list: 0, length 24, a list 1

            """, "\(name)")
        #expect(result.ending == .exited(status: 0), "\(name)")
        #expect(kernel.futexes.wordCount == 0 && kernel.futexes.sleeperCount == 0, "\(name)")
    }
}
