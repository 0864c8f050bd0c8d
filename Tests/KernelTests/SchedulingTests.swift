// Scheduling parameters, eras and metrics: priorities order the ready queue and a woken
// higher priority preempts; affinity pins a thread and bad masks are refused; single-
// tasking runs the next program only after the first exits; the foreground boost; a
// long slice switches less than a short one; the eras' figures; metrics JSON that is
// byte-identical for the same seed.

import Kernel
import Testing

@Suite("Kernel: priorities, affinity, eras and metrics")
struct SchedulingTests {
    struct Outcome {
        var ending: ProcessEnding
        var output: String
        var statistics: KernelStatistics
        var json: String
    }

    /// Runs `first` (a path under Guest/Programs), with `alsoStarting` (name → path)
    /// started beside it as pids 2, 3, …, and `spawnable` programs for process_spawn.
    static func run(_ first: String, name: String = "test", alsoStarting: [(String, String)] = [],
                    spawnable: [(String, String)] = [],
                    configure: (inout KernelConfiguration) -> Void = { _ in }) throws -> Outcome {
        let executable = try GuestPrograms.build(first)
        var programs: [String: [UInt8]] = [:]
        for (otherName, path) in alsoStarting + spawnable {
            let elf = try GuestPrograms.build(path)
            programs[otherName] = elf
        }
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 32 << 20
        configure(&configuration)
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: executable, name: name, arguments: [], configuration: configuration,
                                io: streams.io, programs: programs, alsoStarting: alsoStarting.map(\.0))
        let ending = kernel.run()
        return Outcome(ending: ending, output: streams.text + String(decoding: streams.error, as: UTF8.self),
                       statistics: kernel.statistics, json: kernel.metricsJSON(ending: ending))
    }

    static let roundRobin = SchedulingPolicy.roundRobin(sliceCycles: 100_000, tickCycles: 50_000)

    @Test("the ready queue serves a higher priority first, then the others in the order they became ready",
          .needsGuestToolchain, arguments: [SchedulingPolicy.cooperative, roundRobin, .roundRobin(sliceCycles: 100_000, tickCycles: nil), .singleTasking])
    func priorityOrder(policy: SchedulingPolicy) throws {
        let outcome = try Self.run("Scheduling/priority-order.swift", configure: { $0.scheduling = policy })
        #expect(outcome.output == "high\nlow 1\nlow 2\nlow 3\nmain done\n", "\(policy)")
        #expect(outcome.ending == .exited(status: 0))
    }

    @Test("a thread woken with a higher priority takes the hart at once under preemption, not under cooperation", .needsGuestToolchain)
    func wokenHigherPriorityPreempts() throws {
        let cooperative = try Self.run("Scheduling/preempt.swift")
        let preemptive = try Self.run("Scheduling/preempt.swift", configure: { $0.scheduling = Self.roundRobin })
        let tickless = try Self.run("Scheduling/preempt.swift", configure: { $0.scheduling = .roundRobin(sliceCycles: 100_000, tickCycles: nil) })
        #expect(cooperative.output == "main done 1\nsleeper woke\n")
        #expect(cooperative.statistics.switchesByReason["preempted by a higher priority"] == 0)
        for outcome in [preemptive, tickless] {
            #expect(outcome.output == "sleeper woke\nmain done 1\n")
            #expect(outcome.statistics.switchesByReason["preempted by a higher priority"] == 1)
        }
    }

    @Test("a pinned thread runs only on its hart and never migrates; bad masks, threads and priorities are refused",
          .needsGuestToolchain, arguments: [2, 3])
    func affinity(harts: Int) throws {
        let outcome = try Self.run("Scheduling/affinity.swift", configure: {
            $0.harts = harts
            $0.scheduling = .roundRobin(sliceCycles: 4_000, tickCycles: 2_000)
        })
        #expect(outcome.output == """
            empty mask: EINVAL (invalid argument)
            no such hart: EINVAL (invalid argument)
            no such thread: ESRCH (no such thread or process)
            priority 32: EINVAL (invalid argument)
            done

            """)
        let threads = outcome.statistics.threads
        #expect(threads.count == 5)
        let pinned = threads.first { $0.tid == 2 }?.metrics
        #expect(pinned?.hartsRunOn == 0b10, "\(threads)")
        #expect(pinned?.migrations == 0)
        #expect(pinned.map { $0.switches >= 20 } == true)   // it was rescheduled after each sleep
        // The unpinned ones went wherever a hart was free.
        #expect(threads.filter { $0.tid > 2 }.contains { $0.metrics.hartsRunOn != 0b10 }, "\(threads)")
        // The main thread pinned itself away from its hart at least once, and ended on hart 1.
        #expect((outcome.statistics.switchesByReason["migrated"] ?? 0) >= 1)
        #expect(threads.first.map { $0.metrics.hartsRunOn & 0b10 != 0 && $0.metrics.migrations >= 1 } == true)
    }

    @Test("a process may not set another's thread priority or affinity, but may give it the foreground", .needsGuestToolchain)
    func otherProcess() throws {
        let outcome = try Self.run("Scheduling/other-process.swift", spawnable: [("child", "Scheduling/program.swift")], configure: {
            Era.xp.apply(to: &$0)
        })
        // Under xp the parent, in the foreground, runs above the child until it hands the
        // foreground over; then the child takes the hart at once.
        #expect(outcome.output == """
            priority of the child's thread: EPERM (operation not permitted)
            affinity of the child's thread: EPERM (operation not permitted)
            child starts
            foreground to the child: accepted
            foreground to no process: ESRCH (no such thread or process)
            child ends
            child ended with 0

            """, "\(outcome.output)")
    }

    @Test("single-tasking: a child started by process_spawn runs at once, its parent resumes when it exits (DOS's EXEC)", .needsGuestToolchain)
    func singleTaskingChild() throws {
        let outcome = try Self.run("Scheduling/other-process.swift", spawnable: [("child", "Scheduling/program.swift")], configure: {
            Era.dos.apply(to: &$0)
            $0.harts = 2
        })
        #expect(outcome.output == """
            child starts
            child ends
            priority of the child's thread: ESRCH (no such thread or process)
            affinity of the child's thread: ESRCH (no such thread or process)
            foreground to the child: ESRCH (no such thread or process)
            foreground to no process: ESRCH (no such thread or process)
            child ended with 0

            """, "\(outcome.output)")
        #expect(outcome.statistics.switchesByReason["its program waits"] == 1)
    }

    @Test("single-tasking: the second program starts only after the first has exited", .needsGuestToolchain, arguments: [1, 2])
    func singleTasking(harts: Int) throws {
        let second = [("second", "Scheduling/program.swift")]
        let dos = try Self.run("Scheduling/program.swift", name: "first", alsoStarting: second, configure: {
            $0.scheduling = .singleTasking
            $0.harts = harts
        })
        let cooperative = try Self.run("Scheduling/program.swift", name: "first", alsoStarting: second, configure: {
            $0.harts = harts
        })
        #expect(dos.output == "first starts\nfirst ends\nsecond starts\nsecond ends\n")
        #expect(dos.ending == .exited(status: 0))
        // Multitasking interleaves them: the second starts while the first sleeps.
        #expect(cooperative.output.hasPrefix("first starts\nsecond starts\n"), "\(cooperative.output)")
        // Era dos maps to the same policy.
        var configuration = KernelConfiguration()
        Era.dos.apply(to: &configuration)
        #expect(configuration.scheduling == .singleTasking)
    }

    @Test("the foreground process's boost: under xp it ends first; set_foreground moves the boost; server has none", .needsGuestToolchain)
    func foregroundBoost() throws {
        func run(_ era: Era, first: String, second: String) throws -> Outcome {
            try Self.run("Scheduling/foreground.swift", name: first, alsoStarting: [(second, "Scheduling/foreground.swift")]) {
                $0.clockFrequency = 1_000_000
                era.apply(to: &$0)
            }
        }
        let xp = try run(.xp, first: "plain", second: "other")
        let passed = try run(.xp, first: "pass", second: "other")
        let server = try run(.server, first: "plain", second: "other")
        #expect(xp.output.hasPrefix("plain done"), "\(xp.output)")
        #expect(passed.output.hasPrefix("other done"), "\(passed.output)")
        #expect(passed.statistics.switchesByReason["preempted by a higher priority"] == 1)
        // Without a boost the two share the hart: each waits while the other runs.
        let waits = server.statistics.threads.map(\.metrics.readyCycles)
        #expect(waits.allSatisfy { $0 > 0 }, "\(waits)")
        #expect(xp.statistics.threads.first?.metrics.readyCycles ?? 1 < waits[0])
    }

    @Test("a 120 ms slice switches far less than a 15.6 ms one on the same CPU-bound work", .needsGuestToolchain)
    func longSliceSwitchesLess() throws {
        func run(sliceMicroseconds: UInt64) throws -> Outcome {
            try Self.run("Scheduling/busy.swift") {
                $0.clockFrequency = 1_000_000   // 1 ms = 1000 cycles, so the work spans many slices
                $0.scheduling = .roundRobin(sliceCycles: sliceMicroseconds, tickCycles: 15_600)   // 1 cycle = 1 µs
            }
        }
        let short = try run(sliceMicroseconds: 15_600)
        let long = try run(sliceMicroseconds: 120_000)
        #expect(short.output == "busy done\n" && long.output == short.output)
        let shortExpired = short.statistics.switchesByReason["time slice expired"] ?? 0
        let longExpired = long.statistics.switchesByReason["time slice expired"] ?? 0
        #expect(shortExpired >= 4 * max(1, longExpired), "\(shortExpired) against \(longExpired)")
        #expect(short.statistics.contextSwitches > long.statistics.contextSwitches)
    }

    @Test("on a machine that mostly sleeps, every hart takes far fewer timer interrupts tickless than with linux's 4 ms tick", .needsGuestToolchain)
    func ticklessPerHart() throws {
        func run(_ era: Era) throws -> Outcome {
            try Self.run("Threads/sleepers.swift") {
                $0.harts = 2
                era.apply(to: &$0)
            }
        }
        let ticking = try run(.linux)
        let tickless = try run(.tickless)
        // Under the tick the 30 ms sleep ends at the first tick after it (32 ms from the start; the main thread's
        // reading lands just past it since threads are made with clone and joined on their tid words); tickless on time.
        #expect(ticking.output == "slept in parallel: 32 ms\n" && tickless.output == "slept in parallel: 30 ms\n")
        // 32 ms: a 4 ms tick fires on each hart 5 to 8 times, idle or not.
        #expect(ticking.statistics.harts.allSatisfy { $0.timerInterrupts >= 5 }, "\(ticking.statistics.harts)")
        #expect(tickless.statistics.harts.allSatisfy { $0.timerInterrupts <= 3 }, "\(tickless.statistics.harts)")
        #expect(tickless.statistics.idleWakeUps * 3 <= ticking.statistics.idleWakeUps)
        // Both harts idle nearly all the time.
        #expect(tickless.statistics.harts.allSatisfy { $0.idleCycles > 50 * $0.busyCycles })
    }

    @Test("eras parse by name and map to the story's figures")
    func eras() {
        #expect(Era.allCases.map(\.rawValue) == ["dos", "win1", "win95", "xp", "server", "linux", "linux-server", "tickless"])
        let clock: UInt64 = 100_000_000   // 1 ms = 100 000 cycles
        #expect(Era(rawValue: "dos")?.policy(clockFrequency: clock) == .singleTasking)
        #expect(Era(rawValue: "win1")?.policy(clockFrequency: clock) == .cooperative)
        #expect(Era.win95.policy(clockFrequency: clock) == .roundRobin(sliceCycles: 2_000_000, tickCycles: 1_560_000))
        #expect(Era.xp.policy(clockFrequency: clock) == .roundRobin(sliceCycles: 2_000_000, tickCycles: 1_560_000))
        #expect(Era.xp.foregroundBoost(clockFrequency: clock) == ForegroundBoost(priority: 2, sliceCycles: 6_000_000))
        #expect(Era.win95.foregroundBoost(clockFrequency: clock) == ForegroundBoost(priority: 2, sliceCycles: nil))
        #expect(Era.server.policy(clockFrequency: clock) == .roundRobin(sliceCycles: 12_000_000, tickCycles: 1_560_000))
        #expect(Era.server.foregroundBoost(clockFrequency: clock) == nil)
        #expect(Era(rawValue: "linux")?.policy(clockFrequency: clock) == .roundRobin(sliceCycles: 400_000, tickCycles: 400_000))
        #expect(Era(rawValue: "linux-server")?.policy(clockFrequency: clock) == .roundRobin(sliceCycles: 1_000_000, tickCycles: 1_000_000))
        #expect(Era.tickless.policy(clockFrequency: clock) == .roundRobin(sliceCycles: 400_000, tickCycles: nil))
        // Milliseconds, whatever the clock.
        #expect(Era.server.policy(clockFrequency: 1_000_000) == .roundRobin(sliceCycles: 120_000, tickCycles: 15_600))
        #expect(Era(rawValue: "vista") == nil)
        for era in Era.allCases {
            #expect(Era.helpTable.contains(era.rawValue + " "))
            var configuration = KernelConfiguration()
            era.apply(to: &configuration)
            #expect(throws: Never.self) { _ = try Kernel(executable: UserProgram.elf { UserProgram.exitWithA0(&$0) }, name: "t", arguments: [],
                                                          configuration: configuration, io: CapturedStreams().io) }
        }
    }

    @Test("metrics JSON: byte-identical for the same seed, with per-thread and per-hart numbers", .needsGuestToolchain)
    func metricsJSON() throws {
        func run(seed: UInt64) throws -> Outcome {
            try Self.run("Scheduling/affinity.swift") {
                $0.harts = 2
                $0.seed = seed
                Era.linux.apply(to: &$0)
            }
        }
        let first = try run(seed: 7)
        let second = try run(seed: 7)
        #expect(first.json == second.json)
        #expect(first.statistics == second.statistics)
        for key in ["\"status\": 0", "\"threads\": [", "\"runCycles\"", "\"readyCycles\"", "\"blockedCycles\"", "\"migrations\"",
                    "\"stackBytes\": 262144", "\"harts\": [", "\"busyCycles\"", "\"idleCycles\"", "\"timerInterrupts\"",
                    "\"idleWakeUps\"", "\"switchesByReason\"", "\"time slice expired\"", "\"tid\": 5", "\"hart\": 1"] {
            #expect(first.json.contains(key), "\(key)")
        }
        // Busy and idle add up to the run's cycles on every hart.
        for hart in first.statistics.harts {
            #expect(hart.busyCycles + hart.idleCycles == first.statistics.cycles)
        }
        #expect(first.statistics.harts.map(\.timerInterrupts).reduce(0, +) == first.statistics.timerInterrupts)
        #expect(first.statistics.harts.map(\.idleWakeUps).reduce(0, +) == first.statistics.idleWakeUps)
        // Every thread left its hart by exiting once; every switch onto a hart followed a
        // thread's leaving there, or found the hart idle.
        #expect(first.statistics.switchesByReason["exited"] == UInt64(first.statistics.threads.count))
        #expect(first.statistics.switchesByReason.values.reduce(0, +) >= first.statistics.contextSwitches)
    }
}
