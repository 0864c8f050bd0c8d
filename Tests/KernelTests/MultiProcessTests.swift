// Several processes under the kernel: each in its own address space (the same virtual
// address holds different values), a fault ending one process alone, process_spawn and
// process_wait with the child's exit status, waiting for any child, hostile arguments and
// other errors, frames coming back, the process limit, a parent waiting on a deadlocked
// child, and the same run twice giving the same bytes and counts.

import Kernel
import Testing

@Suite("Kernel: processes")
struct MultiProcessTests {
    /// A run of several programs: `first` (pid 1, with `arguments`), then `alsoStarting`,
    /// with `programs` (relative paths under Guest/Programs by name) for process_spawn.
    struct Outcome {
        var ending: ProcessEnding
        var output: String
        var error: String
        var endings: [Int32: ProcessEnding]
        var statistics: KernelStatistics
    }

    static func runPrograms(_ first: String, arguments: [String] = [], programs: [String: String],
                            alsoStarting: [String] = [],
                            configure: (inout KernelConfiguration) -> Void = { _ in }) throws -> Outcome {
        var elves: [String: [UInt8]] = [:]
        for (name, path) in programs {
            let elf = try GuestPrograms.build(path)
            elves[name] = elf
        }
        let executable = try #require(elves[first], "\(first) is not among the programs")
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 32 << 20
        configure(&configuration)
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: executable, name: first, arguments: arguments, configuration: configuration,
                                io: streams.io, programs: elves, alsoStarting: alsoStarting)
        let ending = kernel.run()
        return Outcome(ending: ending, output: streams.text, error: String(decoding: streams.error, as: UTF8.self),
                       endings: kernel.processEndings, statistics: kernel.statistics)
    }

    static let roundRobin = SchedulingPolicy.roundRobin(sliceCycles: 20_000, tickCycles: 10_000)

    @Test("two processes store different values at the same virtual address and each reads back its own",
          .needsGuestToolchain, arguments: [1, 2])
    func separateAddressSpaces(harts: Int) throws {
        let outcome = try Self.runPrograms("same", programs: ["same": "Processes/same-address.swift"],
                                                 alsoStarting: ["same"], configure: { $0.harts = harts })
        let lines = outcome.output.split(separator: "\n").map(String.init).sorted()
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.hasSuffix("(its own)") }, "\(lines)")
        #expect(lines.first?.hasPrefix("process 1: ") == true && lines.last?.hasPrefix("process 2: ") == true)
        #expect(lines.contains { $0.contains("holds 1111 ") } && lines.contains { $0.contains("holds 2222 ") })
        // The same virtual address in both.
        let addresses = Set(lines.map { $0.split(separator: " ")[4] })
        #expect(addresses.count == 1, "\(lines)")
        #expect(outcome.ending == .exited(status: 0))
        #expect(outcome.endings == [1: .exited(status: 0), 2: .exited(status: 0)])
        // Switching between them changes the address space.
        #expect(outcome.statistics.processes.map(\.pid) == [1, 2])
    }

    @Test("a faulting process ends alone, with its report on standard error, while another finishes", .needsGuestToolchain)
    func faultEndsOneProcess() throws {
        let outcome = try Self.runPrograms("worker", programs: ["worker": "Processes/worker.swift", "fault": "Processes/fault.swift"],
                                                 alsoStarting: ["fault"], configure: { $0.scheduling = Self.roundRobin })
        #expect(outcome.output == "process 2 stores through a null pointer\nworker 1: sum 45000150000\n")
        #expect(outcome.ending == .exited(status: 0))
        guard case .killed(let fault)? = outcome.endings[2] else {
            Issue.record("process 2 ended \(String(describing: outcome.endings[2]))")
            return
        }
        #expect(fault.pid == 2 && fault.signal == 11 && fault.address == 16)
        #expect(outcome.error.hasPrefix("interleave: process 2 (fault), thread 2, killed: segmentation fault (SIGSEGV)"), "\(outcome.error)")
        #expect(!outcome.error.contains("never printed") && !outcome.output.contains("never printed"))
    }

    @Test("when the first program faults, run returns its fault and the other process still finishes", .needsGuestToolchain)
    func firstProgramFaults() throws {
        let outcome = try Self.runPrograms("fault", programs: ["worker": "Processes/worker.swift", "fault": "Processes/fault.swift"],
                                                 alsoStarting: ["worker"], configure: { $0.scheduling = Self.roundRobin; $0.harts = 2 })
        #expect(outcome.output.contains("worker 2: sum 45000150000\n"))
        guard case .killed(let fault) = outcome.ending else {
            Issue.record("the first program ended \(outcome.ending)")
            return
        }
        #expect(fault.pid == 1 && outcome.ending.status == 139)
        #expect(outcome.endings[2] == .exited(status: 0))
        #expect(outcome.error.isEmpty)   // the caller of run reports the first program's ending
    }

    @Test("spawn and wait: the parent gets the child's exit status; the child sees its arguments and parent",
          .needsGuestToolchain, arguments: [1, 3])
    func spawnAndWait(harts: Int) throws {
        let programs = ["spawn-wait": "Processes/spawn-wait.swift", "exit-with": "Processes/exit-with.swift"]
        let outcome = try Self.runPrograms("spawn-wait", arguments: ["exit-with", "7", "seven"], programs: programs,
                                                 configure: { $0.harts = harts })
        #expect(outcome.output == "child 2 of 1: exit-with 7 seven\nparent 1: child 2 (exit-with) ended with status 7\n")
        #expect(outcome.ending == .exited(status: 0))
        #expect(outcome.endings[2] == .exited(status: 7))
        #expect(outcome.statistics.processes.map(\.parentID) == [nil, 1])
    }

    @Test("waiting for a child that faults gives 128 + the signal", .needsGuestToolchain)
    func waitForFaultingChild() throws {
        let programs = ["spawn-wait": "Processes/spawn-wait.swift", "fault": "Processes/fault.swift"]
        let outcome = try Self.runPrograms("spawn-wait", arguments: ["fault"], programs: programs)
        #expect(outcome.output == "process 2 stores through a null pointer\nparent 1: child 2 (fault) ended with status 139\n")
        #expect(outcome.ending == .exited(status: 0))
        #expect(outcome.error.contains("process 2 (fault), thread 2, killed"))
    }

    @Test("spawn of an unknown program is ENOENT; waiting for a non-child or twice is ECHILD", .needsGuestToolchain)
    func errors() throws {
        let programs = ["errors": "Processes/errors.swift", "exit-with": "Processes/exit-with.swift"]
        let outcome = try Self.runPrograms("errors", programs: programs)
        #expect(outcome.output == """
            spawn no-such-program: ENOENT (no such file or program)
            wait for itself: ECHILD (no such child process)
            wait for process 999: ECHILD (no such child process)
            child 2 of 1: exit-with 3
            first wait: 3
            second wait: ECHILD (no such child process)

            """)
        #expect(outcome.ending == .exited(status: 0))
    }

    @Test("a parent waiting for a deadlocked child: the deadlock report shows the process_wait", .needsGuestToolchain)
    func deadlockShowsWait() throws {
        let programs = ["spawn-wait": "Processes/spawn-wait.swift", "deadlock": "Threads/deadlock.swift"]
        let outcome = try Self.runPrograms("spawn-wait", arguments: ["deadlock"], programs: programs)
        guard case .deadlock(let report) = outcome.ending else {
            Issue.record("ended \(outcome.ending)")
            return
        }
        #expect(report.contains("thread 1: blocked in process_wait for process 2"), "\(report)")
        #expect(report.contains("thread 2: blocked in futex_wait"), "\(report)")
        #expect(outcome.endings[2] == outcome.ending)
        #expect(outcome.ending.status == 125)
    }

    @Test("an ended process's frames come back: six 3 MiB children one after another fit in 8 MiB", .needsGuestToolchain)
    func framesAreFreed() throws {
        let programs = ["spawn-many": "Processes/spawn-many.swift", "touch-memory": "Processes/touch-memory.swift"]
        let outcome = try Self.runPrograms("spawn-many", arguments: ["sequential", "6", "touch-memory", "3"], programs: programs,
                                                 configure: { $0.memoryLimit = 8 << 20 })
        #expect(outcome.output == "6 children, 6 exited with 0\n", "\(outcome.error)")
        #expect(outcome.statistics.processes.dropFirst().allSatisfy { $0.peakMemory >= 3 << 20 })
        // All at once they do not fit: RAM is shared, and the ones that cannot get a page are killed.
        let together = try Self.runPrograms("spawn-many", arguments: ["together", "6", "touch-memory", "3"], programs: programs,
                                                  configure: { $0.memoryLimit = 8 << 20; $0.scheduling = Self.roundRobin })
        #expect(together.ending == .exited(status: 0))
        #expect(together.endings.values.contains { if case .outOfMemory = $0 { true } else { false } })
        #expect(together.error.contains("killed: out of memory"))
    }

    @Test("waiting for any child takes them in the order they end, then ECHILD", .needsGuestToolchain)
    func waitForAny() throws {
        let programs = ["spawn-many": "Processes/spawn-many.swift", "exit-with": "Processes/exit-with.swift",
                        "worker": "Processes/worker.swift"]
        let outcome = try Self.runPrograms("spawn-many", arguments: ["any", "3", "exit-with"], programs: programs)
        // Cooperative, one hart: the children run in spawn order once the parent blocks.
        #expect(outcome.output.hasSuffix("3 children, 3 exited with 0; ended: 2 3 4\n"), "\(outcome.output)")
        // Three workers sharing two harts: every one is reaped once, whatever the order.
        let workers = try Self.runPrograms("spawn-many", arguments: ["any", "3", "worker"], programs: programs,
                                                 configure: { $0.harts = 2; $0.scheduling = Self.roundRobin })
        let last = workers.output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("3 children, 3 exited with 0; ended: "), "\(workers.output)")
        #expect(last.split(separator: ":").last?.split(separator: " ").map(String.init).sorted() == ["2", "3", "4"], "\(last)")
        #expect(workers.endings.count == 4)
    }

    @Test("past the process limit, spawn is EAGAIN", .needsGuestToolchain)
    func processLimit() throws {
        let programs = ["spawn-many": "Processes/spawn-many.swift", "exit-with": "Processes/exit-with.swift"]
        let outcome = try Self.runPrograms("spawn-many", arguments: ["together", "10", "exit-with"], programs: programs,
                                                 configure: { $0.processLimit = 4 })
        #expect(outcome.output.hasSuffix("3 children, 3 exited with 0 then EAGAIN (try again)\n"), "\(outcome.output)")
        #expect(outcome.endings.count == 4)
    }

    @Test("hostile arguments: bad pointers are EFAULT, unknown names ENOENT, reserved arguments EINVAL, no child ECHILD")
    func hostileArguments() throws {
        // Data: "test" (the run's program), "nope", then argv arrays: one with a bad string
        // pointer, one that runs off the mapped page without a NULL.
        let data = UserProgram.data
        var bytes = Array("test".utf8) + [0, 0, 0, 0] + Array("nope".utf8) + [0, 0, 0, 0]
        for word in [UInt64(data), 0x10, 0] { bytes += (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * UInt64($0))) } }
        let badStringArgv = data + 16
        let cases: [(String, Int64, [Int64], Int32)] = [
            ("null path", 0x1010, [0, 0, 0, 0], 14),
            ("path in the null page", 0x1010, [0x10, 0, 0, 0], 14),
            ("argv pointer unmapped", 0x1010, [data, 0x7FFF_0000, 0, 0], 14),
            ("argv with a bad string", 0x1010, [data, badStringArgv, 0, 0], 14),
            ("unknown program", 0x1010, [data + 8, 0, 0, 0], 2),
            ("reserved argument set", 0x1010, [data, 0, 1, 0], 22),
            ("wait with no children", 0x1011, [-1, 0, 0, 0], 10),
            ("wait for pid 0", 0x1011, [0, 0, 0, 0], 22),
            ("wait for itself", 0x1011, [1, 0, 0, 0], 10),
        ]
        for (name, number, arguments, errno) in cases {
            let elf = UserProgram.elf(data: bytes) { asm in
                UserProgram.call(&asm, number, arguments)
                asm.sub(.a0, .zero, .a0)
                UserProgram.exitWithA0(&asm)
            }
            let result = try run(elf)
            #expect(result.ending == .exited(status: errno), "\(name)")
            #expect(result.statistics.processes.count == 1, "\(name)")
        }
    }

    @Test("a status pointer the parent cannot write: process_wait is EFAULT and the child can still be waited for")
    func badStatusPointer() throws {
        // Spawn `child`, wait for it with a status pointer into the never-mapped first page
        // (-EFAULT, the child stays unreaped), then wait again with NULL (its pid).
        let data = UserProgram.data
        let bytes = Array("child".utf8) + [0, 0, 0]
        let elf = UserProgram.elf(data: bytes) { asm in
            // pid = spawn("child", NULL)
            UserProgram.call(&asm, 0x1010, [data, 0, 0, 0])
            asm.addi(.s1, .a0, 0)
            // wait(pid, 0x10) → -EFAULT
            asm.addi(.a0, .s1, 0)
            asm.li(.a1, 0x10)
            asm.li(.a7, 0x1011)
            asm.ecall()
            asm.addi(.s2, .a0, 0)
            // wait(pid, NULL) → pid
            asm.addi(.a0, .s1, 0)
            asm.li(.a1, 0)
            asm.li(.a7, 0x1011)
            asm.ecall()
            // exit(-first result + (second result - pid)): 14 when both are right
            asm.sub(.a0, .a0, .s1)          // 0 when the second wait returned the pid
            asm.sub(.s2, .zero, .s2)        // 14
            asm.add(.a0, .a0, .s2)
            UserProgram.exitWithA0(&asm)
        }
        let child = UserProgram.elf { asm in
            UserProgram.call(&asm, 93, [3])
        }
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 16 << 20
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: elf, name: "parent", arguments: [], configuration: configuration, io: streams.io,
                                programs: ["child": child])
        #expect(kernel.run() == .exited(status: 14))
        #expect(kernel.processEndings[2] == .exited(status: 3))
    }

    @Test("the same programs twice give the same output and statistics", .needsGuestToolchain, arguments: [1, 2])
    func determinism(harts: Int) throws {
        let programs = ["spawn-wait": "Processes/spawn-wait.swift", "worker": "Processes/worker.swift",
                        "same": "Processes/same-address.swift", "exit-with": "Processes/exit-with.swift"]
        func once() throws -> Outcome {
            try Self.runPrograms("spawn-wait", arguments: ["exit-with", "5"], programs: programs, alsoStarting: ["worker", "same", "same"],
                                 configure: { $0.harts = harts; $0.scheduling = Self.roundRobin })
        }
        let first = try once()
        let second = try once()
        #expect(first.output == second.output)
        #expect(first.statistics == second.statistics)
        #expect(first.endings == second.endings)
        #expect(first.endings.count == 5)
        #expect(first.output.contains("ended with status 5"))
        #expect(first.statistics.contextSwitches > 5)
    }
}
