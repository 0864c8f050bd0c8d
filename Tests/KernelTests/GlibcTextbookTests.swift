// The textbook concurrency programs of Guest/Programs/C, written against glibc and built
// from source, run under the kernel: their output and exit status match qemu-riscv64's
// (they print only what does not depend on the schedule) on one hart, on four, under a
// preemptive era, and traced, where every thread is a lane of its own. The programs whose
// results do depend on the schedule (a race, a deadlock, exec) are checked by invariants.

import Kernel
import Testing
import Trace

/// How a textbook program is run under the kernel.
enum TextbookSetting: String, CaseIterable, CustomTestStringConvertible {
    case oneHart = "one hart, cooperative"
    case fourHarts = "four harts"
    case preemptive = "desktop Linux era (4 ms slices), two harts, seed 3"
    case traced = "traced, two harts"

    var testDescription: String { rawValue }

    func configure(_ configuration: inout KernelConfiguration) {
        switch self {
        case .oneHart: break
        case .fourHarts: configuration.harts = 4
        case .preemptive:
            Era.linux.apply(to: &configuration)
            configuration.harts = 2
            configuration.seed = 3
        case .traced: configuration.harts = 2
        }
    }
}

/// A program of Guest/Programs/C, the arguments it is compared with, and its threads.
struct TextbookProgram: CustomTestStringConvertible, Sendable {
    var file: String
    var arguments: [String] = []
    /// Threads the run has in all (main included, and every process's): the lanes its
    /// trace must show.
    var threads: Int

    var name: String { String(file.split(separator: "/").last!.dropLast(2)) }
    var testDescription: String { ([name] + arguments).joined(separator: " ") }

    static let deterministic: [TextbookProgram] = [
        TextbookProgram(file: "C/pthread-join.c", threads: 5),
        TextbookProgram(file: "C/mutex-counter.c", threads: 5),
        TextbookProgram(file: "C/condition-variable.c", threads: 3),
        TextbookProgram(file: "C/semaphores.c", threads: 8),
        TextbookProgram(file: "C/reader-writer.c", threads: 8),
        TextbookProgram(file: "C/producer-consumer.c", threads: 6),
        TextbookProgram(file: "C/dining-philosophers.c", threads: 6),
        TextbookProgram(file: "C/file-io.c", threads: 1),
        TextbookProgram(file: "C/sockets.c", threads: 2),
        TextbookProgram(file: "C/fork-wait-exec.c", arguments: ["no-exec"], threads: 7),
    ]
}

@Suite("glibc: textbook concurrency programs in C")
struct GlibcTextbookTests {
    @Test("output and exit status match qemu-riscv64's", .needsGlibcToolchain, .needsQemu,
          arguments: TextbookProgram.deterministic, TextbookSetting.allCases)
    func matchesQemu(_ program: TextbookProgram, _ setting: TextbookSetting) throws {
        let elf = try GlibcPrograms.build(program.file)
        let reference = try GuestPrograms.runUnderQemu(elf, arguments: program.arguments)
        let result = try GlibcPrograms.runSeparately(elf, name: program.name, arguments: program.arguments,
                                                     traced: setting == .traced, configure: setting.configure)
        #expect(result.output == String(decoding: reference.output, as: UTF8.self), "stderr: \(result.error)")
        #expect(result.status == reference.status, "\(result.ending)")
        #expect(reference.status == 0)
        if let log = result.trace {
            // Each thread a lane: it ran, under its own id, and has a name.
            var ran: Set<Int32> = []
            for event in log.events { if case .threadRuns(let tid, _) = event.kind { ran.insert(tid) } }
            #expect(ran.count == program.threads, "threads that ran: \(ran.sorted())")
            #expect(log.threadNames.count >= program.threads, "\(log.threadNames)")
        }
    }

    @Test("without the mutex, four harts lose updates for some seed; the total never exceeds the work",
          .needsGlibcToolchain)
    func raceLosesUpdates() throws {
        let elf = try GlibcPrograms.build("C/mutex-counter.c")
        var lost = false
        for seed in UInt64(1)...4 {
            let result = try GlibcPrograms.runSeparately(elf, name: "mutex-counter", arguments: ["race"]) {
                $0.harts = 4
                $0.seed = seed
            }
            let counter = result.output.split(separator: " ").dropFirst(4).first.flatMap { Int($0.dropLast()) }
            let total = try #require(counter, "output: \(result.output)")
            #expect(total > 0 && total <= 80_000)
            #expect(result.status == (total == 80_000 ? 0 : 1))
            if total < 80_000 { lost = true }
        }
        #expect(lost, "no seed of 1...4 lost an update on four harts")
    }

    @Test("the left-fork-first philosophers deadlock, and the report names each fork's mutex and the lock call",
          .needsGlibcToolchain)
    func philosophersDeadlock() throws {
        let elf = try GlibcPrograms.build("C/dining-philosophers.c")
        var deadlocks = 0
        for seed in UInt64(1)...3 {
            let result = try GlibcPrograms.runSeparately(elf, name: "dining-philosophers", arguments: ["deadlock"]) {
                $0.harts = 4
                $0.seed = seed
                Era.linux.apply(to: &$0)
            }
            switch result.ending {
            case .exited(let status):
                #expect(status == 0)
                #expect(result.output.split(separator: "\n").count == 5)
            case .deadlock(let report):
                deadlocks += 1
                #expect(report.contains("in forks"), "\(report)")
                #expect(report.contains("called from ___pthread_mutex_lock"), "\(report)")
            default:
                Issue.record("seed \(seed): \(result.ending)")
            }
        }
        #expect(deadlocks > 0, "no seed of 1...3 deadlocked")
    }

    @Test("fork, wait, a pipe, a signal and execve of the program itself", .needsGlibcToolchain)
    func forkWaitExec() throws {
        let elf = try GlibcPrograms.build("C/fork-wait-exec.c")
        let result = try GlibcPrograms.runSeparately(elf, name: "fork-wait-exec")
        #expect(result.output == """
            child: value 2, my parent is the process that forked me
            parent: the child exited with 3; my value is still 1
            wait collected exit statuses 10, 11 and 12: yes
            a child was ended by signal 15
            the parent read "hello through a pipe" (21 bytes)
            exec'd child: arguments 3, argv[2] from-the-parent, GREETING hello
            the exec'd child exited with 7

            """, "stderr: \(result.error)")
        #expect(result.status == 0, "\(result.ending)")
    }
}
