// Tests of Epoch packing and VectorClock arithmetic, the two values every check rests on.
import Testing
@testable import Explore

@Suite struct EpochClockTests {
    @Test func epochPacksClockAndSlot() {
        let e = Epoch(clock: 12345, slot: 77)
        #expect(e.clock == 12345)
        #expect(e.slot == 77)
        #expect(Epoch.none.raw == 0 && Epoch.none.clock == 0)
        #expect(Epoch(clock: 1, slot: 0xFFFF).slot == 0xFFFF)
    }

    @Test func epochClockSaturatesInsteadOfWrapping() {
        let e = Epoch(clock: .max, slot: 3)
        #expect(e.clock == Epoch.maxClock)
        #expect(e.slot == 3)
        var c = VectorClock()
        c.set(2, Epoch.maxClock)
        #expect(c.increment(2) == Epoch.maxClock)
    }

    @Test func missingSlotsReadAsZeroAndJoinIsPointwiseMax() {
        var a = VectorClock([3, 0, 5])
        let b = VectorClock([1, 4, 2, 9])
        #expect(a[10] == 0 && a[-1] == 0)
        a.join(b)
        #expect(a == VectorClock([3, 4, 5, 9]))
        #expect(b.isBeforeOrEqual(a))
        #expect(!a.isBeforeOrEqual(b))
    }

    @Test func coversIsTheEpochTest() {
        let c = VectorClock([2, 7])
        #expect(c.covers(Epoch(clock: 7, slot: 1)))
        #expect(!c.covers(Epoch(clock: 8, slot: 1)))
        #expect(!c.covers(Epoch(clock: 1, slot: 5)))
        #expect(c.covers(.none))
    }
}
