// Threads under the kernel: spawn and join on one or several harts and under every
// policy, futex ping-pong, sleeping, deadlock, a thread's stack overflow, and what
// cooperative and preemptive scheduling do to a hog.

import Kernel
import Testing

@Suite("Kernel: threads and scheduling")
struct ThreadTests {
    static let policies: [(String, SchedulingPolicy, Int)] = [
        ("cooperative, 1 hart", .cooperative, 1),
        ("cooperative, 2 harts", .cooperative, 2),
        ("round robin, 1 hart", .roundRobin(sliceCycles: 100_000, tickCycles: 25_000), 1),
        ("tickless, 3 harts", .roundRobin(sliceCycles: 50_000, tickCycles: nil), 3),
        ("round robin, 4 harts", .roundRobin(sliceCycles: 20_000, tickCycles: 10_000), 4),
    ]

    @Test("four threads sum into their own slots and are joined", .needsGuestToolchain, arguments: 0..<policies.count)
    func join(_ index: Int) throws {
        let (name, policy, harts) = Self.policies[index]
        let elf = try GuestPrograms.build("Threads/join.swift")
        let result = try run(elf) { $0.scheduling = policy; $0.harts = harts }
        #expect(result.text == "sum 80000200000 from 4 threads\n", "\(name)")
        #expect(result.ending == .exited(status: 0), "\(name)")
        #expect(result.statistics.threads.count == 5)
        #expect(result.statistics.threads.dropFirst().allSatisfy { $0.metrics.stackBytes == 64 << 10 })
        #expect(result.statistics.processes.first?.stackBytes == (8 << 20) + 4 * (64 << 10), "main stack + 4 thread stacks")
    }

    @Test("futex ping-pong: every turn is a switch; the same seed gives the same counts", .needsGuestToolchain)
    func pingPong() throws {
        let elf = try GuestPrograms.build("Threads/ping-pong.swift")
        let first = try run(elf)
        let second = try run(elf)
        #expect(first.text == "10000 rounds each, turn ends at 0\n")
        #expect(first.statistics.contextSwitches >= 20_000)
        #expect(first.statistics == second.statistics)
        let parallel = try run(elf) { $0.harts = 2 }
        #expect(parallel.text == first.text)
    }

    @Test("sleeping threads overlap: three sleeps of 10, 20 and 30 ms take 30 ms", .needsGuestToolchain)
    func sleepers() throws {
        let elf = try GuestPrograms.build("Threads/sleepers.swift")
        #expect(try run(elf).text == "slept in parallel: 30 ms\n")
        #expect(try run(elf) { $0.harts = 2 }.text == "slept in parallel: 30 ms\n")
    }

    @Test("tickless takes far fewer timer interrupts than a 1 ms tick while threads sleep", .needsGuestToolchain)
    func ticklessIsQuiet() throws {
        let elf = try GuestPrograms.build("Threads/sleepers.swift")
        let ticking = try run(elf) { $0.scheduling = .roundRobin(sliceCycles: 1_000_000, tickCycles: 100_000) }
        let tickless = try run(elf) { $0.scheduling = .roundRobin(sliceCycles: 1_000_000, tickCycles: nil) }
        // The tick ends the 30 ms sleep at the first tick after it; tickless on time.
        #expect(ticking.text == "slept in parallel: 31 ms\n")
        #expect(tickless.text == "slept in parallel: 30 ms\n")
        #expect(ticking.statistics.timerInterrupts >= 25)
        #expect(tickless.statistics.timerInterrupts <= 5)
    }

    @Test("two threads waiting on each other: the run ends with a deadlock report (status 125)", .needsGuestToolchain)
    func deadlock() throws {
        let elf = try GuestPrograms.build("Threads/deadlock.swift")
        let result = try run(elf)
        guard case .deadlock(let report) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(result.ending.status == 125)
        #expect(report.contains("thread 1: blocked in futex_wait"))
        #expect(report.contains("thread 2: blocked in futex_wait"))
    }

    @Test("a thread that overflows its stack hits the guard page and is reported", .needsGuestToolchain)
    func threadStackOverflow() throws {
        let elf = try GuestPrograms.build("Threads/thread-overflow.swift")
        let result = try run(elf)
        guard case .killed(let fault) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(fault.threadID == 2)
        #expect(fault.explanation.contains("thread's stack is 16 KiB"))
    }

    @Test("a cooperative hog keeps the printer waiting; preemption lets it in early", .needsGuestToolchain)
    func hog() throws {
        let elf = try GuestPrograms.build("Threads/hog.swift")
        let cooperative = try run(elf)
        #expect(cooperative.text.hasPrefix("hog done"))
        let preemptive = try run(elf) { $0.scheduling = .roundRobin(sliceCycles: 100_000, tickCycles: 50_000) }
        #expect(preemptive.text.hasPrefix("printer ran"))
        #expect(preemptive.statistics.contextSwitches > cooperative.statistics.contextSwitches)
    }
}

@Suite("Kernel: races between harts")
struct RaceTests {
    static func counts(_ text: String) -> (plain: Int, atomic: Int)? {
        let words = text.split(separator: " ")
        guard words.count >= 4, let plain = Int(words[1]), let atomic = Int(words[3]) else { return nil }
        return (plain, atomic)
    }

    @Test("on two harts a plain counter loses updates, differently per seed; the atomic one never", .needsGuestToolchain)
    func lostUpdates() throws {
        let elf = try GuestPrograms.build("Threads/race.swift")
        var plains: Set<Int> = []
        for seed: UInt64 in 1...3 {
            let result = try run(elf) { $0.harts = 2; $0.granularity = 1; $0.jitter = 3; $0.seed = seed }
            guard let counts = Self.counts(result.text) else { Issue.record("output: \(result.text)"); return }
            #expect(counts.atomic == 40_000)
            #expect(counts.plain < 40_000)
            plains.insert(counts.plain)
            let again = try run(elf) { $0.harts = 2; $0.granularity = 1; $0.jitter = 3; $0.seed = seed }
            #expect(again.text == result.text, "seed \(seed) repeats")
        }
        #expect(plains.count >= 2)
        let alone = try run(elf)
        #expect(Self.counts(alone.text)?.plain == 40_000, "one hart, cooperative: no interleaving, no loss")
    }
}

@Suite("Kernel: futex and thread limits")
struct FutexTests {
    @Test("futex waiters wake first come, first served, one per wake", .needsGuestToolchain)
    func wakeOrder() throws {
        let elf = try GuestPrograms.build("Threads/futex-order.swift")
        // One hart, so each thread is surely asleep before the next is spawned.
        for policy in [SchedulingPolicy.cooperative, .roundRobin(sliceCycles: 50_000, tickCycles: nil)] {
            let result = try run(elf) { $0.scheduling = policy }
            #expect(result.text == "woke in order 1 2 3 4; each wake woke 1 1 1 1\n", "\(policy)")
        }
    }

    @Test("no wake-up is lost: a futex hand-off completes under every interleaving tried", .needsGuestToolchain, arguments: [UInt64(1), 2, 3, 4, 5])
    func noLostWakeUp(seed: UInt64) throws {
        let elf = try GuestPrograms.build("Threads/ping-pong.swift")
        let result = try run(elf) { $0.harts = 2; $0.granularity = 1; $0.jitter = 5; $0.seed = seed }
        #expect(result.ending == .exited(status: 0), "seed \(seed): \(result.ending)")
        #expect(result.text == "10000 rounds each, turn ends at 0\n")
    }

    @Test("too many threads is EAGAIN and too much stack ENOMEM; the program goes on", .needsGuestToolchain)
    func limits() throws {
        let elf = try GuestPrograms.build("Threads/thread-limits.swift")
        let result = try run(elf) { $0.threadLimit = 12 }
        #expect(result.text == "spawned 11, then EAGAIN (try again); a 1 TiB stack: ENOMEM (out of memory)\n")
        #expect(result.ending == .exited(status: 0))
    }
}
