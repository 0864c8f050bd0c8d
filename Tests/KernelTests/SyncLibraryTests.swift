// The guest concurrency library (Guest/Sync) under the kernel: every correct lock keeps a
// plain counter exact and lets one thread in at a time, on one hart and two, with and
// without preemption, for several seeds; the look-before-you-leap lock lets two threads
// in for some seed; a semaphore never admits more than its permits; a thread pool never
// holds more than its capacity; a channel delivers every item once and in order per
// producer; a condition variable wakes its waiters. The guest programs are in
// Guest/Programs/Sync. Everything is simulated, so no result depends on host timing.

import Foundation
import Kernel
import Testing

@Suite("Sync library: locks, semaphores, conditions, pools, channels")
struct SyncLibraryTests {
    /// A way to run: harts, policy, interleaving; `seeds` are tried one after another.
    struct Setting: CustomStringConvertible {
        var name: String
        var harts: Int
        var scheduling: SchedulingPolicy
        var granularity = 1000
        var jitter: UInt64 = 0
        var seeds: [UInt64] = [0]
        var description: String { name }
    }

    static let settings: [Setting] = [
        Setting(name: "1 hart, cooperative", harts: 1, scheduling: .cooperative),
        Setting(name: "1 hart, round robin (3000-cycle slices)", harts: 1,
                scheduling: .roundRobin(sliceCycles: 3000, tickCycles: 3000)),
        Setting(name: "2 harts, cooperative, granularity 1, jitter 3", harts: 2, scheduling: .cooperative,
                granularity: 1, jitter: 3, seeds: [1, 2, 3]),
        Setting(name: "2 harts, round robin, granularity 3, jitter 5", harts: 2,
                scheduling: .roundRobin(sliceCycles: 5000, tickCycles: 2500), granularity: 3, jitter: 5,
                seeds: [4, 5, 6]),
    ]

    static func run(_ elf: [UInt8], _ setting: Setting, seed: UInt64, arguments: [String]) throws -> RunResult {
        try KernelTests.run(elf, arguments: arguments) {
            $0.harts = setting.harts
            $0.scheduling = setting.scheduling
            $0.granularity = setting.granularity
            $0.jitter = setting.jitter
            $0.seed = seed
            $0.instructionLimit = 20_000_000       // a lock that never lets go ends the run quickly
        }
    }

    /// The integer right after `label` in `text` ("total 600 of 600" → "total " → 600).
    static func number(after label: String, in text: String) -> Int? {
        guard let range = text.range(of: label) else { return nil }
        let digits = text[range.upperBound...].prefix { $0.isNumber || $0 == "-" }
        return Int(digits)
    }

    static let correctLockKinds = ["spin", "ttas", "ticket", "mutex", "semaphore"]

    @Test("every correct lock keeps the counter exact and lets one thread in at a time",
          .needsGuestToolchain, arguments: correctLockKinds)
    func correctLocks(_ kind: String) throws {
        let elf = try GuestPrograms.build("Sync/lock-counter.swift")
        for setting in Self.settings {
            for seed in setting.seeds {
                let result = try Self.run(elf, setting, seed: seed, arguments: [kind, "2", "300"])
                let context = "\(kind), \(setting), seed \(seed): \(result.text)"
                #expect(result.ending == .exited(status: 0), "\(context)")
                #expect(Self.number(after: "total ", in: result.text) == 600, "\(context)")
                #expect(Self.number(after: "most inside ", in: result.text) == 1, "\(context)")
            }
        }
    }

    @Test("three threads share a lock exactly too (ticket and mutex, two harts)", .needsGuestToolchain, arguments: ["ticket", "mutex", "spin"])
    func threeThreads(_ kind: String) throws {
        let elf = try GuestPrograms.build("Sync/lock-counter.swift")
        let setting = Self.settings[3]
        for seed in setting.seeds {
            let result = try Self.run(elf, setting, seed: seed, arguments: [kind, "3", "200"])
            #expect(Self.number(after: "total ", in: result.text) == 600, "\(kind), seed \(seed): \(result.text)")
            #expect(Self.number(after: "most inside ", in: result.text) == 1, "\(kind), seed \(seed): \(result.text)")
        }
    }

    @Test("on two harts the locks are contended, and the spin locks count their spins", .needsGuestToolchain)
    func contention() throws {
        let elf = try GuestPrograms.build("Sync/lock-counter.swift")
        let setting = Self.settings[2]
        for kind in ["spin", "ttas", "ticket"] {
            let result = try Self.run(elf, setting, seed: 1, arguments: [kind, "2", "300"])
            #expect((Self.number(after: "contended ", in: result.text) ?? 0) > 0, "\(kind): \(result.text)")
            #expect((Self.number(after: "waits ", in: result.text) ?? 0) > 0, "\(kind): \(result.text)")
        }
        // A mutex sleeps instead: its waits are futex sleeps, far fewer than spins.
        let mutex = try Self.run(elf, setting, seed: 1, arguments: ["mutex", "2", "300"])
        #expect(mutex.statistics.systemCalls > 10, "\(mutex.text)")
        // One cooperative hart never finds a lock taken.
        let alone = try Self.run(elf, Self.settings[0], seed: 0, arguments: ["spin", "2", "300"])
        #expect(Self.number(after: "contended ", in: alone.text) == 0, "\(alone.text)")
    }

    @Test("a ticket lock on one preempted hart: the next in line is not running, so waiters spin whole slices", .needsGuestToolchain)
    func ticketConvoy() throws {
        let elf = try GuestPrograms.build("Sync/lock-counter.swift")
        let setting = Self.settings[1]
        let ticket = try Self.run(elf, setting, seed: 0, arguments: ["ticket", "2", "300"])
        let spin = try Self.run(elf, setting, seed: 0, arguments: ["spin", "2", "300"])
        #expect(Self.number(after: "total ", in: ticket.text) == 600)
        #expect(ticket.statistics.instructions > 2 * spin.statistics.instructions,
                "ticket \(ticket.statistics.instructions), spin \(spin.statistics.instructions) instructions")
    }

    @Test("the look-before-you-leap lock lets two threads in for some seed; one cooperative hart hides it", .needsGuestToolchain)
    func lookBeforeYouLeap() throws {
        let elf = try GuestPrograms.build("Sync/lock-counter.swift")
        var broken: [UInt64] = []
        for seed: UInt64 in 1...8 {
            let result = try Self.run(elf, Self.settings[2], seed: seed, arguments: ["look-before-you-leap", "2", "300"])
            let inside = Self.number(after: "most inside ", in: result.text) ?? 0
            let total = Self.number(after: "total ", in: result.text) ?? 0
            #expect(total <= 600 && inside <= 2, "seed \(seed): \(result.text)")
            if inside >= 2 { broken.append(seed) }
        }
        #expect(!broken.isEmpty, "no seed in 1...8 let two threads in")
        let alone = try Self.run(elf, Self.settings[0], seed: 0, arguments: ["look-before-you-leap", "2", "300"])
        #expect(Self.number(after: "most inside ", in: alone.text) == 1, "\(alone.text)")
        #expect(Self.number(after: "total ", in: alone.text) == 600, "\(alone.text)")
    }

    @Test("Broken.swift: both wrong-on-purpose pieces fail for some seed on two harts", .needsGuestToolchain)
    func brokenPieces() throws {
        let elf = try GuestPrograms.build("Sync/broken-lock.swift")
        var overlapped = false, lost = false
        for seed: UInt64 in 1...6 {
            let result = try Self.run(elf, Self.settings[2], seed: seed, arguments: ["300"])
            if (Self.number(after: "overlaps ", in: result.text) ?? 0) > 0 { overlapped = true }
            if let count = Self.number(after: "counter: ", in: result.text), count < 600 { lost = true }
        }
        #expect(overlapped, "the look-before-you-leap lock never let two threads in (seeds 1...6)")
        #expect(lost, "the unsynchronised counter never lost an update (seeds 1...6)")
        let alone = try Self.run(elf, Self.settings[0], seed: 0, arguments: ["300"])
        #expect(alone.text == "look-before-you-leap: most inside 1, overlaps 0; unsynchronised counter: 600 of 600\n")
    }

    @Test("a counting semaphore never admits more threads than it has permits", .needsGuestToolchain, arguments: [1, 2, 3])
    func semaphore(_ permits: Int) throws {
        let elf = try GuestPrograms.build("Sync/semaphore.swift")
        var reached = false
        for setting in Self.settings {
            for seed in setting.seeds {
                let result = try Self.run(elf, setting, seed: seed, arguments: ["\(permits)", "4", "20"])
                let context = "\(permits) permits, \(setting), seed \(seed): \(result.text)"
                #expect(Self.number(after: "entries ", in: result.text) == 80, "\(context)")
                let most = Self.number(after: "most inside ", in: result.text) ?? Int.max
                #expect(most <= permits, "\(context)")
                #expect(Self.number(after: "permits, ", in: result.text) == permits, "every permit back: \(context)")
                if most == permits { reached = true }
            }
        }
        #expect(reached, "no run ever had \(permits) threads inside")
    }

    @Test("condition variables: producer and consumer hand over every item in order; broadcast wakes all", .needsGuestToolchain)
    func condition() throws {
        let elf = try GuestPrograms.build("Sync/condition.swift")
        for setting in Self.settings {
            for seed in setting.seeds {
                let result = try Self.run(elf, setting, seed: seed, arguments: ["150"])
                #expect(result.text == "received 150 of 150, sum 11325 (expected 11325), in order true; broadcast woke 3 of 3\n",
                        "\(setting), seed \(seed)")
                #expect(result.ending == .exited(status: 0))
            }
        }
    }

    @Test("a thread pool never holds more jobs than its capacity, and runs every job once", .needsGuestToolchain)
    func threadPool() throws {
        let elf = try GuestPrograms.build("Sync/thread-pool.swift")
        for (workers, capacity) in [(3, 4), (2, 1), (4, 2)] {
            for setting in Self.settings {
                for seed in setting.seeds {
                    let result = try Self.run(elf, setting, seed: seed, arguments: ["\(workers)", "\(capacity)", "30"])
                    let context = "\(workers) workers, capacity \(capacity), \(setting), seed \(seed): \(result.text)"
                    #expect(result.text.hasPrefix("jobs 30 of 30, sum 465 (expected 465)"), "\(context)")
                    #expect((Self.number(after: "most in pool ", in: result.text) ?? .max) <= capacity, "\(context)")
                    #expect((Self.number(after: "peak occupancy ", in: result.text) ?? .max) <= capacity, "\(context)")
                    #expect((Self.number(after: "most running ", in: result.text) ?? .max) <= min(workers, capacity), "\(context)")
                }
            }
        }
    }

    @Test("a bounded channel delivers every item once, in order per producer; a send after close fails", .needsGuestToolchain)
    func channel() throws {
        let elf = try GuestPrograms.build("Sync/channel.swift")
        for (producers, consumers, capacity) in [(3, 2, 4), (2, 3, 1), (1, 1, 8)] {
            for setting in Self.settings {
                for seed in setting.seeds {
                    let result = try Self.run(elf, setting, seed: seed,
                                              arguments: ["\(producers)", "\(consumers)", "60", "\(capacity)"])
                    #expect(result.text == "received \(producers * 60) of \(producers * 60), checksum ok, out of order 0, send after close false\n",
                            "\(producers)/\(consumers)/\(capacity), \(setting), seed \(seed)")
                }
            }
        }
    }

    @Test("Sync.Mutex and Synchronization's atomics in one program; tracing off asks the kernel once", .needsGuestToolchain)
    func namesAndTracing() throws {
        let elf = try GuestPrograms.build("Sync/both-mutexes.swift")
        let result = try Self.run(elf, Self.settings[2], seed: 1, arguments: [])
        #expect(result.text == "Sync.Mutex 200, Mutex 200, Atomic 200, tracing off\n")
        // This run records no trace: trace_enabled is asked at most once (a kernel without
        // the call answers -ENOSYS, which means off), and no mark or label is sent.
        #expect((result.statistics.unknownSystemCalls[0x1042] ?? 0) <= 1)
        #expect(result.statistics.unknownSystemCalls[0x1040] == nil)
        #expect(result.statistics.unknownSystemCalls[0x1041] == nil)
    }
}
