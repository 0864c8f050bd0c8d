// Futex operations between threads under the kernel (requeue, bitsets, wake-op, private
// against shared, PI hand-over), under several schedulers and hart counts: the program
// waits until the kernel reports its sleepers before each operation, so its output is the
// same under every schedule. And the futex table keeps nothing once nobody sleeps.

@testable import Kernel
import Testing

@Suite("Kernel: futex operations between threads")
struct FutexThreadTests {
    static let expected = """
        cmp_requeue returned 3, left 1 on the first word and 2 on the second; woke in order 1 2 3 4
        cmp_requeue with a stale value: -11; requeue moved 1, left 0 and 1
        wake_bitset 6 woke 2, then 2 woke 0, then 1 woke 1; first woken 2 and 3, then 1
        wake 0 woke 1, wake all woke 1
        a shared sleeper: private wake woke 0, shared wake woke 1
        wake_op comparisons against 4, 5, 6 with old value 5: EQ 010 NE 101 LT 001 GE 110 LE 011 GT 100
        wake_op woke 2, second word now 1
        lock_pi 0 (owner true); unlock_pi 0; the sleeper got it true and freed it true

        """

    static let schedules: [(String, SchedulingPolicy, Int)] = [
        ("cooperative, 1 hart", .cooperative, 1),
        ("round robin, 1 hart", .roundRobin(sliceCycles: 20_000, tickCycles: 10_000), 1),
        ("tickless, 3 harts", .roundRobin(sliceCycles: 50_000, tickCycles: nil), 3),
        ("cooperative, 4 harts", .cooperative, 4),
    ]

    @Test("each operation's answer and wake order, under every schedule", .needsGuestToolchain, arguments: 0..<schedules.count)
    func operations(_ index: Int) throws {
        let (name, policy, harts) = Self.schedules[index]
        let elf = try GuestPrograms.build("Futex/futex-threads.swift")
        let (result, kernel) = try Self.run(elf) { $0.scheduling = policy; $0.harts = harts }
        #expect(result.text == Self.expected, "\(name)")
        #expect(result.ending == .exited(status: 0), "\(name)")
        #expect(kernel.futexes.wordCount == 0 && kernel.futexes.sleeperCount == 0, "\(name): the table keeps nothing")
    }

    /// A run that also hands back the kernel, to look at its futex table afterwards.
    static func run(_ elf: [UInt8], configure: (inout KernelConfiguration) -> Void) throws -> (RunResult, Kernel) {
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 16 << 20
        configure(&configuration)
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: elf, name: "test", arguments: [], configuration: configuration, io: streams.io)
        let ending = kernel.run()
        return (RunResult(ending: ending, output: streams.output + streams.error, statistics: kernel.statistics), kernel)
    }
}
