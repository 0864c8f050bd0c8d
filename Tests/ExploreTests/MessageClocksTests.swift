// Tests of the byte-range clock FIFO behind pipes and sockets.
import Testing
@testable import Explore

@Suite struct MessageClocksTests {
    @Test func aReadAcquiresExactlyTheWritesItConsumes() {
        var m = MessageClocks()
        m.write(count: 4, clock: VectorClock([1]))
        m.write(count: 4, clock: VectorClock([0, 2]))
        m.write(count: 4, clock: VectorClock([0, 0, 3]))
        #expect(m.read(count: 4) == VectorClock([1]))          // first write only, not the next
        #expect(m.read(count: 2) == VectorClock([0, 2]))       // part of the second
        #expect(m.read(count: 4) == VectorClock([0, 2, 3]))    // rest of the second, part of the third
        #expect(m.read(count: 2) == VectorClock([0, 0, 3]))
        #expect(m.queued == 0)
        #expect(m.read(count: 9) == VectorClock())             // nothing queued: nothing acquired
    }

    @Test func oversizedCountsAreClampedAndChunksAreDropped() {
        var m = MessageClocks()
        for i in 0..<100 { m.write(count: 1, clock: VectorClock([UInt64(i + 1)])) }
        #expect(m.read(count: .max) == VectorClock([100]))
        #expect(m.chunksInFlight == 0)
        m.write(count: .max, clock: VectorClock([1]))
        #expect(m.queued == .max)
    }
}
