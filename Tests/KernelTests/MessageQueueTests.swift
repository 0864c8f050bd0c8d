// Message queues and the input device: post/get in order between threads, peek without
// a switch, bad buffers and unknown threads, a message loop that answers input at once,
// a cooperative hog that freezes input while preemption or a second hart does not, long
// slices against short ones, input that follows set_foreground, a thread stuck in
// get_message reported as a deadlock, and latencies that repeat with the seed.

import Kernel
import Machine
import MachineTools
import Testing

@Suite("Kernel: message queues and input")
struct MessageQueueTests {
    /// 1 ms of simulated time at the default 100 MHz clock.
    static let millisecond: UInt64 = 100_000

    /// An input device that moves the cursor every `period` cycles, `events` times.
    static func input(every period: UInt64, events: Int) -> (inout KernelConfiguration) -> Void {
        { $0.inputPeriodCycles = period; $0.inputEventCount = events }
    }

    /// One system call and the a0 it must return; or a 64-bit word the data area must hold.
    enum Step {
        case call(Int64, [Int64], expect: Int64)
        case word(offset: Int64, expect: Int64)
    }

    /// A program that runs `steps` and exits 0, or with the number of the first step
    /// that went wrong.
    static func program(_ steps: [Step]) -> [UInt8] {
        UserProgram.elf { asm in
            for (index, step) in steps.enumerated() {
                asm.li(.s1, Int64(index + 1))
                switch step {
                case .call(let number, let arguments, let expected):
                    UserProgram.call(&asm, number, arguments)
                    asm.li(.t0, expected)
                    asm.bne(.a0, .t0, "fail")
                case .word(let offset, let expected):
                    asm.li(.t1, UserProgram.data + offset)
                    asm.ld(.t2, 0, .t1)
                    asm.li(.t0, expected)
                    asm.bne(.t2, .t0, "fail")
                }
            }
            UserProgram.call(&asm, 93, [0])
            asm.label("fail")
            asm.mv(.a0, .s1)
            UserProgram.exitWithA0(&asm)
        }
    }

    static let post: Int64 = 0x1020, get: Int64 = 0x1021, peek: Int64 = 0x1022

    @Test("post/get between two threads delivers every message in order, under every policy", .needsGuestToolchain, arguments: 0..<ThreadTests.policies.count)
    func postAndGet(_ index: Int) throws {
        let (name, policy, harts) = ThreadTests.policies[index]
        let elf = try GuestPrograms.build("Messages/post-get.swift")
        let result = try run(elf) { $0.scheduling = policy; $0.harts = harts }
        #expect(result.text == "received 1000 messages, in order: true\nqueue full never\n", "\(name)")
        #expect(result.ending == .exited(status: 0), "\(name)")
    }

    @Test("a full queue refuses a post with EAGAIN; the sender retries and nothing is lost or reordered", .needsGuestToolchain)
    func fullQueue() throws {
        let elf = try GuestPrograms.build("Messages/post-get.swift")
        let result = try run(elf) { $0.messageQueueCapacity = 16 }
        #expect(result.text == "received 1000 messages, in order: true\nqueue full sometimes\n")
    }

    @Test("peek on an empty queue returns nothing at once, without a context switch", .needsGuestToolchain)
    func peekWithoutSwitch() throws {
        let elf = try GuestPrograms.build("Messages/peek-empty.swift")
        let result = try run(elf)
        #expect(result.text == "1000 empty peeks, then kind 1024 from thread 1: 7 8\n")
        #expect(result.statistics.contextSwitches == 1)   // the first dispatch only
        #expect(result.statistics.threads.first?.metrics.switches == 1)
        #expect(result.statistics.threads.first?.metrics.blockedCycles == 0)
    }

    @Test("bad buffers get -EFAULT and lose no message; unknown threads -ESRCH; a full queue -EAGAIN")
    func hostileArguments() throws {
        let data = UserProgram.data
        let elf = Self.program([
            .call(Self.post, [1, 0x400, 5, 6], expect: 0),
            .call(Self.peek, [0x10], expect: -14),                   // bad buffer: the message stays
            .call(Self.get, [0x3FFF_E000], expect: -14),               // unmapped
            .call(Self.peek, [-8], expect: -14),
            .call(Self.peek, [data], expect: 1),
            .word(offset: 0, expect: 0x400 | 1 << 32),               // kind, sender 1
            .word(offset: 8, expect: 5),
            .word(offset: 16, expect: 6),
            .call(Self.peek, [data], expect: 0),
            .call(Self.get, [0x10], expect: -14),                    // empty queue, bad buffer: no wait
            .call(Self.post, [999, 1, 0, 0], expect: -3),
            .call(Self.post, [-1, 1, 0, 0], expect: -3),
            .call(Self.post, [1, 1, 0, 0], expect: 0),
            .call(Self.post, [1, 2, 0, 0], expect: 0),
            .call(Self.post, [1, 3, 0, 0], expect: -11),             // capacity 2
            .call(Self.get, [data], expect: 0),
            .word(offset: 0, expect: 1 | 1 << 32),
            .call(Self.get, [data], expect: 0),
            .word(offset: 0, expect: 2 | 1 << 32),
        ])
        let result = try run(elf) { $0.messageQueueCapacity = 2 }
        #expect(result.ending == .exited(status: 0))
        #expect(result.statistics.contextSwitches == 1)
    }

    @Test("a message loop on get_message handles every input event within microseconds", .needsGuestToolchain)
    func inputLoop() throws {
        let elf = try GuestPrograms.build("Messages/input-loop.swift")
        let result = try run(elf, configure: Self.input(every: 2 * Self.millisecond, events: 20))
        #expect(result.text.hasPrefix("handled 20 cursor moves, the cursor is at "))
        #expect(result.ending == .exited(status: 0))
        let statistics = result.statistics
        #expect(statistics.inputEventsInjected == 20)
        #expect(statistics.inputEventsDropped == 0)
        #expect(statistics.inputLatencies.count == 20)
        #expect((statistics.inputLatencyMaximum ?? .max) < 10_000)   // 0.1 ms
        // 20 events and the quit message, 2 ms apart.
        #expect(statistics.cycles >= 21 * 2 * Self.millisecond)
    }

    /// input-hog with `rounds` of computing, input every millisecond.
    func hogRun(rounds: Int, _ configure: @escaping (inout KernelConfiguration) -> Void = { _ in }) throws -> RunResult {
        let elf = try GuestPrograms.build("Messages/input-hog.swift")
        return try run(elf, arguments: ["\(rounds)"]) { configuration in
            Self.input(every: Self.millisecond, events: 60)(&configuration)
            configure(&configuration)
        }
    }

    @Test("a cooperative hog freezes input: the maximum latency grows with the hog's run time", .needsGuestToolchain)
    func cooperativeHogFreezesInput() throws {
        let short = try hogRun(rounds: 200_000)
        let long = try hogRun(rounds: 400_000)
        for result in [short, long] {
            #expect(result.text.hasSuffix("handled 60 cursor moves\n"))
            #expect(result.statistics.inputLatencies.count == 60)
        }
        let shortHog = short.statistics.threads[1].metrics.runCycles, longHog = long.statistics.threads[1].metrics.runCycles
        let shortLatency = short.statistics.inputLatencyMaximum ?? 0, longLatency = long.statistics.inputLatencyMaximum ?? 0
        #expect(shortHog > 10 * Self.millisecond)
        // The event injected just after the hog started waits until it ends: all but one period.
        #expect(shortLatency + Self.millisecond >= shortHog)
        #expect(longLatency + Self.millisecond >= longHog)
        #expect(longLatency >= shortLatency + (longHog - shortHog) / 2)
    }

    @Test("the same hog under round-robin preemption leaves the input loop its share: latency within a slice", .needsGuestToolchain)
    func preemptionKeepsInputResponsive() throws {
        let slice = Self.millisecond
        let policy = SchedulingPolicy.roundRobin(sliceCycles: slice, tickCycles: slice / 2)
        let cooperative = try hogRun(rounds: 400_000)
        let preemptive = try hogRun(rounds: 400_000, { $0.scheduling = policy })
        #expect(preemptive.text.hasSuffix("handled 60 cursor moves\n"))
        #expect(preemptive.text.contains("hog done"))
        let maximum = preemptive.statistics.inputLatencyMaximum ?? .max
        #expect(maximum <= slice + slice / 2 + 2_000)   // a slice, a tick to notice, the switch
        #expect(maximum * 10 < cooperative.statistics.inputLatencyMaximum ?? 0)
        // The hog got its work done in the same simulated time, in slices.
        #expect(preemptive.statistics.threads[1].metrics.switches > 10)
    }

    @Test("a second hart gives the hog its own core: even cooperative input stays fast", .needsGuestToolchain)
    func secondHart() throws {
        let result = try hogRun(rounds: 200_000, { $0.harts = 2 })
        #expect(result.text.hasSuffix("handled 60 cursor moves\n"))
        #expect((result.statistics.inputLatencyMaximum ?? .max) < 10_000)   // 0.1 ms
    }

    @Test("a 120 ms slice gives fewer switches and worse input latency than a 15.6 ms one on the same work", .needsGuestToolchain)
    func longSlicesHurtInput() throws {
        let tick: UInt64 = 1_560_000   // Windows' 15.6 ms
        let elf = try GuestPrograms.build("Messages/input-hog.swift")
        let results = try [tick, 12_000_000].map { slice in
            try run(elf, arguments: ["2000000"]) { configuration in
                Self.input(every: 5 * Self.millisecond, events: 40)(&configuration)
                configuration.scheduling = .roundRobin(sliceCycles: slice, tickCycles: tick)
            }
        }
        let (short, long) = (results[0].statistics, results[1].statistics)
        #expect(results.allSatisfy { $0.text.hasSuffix("handled 40 cursor moves\n") })
        #expect(long.threads[1].metrics.runCycles > 12_000_000)   // the hog outlasts a long slice
        #expect((short.inputLatencyMaximum ?? .max) <= tick + 2_000)
        #expect((long.inputLatencyMaximum ?? 0) >= 8_000_000)     // 80 ms and more
        #expect(long.contextSwitches < short.contextSwitches)
    }

    @Test("input goes to the foreground process: after set_foreground the other process gets the moves", .needsGuestToolchain)
    func inputFollowsForeground() throws {
        let outcome = try MultiProcessTests.runPrograms(
            "focus", programs: ["focus": "Messages/focus.swift", "window": "Messages/focus.swift"], alsoStarting: ["window"],
            configure: Self.input(every: Self.millisecond, events: 20))
        #expect(outcome.output.contains("focus handled 5 cursor moves\n"))
        #expect(outcome.output.contains("window handled 15 cursor moves\n"))
        #expect(outcome.statistics.inputLatencies.count == 20)
        #expect(outcome.ending == .exited(status: 0))
    }

    @Test("a thread blocked in get_message with nothing to wake it is reported as a deadlock", .needsGuestToolchain)
    func deadlockInGetMessage() throws {
        let elf = try GuestPrograms.build("Messages/wait-forever.swift")
        let result = try run(elf)
        guard case .deadlock(let report) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(result.ending.status == 125)
        #expect(report.contains("thread 1: blocked in get_message"))
        // With the input device on, the thread waits for input until the device is done.
        let loop = try run(elf, configure: Self.input(every: Self.millisecond, events: 3))
        #expect(loop.text == "got a message of kind 512\n")
    }

    @Test("the same seed gives the same latencies and positions; another seed moves the cursor elsewhere", .needsGuestToolchain)
    func deterministicLatencies() throws {
        let policy = SchedulingPolicy.roundRobin(sliceCycles: Self.millisecond, tickCycles: nil)
        let first = try hogRun(rounds: 200_000, { $0.scheduling = policy; $0.seed = 7 })
        let second = try hogRun(rounds: 200_000, { $0.scheduling = policy; $0.seed = 7 })
        #expect(first.statistics.inputLatencies == second.statistics.inputLatencies)
        #expect(first.statistics == second.statistics)
        let elf = try GuestPrograms.build("Messages/input-loop.swift")
        let positions = try [7, 7, 8].map { seed in
            try run(elf) { Self.input(every: Self.millisecond, events: 10)(&$0); $0.seed = UInt64(seed); $0.harts = 2 }.text
        }
        #expect(positions[0] == positions[1])
        #expect(positions[0] != positions[2])
    }

    @Test("configuration limits are explained")
    func configurationLimits() throws {
        var configuration = KernelConfiguration()
        configuration.messageQueueCapacity = 0
        #expect(throws: KernelError.self) { try run(Self.program([])) { $0 = configuration } }
        configuration = KernelConfiguration()
        configuration.inputPeriodCycles = 10
        #expect(throws: KernelError.self) { try run(Self.program([])) { $0 = configuration } }
    }
}
