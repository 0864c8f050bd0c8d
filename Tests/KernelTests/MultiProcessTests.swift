// Several processes under the kernel: each in its own address space (the same virtual
// address holds different values), a fault ending one process alone, process_spawn and
// process_wait with the child's exit status, their errors, a parent waiting on a
// deadlocked child, and the same run twice giving the same bytes and counts.

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
                            configure: (inout KernelConfiguration) -> Void = { _ in }) throws -> Outcome? {
        var elves: [String: [UInt8]] = [:]
        for (name, path) in programs {
            guard let elf = try GuestPrograms.build(path) else { return nil }
            elves[name] = elf
        }
        guard let executable = elves[first] else { return nil }
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
          arguments: [1, 2])
    func separateAddressSpaces(harts: Int) throws {
        guard let outcome = try Self.runPrograms("same", programs: ["same": "Processes/same-address.swift"],
                                                 alsoStarting: ["same"], configure: { $0.harts = harts }) else { return }
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

    @Test("a faulting process ends alone, with its report on standard error, while another finishes")
    func faultEndsOneProcess() throws {
        guard let outcome = try Self.runPrograms("worker", programs: ["worker": "Processes/worker.swift", "fault": "Processes/fault.swift"],
                                                 alsoStarting: ["fault"], configure: { $0.scheduling = Self.roundRobin }) else { return }
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

    @Test("when the first program faults, run returns its fault and the other process still finishes")
    func firstProgramFaults() throws {
        guard let outcome = try Self.runPrograms("fault", programs: ["worker": "Processes/worker.swift", "fault": "Processes/fault.swift"],
                                                 alsoStarting: ["worker"], configure: { $0.scheduling = Self.roundRobin; $0.harts = 2 }) else { return }
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
          arguments: [1, 3])
    func spawnAndWait(harts: Int) throws {
        let programs = ["spawn-wait": "Processes/spawn-wait.swift", "exit-with": "Processes/exit-with.swift"]
        guard let outcome = try Self.runPrograms("spawn-wait", arguments: ["exit-with", "7", "seven"], programs: programs,
                                                 configure: { $0.harts = harts }) else { return }
        #expect(outcome.output == "child 2 of 1: exit-with 7 seven\nparent 1: child 2 (exit-with) ended with status 7\n")
        #expect(outcome.ending == .exited(status: 0))
        #expect(outcome.endings[2] == .exited(status: 7))
        #expect(outcome.statistics.processes.map(\.parentID) == [nil, 1])
    }

    @Test("waiting for a child that faults gives 128 + the signal")
    func waitForFaultingChild() throws {
        let programs = ["spawn-wait": "Processes/spawn-wait.swift", "fault": "Processes/fault.swift"]
        guard let outcome = try Self.runPrograms("spawn-wait", arguments: ["fault"], programs: programs) else { return }
        #expect(outcome.output == "process 2 stores through a null pointer\nparent 1: child 2 (fault) ended with status 139\n")
        #expect(outcome.ending == .exited(status: 0))
        #expect(outcome.error.contains("process 2 (fault), thread 2, killed"))
    }

    @Test("spawn of an unknown program is ENOENT; waiting for a non-child or twice is ECHILD")
    func errors() throws {
        let programs = ["errors": "Processes/errors.swift", "exit-with": "Processes/exit-with.swift"]
        guard let outcome = try Self.runPrograms("errors", programs: programs) else { return }
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

    @Test("a parent waiting for a deadlocked child: the deadlock report shows the process_wait")
    func deadlockShowsWait() throws {
        let programs = ["spawn-wait": "Processes/spawn-wait.swift", "deadlock": "Threads/deadlock.swift"]
        guard let outcome = try Self.runPrograms("spawn-wait", arguments: ["deadlock"], programs: programs) else { return }
        guard case .deadlock(let report) = outcome.ending else {
            Issue.record("ended \(outcome.ending)")
            return
        }
        #expect(report.contains("thread 1: blocked in process_wait for process 2"), "\(report)")
        #expect(report.contains("thread 2: blocked in futex_wait"), "\(report)")
        #expect(outcome.endings[2] == outcome.ending)
        #expect(outcome.ending.status == 125)
    }

    @Test("an ended process's frames come back: six 3 MiB children one after another fit in 8 MiB")
    func framesAreFreed() throws {
        let programs = ["spawn-many": "Processes/spawn-many.swift", "touch-memory": "Processes/touch-memory.swift"]
        guard let outcome = try Self.runPrograms("spawn-many", arguments: ["sequential", "6", "touch-memory", "3"], programs: programs,
                                                 configure: { $0.memoryLimit = 8 << 20 }) else { return }
        #expect(outcome.output == "6 children, 6 exited with 0\n", "\(outcome.error)")
        #expect(outcome.statistics.processes.dropFirst().allSatisfy { $0.peakMemory >= 3 << 20 })
        // All at once they do not fit: RAM is shared, and the ones that cannot get a page are killed.
        guard let together = try Self.runPrograms("spawn-many", arguments: ["together", "6", "touch-memory", "3"], programs: programs,
                                                  configure: { $0.memoryLimit = 8 << 20; $0.scheduling = Self.roundRobin }) else { return }
        #expect(together.ending == .exited(status: 0))
        #expect(together.endings.values.contains { if case .outOfMemory = $0 { true } else { false } })
        #expect(together.error.contains("killed: out of memory"))
    }

    @Test("past the process limit, spawn is EAGAIN")
    func processLimit() throws {
        let programs = ["spawn-many": "Processes/spawn-many.swift", "exit-with": "Processes/exit-with.swift"]
        guard let outcome = try Self.runPrograms("spawn-many", arguments: ["together", "10", "exit-with"], programs: programs,
                                                 configure: { $0.processLimit = 4 }) else { return }
        #expect(outcome.output.hasSuffix("3 children, 3 exited with 0 then EAGAIN (try again)\n"), "\(outcome.output)")
        #expect(outcome.endings.count == 4)
    }

    @Test("the same programs twice give the same output and statistics", arguments: [1, 2])
    func determinism(harts: Int) throws {
        let programs = ["spawn-wait": "Processes/spawn-wait.swift", "worker": "Processes/worker.swift",
                        "same": "Processes/same-address.swift", "exit-with": "Processes/exit-with.swift"]
        func once() throws -> Outcome? {
            try Self.runPrograms("spawn-wait", arguments: ["exit-with", "5"], programs: programs, alsoStarting: ["worker", "same", "same"],
                                 configure: { $0.harts = harts; $0.scheduling = Self.roundRobin })
        }
        guard let first = try once(), let second = try once() else { return }
        #expect(first.output == second.output)
        #expect(first.statistics == second.statistics)
        #expect(first.endings == second.endings)
        #expect(first.endings.count == 5)
        #expect(first.output.contains("ended with status 5"))
        #expect(first.statistics.contextSwitches > 5)
    }
}
