// The hook signals use on a thread asleep in a futex call (interruptFutexWait): Linux's
// restart rules. A wait without a timeout returns EINTR, or runs again with SA_RESTART; a
// timed wait returns EINTR either way; a PI lock waiter always tries again. The thread
// leaves the futex table in every case.

@testable import Kernel
import Machine
import Testing

@Suite("Futex waits interrupted by a signal")
struct FutexInterruptTests {
    /// A program whose main thread makes one futex call on the word at `data` (holding
    /// `word`), then exits with the call's result as its status.
    static func program(operation: Int64, word: UInt32, timed: Bool) -> [UInt8] {
        let base = UserProgram.data
        var data = littleEndianBytes(UInt64(word)) + [UInt8](repeating: 0, count: 8)
        data += littleEndianBytes(UInt64(10)) + littleEndianBytes(UInt64(0))   // a 10 s timeout at +16
        return UserProgram.elf(data: data) { asm in
            UserProgram.call(&asm, 98, [base, operation, Int64(word), timed ? base + 16 : 0, 0, 0])
            UserProgram.exitWithA0(&asm)
        }
    }

    /// Runs until the main thread sleeps in its futex call, interrupts it, and runs to the end.
    static func interrupted(operation: Int64, word: UInt32 = 0, timed: Bool = false, restart: Bool)
        throws -> (ending: ProcessEnding, wasAsleep: Bool, tableEmpty: Bool) {
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 16 << 20
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: program(operation: operation, word: word, timed: timed), name: "test",
                                arguments: [], configuration: configuration, io: streams.io)
        _ = kernel.run(until: 200_000)
        let main = try #require(kernel.threads[1])
        let wasAsleep = kernel.interruptFutexWait(main, restart: restart, cycle: kernel.machine.harts[0].cycle)
        let tableEmpty = kernel.futexes.sleeperCount == 0
        return (kernel.run(), wasAsleep, tableEmpty)
    }

    static let eintr: Int32 = 256 - 4

    @Test("an untimed wait returns EINTR without SA_RESTART")
    func untimedWaitReturnsEINTR() throws {
        let outcome = try Self.interrupted(operation: 128, restart: false)
        #expect(outcome.wasAsleep && outcome.tableEmpty)
        #expect(outcome.ending.status == Self.eintr)
    }

    @Test("an untimed wait with SA_RESTART runs again: it sleeps again, and nothing else will wake it")
    func untimedWaitRestarts() throws {
        let outcome = try Self.interrupted(operation: 128, restart: true)
        #expect(outcome.wasAsleep && outcome.tableEmpty)
        #expect(outcome.ending.status == 125, "a deadlock: the restarted wait sleeps again on the same word")
    }

    @Test("a timed wait returns EINTR even with SA_RESTART", arguments: [false, true])
    func timedWaitReturnsEINTR(_ restart: Bool) throws {
        let outcome = try Self.interrupted(operation: 128, timed: true, restart: restart)
        #expect(outcome.wasAsleep && outcome.tableEmpty)
        #expect(outcome.ending.status == Self.eintr)
    }

    @Test("a thread asleep in nanosleep is left alone")
    func otherSleepsAreLeftAlone() throws {
        let base = UserProgram.data
        let elf = UserProgram.elf(data: littleEndianBytes(UInt64(0)) + littleEndianBytes(UInt64(1_000_000))) { asm in
            UserProgram.call(&asm, 101, [base, 0])   // 1 ms
            UserProgram.exitWithA0(&asm)
        }
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 16 << 20
        let kernel = try Kernel(executable: elf, name: "test", arguments: [], configuration: configuration, io: CapturedStreams().io)
        _ = kernel.run(until: 100_000)
        let main = try #require(kernel.threads[1])
        #expect(!kernel.interruptFutexWait(main, restart: false, cycle: kernel.machine.harts[0].cycle))
        #expect(kernel.run().status == 0, "the sleep ends as it would have")
    }
}
