// SimulatedTime: every conversion and sum takes any 64-bit value without trapping, and
// follows the one rounding rule (into cycles up, out of cycles down). Property-based, with
// fixed seeds: PropertyBased's generators draw from a Xoshiro seeded by each test, so the
// values are the same on every run.

import Machine
import PropertyBased
import Testing

/// Draws of raw 64-bit values; `spread` turns each into values at every edge.
private let draws = Gen.uint64().array(of: 1500)

/// A raw value anywhere in 64 bits, small, in the range of clocks, and near the top.
private func spread(_ value: UInt64) -> [UInt64] {
    [value, value % 10_000, value % 2_000_000_000_000, UInt64.max - value % 10_000]
}

/// A clock frequency from a raw value: any (at least 1), and typical ones.
private func clocks(_ value: UInt64) -> [UInt64] {
    [max(1, value), 1 + value % 4_000_000_000, 1_000 + value % 1_000_000_000_000]
}

private let units = SimulatedTime.Unit.allCases

/// `count` arrays of drawn values from a fixed seed: the same on every run.
private func seeded(_ seed: UInt64, arrays count: Int) -> [[UInt64]] {
    var random = Xoshiro(seed: (seed, seed &+ 1, seed &+ 2, seed &+ 3))
    return (0..<count).map { _ in draws.run(using: &random) }
}

/// `a × b` compared with `c × d`, exactly (128-bit products).
private func compare(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) -> Int {
    let left = a.multipliedFullWidth(by: b), right = c.multipliedFullWidth(by: d)
    if left.high != right.high { return left.high < right.high ? -1 : 1 }
    return left.low == right.low ? 0 : (left.low < right.low ? -1 : 1)
}

@Suite("Simulated time")
struct SimulatedTimeTests {
    @Test("a duration becomes the fewest cycles that last at least as long, or saturates")
    func intoCyclesRoundsUp() {
        do {
            let drawn = seeded(101, arrays: 2)
            let values = drawn[0], frequencies = drawn[1]
            for (raw, rawClock) in zip(values, frequencies) {
                for amount in spread(raw) { for clock in clocks(rawClock) { for unit in units {
                let cycles = SimulatedTime(amount, unit, clockFrequency: clock).cycles
                // cycles / clock ≥ amount / perSecond, and one cycle fewer would not be.
                if cycles != .max {
                    #expect(compare(cycles, unit.perSecond, amount, clock) >= 0)
                    if cycles > 0 { #expect(compare(cycles - 1, unit.perSecond, amount, clock) < 0) }
                } else {
                    #expect(compare(UInt64.max - 1, unit.perSecond, amount, clock) < 0)
                }
                } } }
            }
        }
    }

    @Test("cycles become the whole units elapsed, rounded down, or saturate")
    func outOfCyclesRoundsDown() {
        do {
            let drawn = seeded(202, arrays: 2)
            let values = drawn[0], frequencies = drawn[1]
            for (raw, rawClock) in zip(values, frequencies) {
                for cycles in spread(raw) { for clock in clocks(rawClock) { for unit in units {
                let amount = SimulatedTime(cycles: cycles).amount(in: unit, clockFrequency: clock)
                if amount != .max {
                    #expect(compare(amount, clock, cycles, unit.perSecond) <= 0)
                    #expect(compare(amount + 1, clock, cycles, unit.perSecond) > 0)
                }
                } } }
            }
        }
    }

    @Test("a sleep measured with the clock is never shorter than asked")
    func sleepsAreNeverShort() {
        do {
            let drawn = seeded(303, arrays: 3)
            let starts = drawn[0], durations = drawn[1], frequencies = drawn[2]
            for ((rawStart, rawDuration), rawClock) in zip(zip(starts, durations), frequencies) {
                let start = rawStart >> 2, nanoseconds = rawDuration % 1_000_000_000_000_000_000
                let clock = 1_000 + rawClock % 1_000_000_000_000
                let begin = SimulatedTime(cycles: start)
                let end = begin + .nanoseconds(nanoseconds, clockFrequency: clock)
                let measured = end.nanoseconds(clockFrequency: clock) - begin.nanoseconds(clockFrequency: clock)
                #expect(end == .never || measured >= nanoseconds)
            }
        }
    }

    @Test("a timespec splits the clock exactly: seconds × clock + rest")
    func timespecSplits() {
        do {
            let drawn = seeded(404, arrays: 2)
            let values = drawn[0], frequencies = drawn[1]
            for (raw, rawClock) in zip(values, frequencies) {
                for cycles in spread(raw) { for clock in clocks(rawClock) {
                let (seconds, nanoseconds) = SimulatedTime(cycles: cycles).timespec(clockFrequency: clock)
                #expect(nanoseconds < 1_000_000_000)
                #expect(seconds == cycles / max(1, clock))
                } }
            }
        }
    }

    @Test("sums saturate, differences stop at zero, tick rounding lands on a tick")
    func arithmetic() {
        do {
            let drawn = seeded(505, arrays: 2)
            let left = drawn[0], right = drawn[1]
            for (rawA, rawB) in zip(left, right) {
                for a in spread(rawA) { for b in spread(rawB) {
                let sum = SimulatedTime(cycles: a) + SimulatedTime(cycles: b)
                let (exact, overflow) = a.addingReportingOverflow(b)
                #expect(sum.cycles == (overflow ? .max : exact))
                #expect((SimulatedTime(cycles: a) - SimulatedTime(cycles: b)).cycles == (a > b ? a - b : 0))
                let rounded = SimulatedTime(cycles: a).roundedUp(toMultipleOf: SimulatedTime(cycles: b)).cycles
                #expect(rounded >= a)
                if b > 0 && rounded != .max { #expect(rounded % b == 0 && rounded - a < b) }
                } }
            }
        }
    }

    @Test("milliseconds from an option: any Double is refused or converted, never a trap")
    func millisecondsFromDouble() {
        do {
            let drawn = seeded(606, arrays: 2)
            let values = drawn[0], frequencies = drawn[1]
            for (bits, rawClock) in zip(values, frequencies) {
                let clock = max(1, rawClock)
                let value = Double(bitPattern: bits)
                let time = SimulatedTime(milliseconds: value, clockFrequency: clock)
                if !value.isFinite || value < 0 { #expect(time == nil) }
            }
        }
        #expect(SimulatedTime(milliseconds: 15.6, clockFrequency: 100_000_000)?.cycles == 1_560_000)
        #expect(SimulatedTime(milliseconds: 5, clockFrequency: 1_000_000_000_000_000_000)?.cycles == 5_000_000_000_000_000)
        #expect(SimulatedTime(milliseconds: 1e300, clockFrequency: 1000) == nil)
    }

    @Test("fixed points: 1 ns at 100 MHz is one cycle; 2^64-1 cycles read back without a trap")
    func fixedPoints() {
        #expect(SimulatedTime.nanoseconds(1, clockFrequency: 100_000_000).cycles == 1)
        #expect(SimulatedTime.nanoseconds(10, clockFrequency: 100_000_000).cycles == 1)
        #expect(SimulatedTime.nanoseconds(11, clockFrequency: 100_000_000).cycles == 2)
        #expect(SimulatedTime(cycles: 15).nanoseconds(clockFrequency: 100_000_000) == 150)
        #expect(SimulatedTime.seconds(.max, clockFrequency: .max) == .never)
        #expect(SimulatedTime.never.nanoseconds(clockFrequency: 1) == .max)
        #expect(SimulatedTime.never.timespec(clockFrequency: 1_000_000_000) == (UInt64.max / 1_000_000_000, UInt64.max % 1_000_000_000))
        #expect(SimulatedTime.runLimit.cycles == 1 << 62)
        #expect(SimulatedTime.microseconds(15_600, clockFrequency: 200_000_000_000_000).cycles == 3_120_000_000_000)
    }
}
