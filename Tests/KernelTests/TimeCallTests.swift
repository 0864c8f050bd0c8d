// Time-taking system calls with hostile times: centuries of sleep, timespecs from random
// 64-bit values, every clock; the host survives, results are Linux's, and a run that
// would pass 2^62 cycles ends with its report. Under a periodic tick a sleep ends at a tick.

import Kernel
import Machine
import PropertyBased
import Testing

/// One call with a timespec at `data`, then clock_gettime(`clock`): the program writes the
/// call's result and the timespec read (24 bytes) and exits 0.
private func timedCall(_ number: Int64, seconds: Int64, nanoseconds: Int64, repeats: Int = 1, clock: Int64 = 1,
                       arguments: (Int64) -> [Int64]) -> [UInt8] {
    var data = littleEndianBytes(UInt64(bitPattern: seconds)) + littleEndianBytes(UInt64(bitPattern: nanoseconds))
    data += [UInt8](repeating: 0, count: 48)   // futex word at +16, result at +32, clock at +40
    let base = UserProgram.data
    return UserProgram.elf(data: data) { asm in
        for _ in 0..<repeats { UserProgram.call(&asm, number, arguments(base)) }
        asm.li(.t0, base + 32)
        asm.sd(.a0, 0, .t0)
        UserProgram.call(&asm, 113, [clock, base + 40])
        UserProgram.call(&asm, 64, [1, base + 32, 24])
        UserProgram.call(&asm, 93, [0])
    }
}

/// The call's result, and the clock read after it in nanoseconds (saturating).
private func outcome(_ result: RunResult) throws -> (result: Int64, clock: UInt64) {
    try #require(result.output.count == 24, "output: \(result.output)")
    let seconds = littleEndianWord(result.output, at: 8).multipliedReportingOverflow(by: 1_000_000_000)
    let clock = seconds.overflow ? UInt64.max : seconds.partialValue.addingSaturated(littleEndianWord(result.output, at: 16))
    return (Int64(bitPattern: littleEndianWord(result.output, at: 0)), clock)
}

@Suite("Time calls with hostile times")
struct TimeCallTests {
    static let century: Int64 = 100 * 365 * 86_400

    @Test("seven nanosleeps of 100 years, then clock_gettime(REALTIME): 700 years after the epoch, no trap")
    func centuriesOfSleep() throws {
        let elf = timedCall(101, seconds: Self.century, nanoseconds: 0, repeats: 7, clock: 0) { [$0, 0] }
        let result = try run(elf)
        #expect(result.ending == .exited(status: 0))
        try #require(result.output.count == 24)
        #expect(littleEndianWord(result.output, at: 0) == 0)
        #expect(littleEndianWord(result.output, at: 8) == UInt64(7 * Self.century) + 1_767_225_600)
    }

    @Test("a sleep past 2^62 cycles ends the run with the clock-limit report (status 142)")
    func clockLimit() throws {
        let elf = timedCall(101, seconds: Int64.max, nanoseconds: 999_999_999) { [$0, 0] }
        let result = try run(elf)
        guard case .clockLimit(let report) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(result.ending.status == 142)
        #expect(report.contains("2^62 cycles"))
        #expect(result.statistics.cycles >= SimulatedTime.runLimit.cycles)
    }

    @Test("a 1 ms sleep lasts until the next tick under a periodic tick, exactly 1 ms tickless",
          arguments: [(Era.win95, 15_600_000 as UInt64), (.linux, 4_000_000), (.linuxServer, 10_000_000), (.tickless, 1_000_000), (.win1, 1_000_000)])
    func sleepEndsAtTick(era: Era, expected: UInt64) throws {
        let elf = timedCall(101, seconds: 0, nanoseconds: 1_000_000) { [$0, 0] }
        let result = try run(elf) { era.apply(to: &$0) }
        let (value, clock) = try outcome(result)
        #expect(value == 0)
        // The start (a first switch, with its address-space cost) and the program add ~10 µs.
        #expect(clock >= expected && clock < expected + 20_000, "\(era): woke at \(clock) ns")
    }

    @Test("a futex wait with a 1 ms timeout ends at the next tick too, with ETIMEDOUT")
    func futexTimeoutAtTick() throws {
        let elf = timedCall(98, seconds: 0, nanoseconds: 1_000_000) { [$0 + 16, 0, 0, $0] }
        let result = try run(elf) { Era.win95.apply(to: &$0) }
        let (value, clock) = try outcome(result)
        #expect(value == -110)
        #expect(clock >= 15_600_000 && clock < 15_620_000)
    }

    /// Timespec fields from a raw 64-bit value: anywhere, small, in range, at the edges.
    static func fields(_ raw: UInt64) -> [Int64] {
        [Int64(bitPattern: raw), Int64(raw % 5), Int64(raw % 1_000_000_000), 999_999_999, 1_000_000_000, -1,
         Int64.max - Int64(raw % 3), Int64(raw % (1 << 40))]
    }

    @Test("nanosleep, clock_nanosleep and futex waits with random timespecs: Linux's results, never a trap")
    func randomTimespecs() throws {
        var random = Xoshiro(seed: (12, 0x5EED, 2026, 62))
        let draws = Gen.uint64().array(of: 12).run(using: &random)
        for (index, raw) in draws.enumerated() {
            let seconds = Self.fields(raw)[index % 8], nanoseconds = Self.fields(raw >> 7 &* 31)[(index / 8 + index) % 8]
            let valid = seconds >= 0 && nanoseconds >= 0 && nanoseconds < 1_000_000_000
            let clock = Int64(raw % 12)
            let calls: [(number: Int64, arguments: (Int64) -> [Int64], ok: Int64, invalid: Int64)] = [
                (101, { [$0, 0] }, 0, -22),                                             // nanosleep
                (115, { _ in [clock, 0, UserProgram.data, 0] }, 0, 22),                 // clock_nanosleep, relative
                (115, { _ in [clock, 1, UserProgram.data, 0] }, 0, 22),                 // clock_nanosleep, TIMER_ABSTIME
                (98, { [$0 + 16, 0, 0, $0] }, -110, -22),                               // FUTEX_WAIT
                (98, { [$0 + 16, 9, 0, $0, 0, -1] }, -110, -22),                        // FUTEX_WAIT_BITSET
                (98, { [$0 + 16, 9 | 256, 0, $0, 0, -1] }, -110, -22),                  // ... on CLOCK_REALTIME
            ]
            for call in calls {
                // Idle ticks are counted, not simulated one by one (IdleTicks.swift), so every
                // era takes every request, however long.
                for era in [Era.win1, .win95, .linux, .tickless] {
                    let elf = timedCall(call.number, seconds: seconds, nanoseconds: nanoseconds, arguments: call.arguments)
                    let result = try run(elf) { era.apply(to: &$0) }
                    let label = "call \(call.number) {\(seconds), \(nanoseconds)} clock \(clock) \(era)"
                    if case .clockLimit = result.ending {
                        #expect(valid, "\(label): an invalid timespec slept")
                        continue
                    }
                    #expect(result.ending == .exited(status: 0), "\(label): \(result.ending)")
                    let (value, now) = try outcome(result)
                    #expect(value == (valid ? call.ok : call.invalid), "\(label)")
                    // A relative wait lasts at least its request.
                    if valid, call.arguments(0)[1] == 0 {
                        let requested = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
                        if !requested.overflow { #expect(now >= requested.partialValue.addingSaturated(UInt64(nanoseconds)), "\(label)") }
                    }
                }
            }
        }
    }
}

/// Under a periodic tick, ticks while every hart is idle are counted as taken, not simulated
/// one by one (IdleTicks.swift): a century of sleep or a deadlock costs the host nothing
/// more, and every hart's counts are what taking each tick would give.
@Suite("Idle ticks")
struct IdleTickTests {
    @Test("a second of sleep: each hart counts every tick of the run, as if it had taken each one",
          arguments: [(Era.win95, 1), (.linux, 1), (.linux, 2), (.linuxServer, 3)])
    func everyTickCounted(era: Era, harts: Int) throws {
        let elf = timedCall(101, seconds: 1, nanoseconds: 0) { [$0, 0] }
        let result = try run(elf) { era.apply(to: &$0); $0.harts = harts }
        #expect(result.ending == .exited(status: 0))
        let tick = try #require(era.tickMicroseconds) * 100   // cycles at the default 100 MHz
        let ticks = result.statistics.cycles / tick
        try #require(result.statistics.harts.count == harts)
        for hart in result.statistics.harts {
            #expect(hart.timerInterrupts >= ticks - 1 && hart.timerInterrupts <= ticks + 1, "\(era) \(harts) harts: \(hart)")
            #expect(hart.idleWakeUps + 2 >= hart.timerInterrupts, "\(era): nearly every tick found the hart idle")
        }
    }

    @Test("seven centuries of sleep under a 15.6 ms tick end, with 10^12 ticks counted and none simulated")
    func centuriesUnderATick() throws {
        let elf = timedCall(101, seconds: TimeCallTests.century, nanoseconds: 0, repeats: 7, clock: 1) { [$0, 0] }
        let result = try run(elf) { Era.win95.apply(to: &$0); $0.harts = 2 }
        #expect(result.ending == .exited(status: 0))
        let ticks = result.statistics.cycles / 1_560_000
        #expect(ticks > 1_000_000_000_000)
        // A hart woken by the other's wake-up call at a sleep's end counts that one as a software interrupt.
        #expect(result.statistics.harts.allSatisfy { $0.timerInterrupts + 8 >= ticks && $0.timerInterrupts <= ticks + 1 }, "\(ticks) ticks: \(result.statistics.harts)")
        #expect(result.statistics.instructions < 1000)
    }

    @Test("a deadlock under a tick ends with the deadlock report, as it does tickless",
          arguments: [Era.win95, .xp, .server, .linux, .linuxServer, .tickless])
    func deadlockUnderATick(era: Era) throws {
        // futex_wait on a word that holds its expected value, with no timeout: nothing wakes it.
        let elf = UserProgram.elf(data: [UInt8](repeating: 0, count: 8)) { asm in
            UserProgram.call(&asm, 98, [UserProgram.data, 0, 0, 0])
            UserProgram.call(&asm, 93, [0])
        }
        let result = try run(elf) { era.apply(to: &$0); $0.harts = 2 }
        guard case .deadlock = result.ending else { Issue.record("\(era): \(result.ending)"); return }
        #expect(result.statistics.cycles < 100_000_000, "\(era): ended within a second of simulated time")
    }
}
