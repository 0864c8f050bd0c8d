// The classic cases of happens-before race detection, one scenario each: races found,
// correctly synchronised programs silent, each race reported once, granule corner cases.
import Testing
@testable import Explore

let raceRAM: UInt64 = 0x8000_0000
let raceX = raceRAM + 0x1000
let raceY = raceRAM + 0x2000
let raceLockWord = raceRAM + 0x3000

/// A detector with the main thread (id 1, slot 0) and a second thread (id 2) spawned from it.
func raceTwoThreads() -> (RaceDetector, Int, Int) {
    var d = RaceDetector(memoryBase: raceRAM, memorySize: 1 << 20, mainThread: 1)
    let b = d.spawn(parent: 0, thread: 2)!
    return (d, 0, b)
}

@Suite struct RaceDetectorTests {
    @Test func unsynchronisedWritesRace() {
        var (d, a, b) = raceTwoThreads()
        d.access(slot: a, address: raceX, size: 8, isWrite: true, pc: 0x10)
        d.access(slot: b, address: raceX, size: 8, isWrite: true, pc: 0x20)
        #expect(d.reports == [RaceReport(address: raceX,
                                         previous: RaceAccess(thread: 1, slot: a, isWrite: true, size: 8, pc: 0x10),
                                         current: RaceAccess(thread: 2, slot: b, isWrite: true, size: 8, pc: 0x20))])
    }

    @Test func unsynchronisedReadAndWriteRaceEitherOrder() {
        var (d, a, b) = raceTwoThreads()
        d.access(slot: a, address: raceX, size: 4, isWrite: false, pc: 0x10)
        d.access(slot: b, address: raceX, size: 4, isWrite: true, pc: 0x20)
        d.access(slot: b, address: raceY, size: 8, isWrite: true, pc: 0x30)
        d.access(slot: a, address: raceY, size: 8, isWrite: false, pc: 0x40)
        #expect(d.reports.count == 2)
        #expect(d.reports.first?.previous.isWrite == false)
        #expect(d.reports.last?.previous.isWrite == true && d.reports.last?.current.isWrite == false)
    }

    @Test func readsDoNotRaceWithReads() {
        var (d, a, b) = raceTwoThreads()
        d.access(slot: a, address: raceX, size: 8, isWrite: false, pc: 0x10)
        d.access(slot: b, address: raceX, size: 8, isWrite: false, pc: 0x20)
        #expect(d.reports.isEmpty)
    }

    @Test func lockProtectedAccessesDoNotRace() {
        var (d, a, b) = raceTwoThreads()
        for (slot, pc) in [(a, UInt64(0x10)), (b, 0x20), (a, 0x10), (b, 0x20)] {
            d.atomic(slot: slot, address: raceLockWord, reads: true, writes: true, acquire: true, release: false) // amoswap.aq
            d.access(slot: slot, address: raceX, size: 8, isWrite: false, pc: pc)
            d.access(slot: slot, address: raceX, size: 8, isWrite: true, pc: pc + 4)
            d.atomic(slot: slot, address: raceLockWord, reads: false, writes: true, acquire: false, release: true) // amoswap.rl
        }
        #expect(d.reports.isEmpty)
        // The same with the object edges a kernel-side lock would use.
        for slot in [a, b] {
            d.acquire(slot: slot, object: raceLockWord + 8)
            d.access(slot: slot, address: raceY, size: 8, isWrite: true, pc: 0x50)
            d.release(slot: slot, object: raceLockWord + 8)
        }
        #expect(d.reports.isEmpty)
    }

    @Test func releaseAcquireMessagePassingOrdersTheData() {
        var (d, a, b) = raceTwoThreads()
        d.access(slot: a, address: raceX, size: 8, isWrite: true, pc: 0x10)
        d.atomic(slot: a, address: raceY, reads: false, writes: true, acquire: false, release: true)
        d.atomic(slot: b, address: raceY, reads: true, writes: false, acquire: true, release: false)
        d.access(slot: b, address: raceX, size: 8, isWrite: false, pc: 0x20)
        #expect(d.reports.isEmpty)
    }

    @Test func relaxedFlagDoesNotOrderTheData() {
        var (d, a, b) = raceTwoThreads()
        d.access(slot: a, address: raceX, size: 8, isWrite: true, pc: 0x10)
        d.atomic(slot: a, address: raceY, reads: false, writes: true, acquire: false, release: false)
        d.atomic(slot: b, address: raceY, reads: true, writes: false, acquire: false, release: false)
        d.access(slot: b, address: raceX, size: 8, isWrite: false, pc: 0x20)
        #expect(d.reports.count == 1)
    }

    @Test func fencesMakeRelaxedAtomicsSynchronise() {
        var (d, a, b) = raceTwoThreads()
        d.access(slot: a, address: raceX, size: 8, isWrite: true, pc: 0x10)
        d.fence(slot: a, predecessor: 3, successor: 1)                  // fence rw,w
        d.atomic(slot: a, address: raceY, reads: false, writes: true, acquire: false, release: false)
        d.atomic(slot: b, address: raceY, reads: true, writes: false, acquire: false, release: false)
        d.fence(slot: b, predecessor: 2, successor: 3)                  // fence r,rw
        d.access(slot: b, address: raceX, size: 8, isWrite: false, pc: 0x20)
        #expect(d.reports.isEmpty)
        // Without the reader's fence the data is not ordered.
        d.access(slot: a, address: raceX + 8, size: 8, isWrite: true, pc: 0x30)
        d.fence(slot: a, predecessor: 3, successor: 3)
        d.atomic(slot: a, address: raceY, reads: false, writes: true, acquire: false, release: false)
        d.atomic(slot: b, address: raceY, reads: true, writes: false, acquire: false, release: false)
        d.access(slot: b, address: raceX + 8, size: 8, isWrite: false, pc: 0x40)
        #expect(d.reports.count == 1)
    }

    @Test func lrScCarryTheLockEdge() {
        var (d, a, b) = raceTwoThreads()
        d.access(slot: a, address: raceX, size: 8, isWrite: true, pc: 0x10)
        d.storeConditional(slot: a, address: raceLockWord, succeeded: false, release: true)  // failed: no edge
        d.loadReserved(slot: b, address: raceLockWord, acquire: true)
        d.access(slot: b, address: raceX, size: 8, isWrite: true, pc: 0x20)
        #expect(d.reports.count == 1)
        d.access(slot: a, address: raceY, size: 8, isWrite: true, pc: 0x30)
        d.storeConditional(slot: a, address: raceLockWord, succeeded: true, release: true)
        d.loadReserved(slot: b, address: raceLockWord, acquire: true)
        d.access(slot: b, address: raceY, size: 8, isWrite: true, pc: 0x40)
        #expect(d.reports.count == 1)
    }

    @Test func forkAndJoinOrderParentAndChild() {
        var d = RaceDetector(memoryBase: raceRAM, memorySize: 1 << 20, mainThread: 1)
        d.access(slot: 0, address: raceX, size: 8, isWrite: true, pc: 0x10)
        let c = d.spawn(parent: 0, thread: 2)!
        d.access(slot: c, address: raceX, size: 8, isWrite: true, pc: 0x20)   // after the parent's write: fine
        d.exit(slot: c)
        let joined = d.join(slot: 0, thread: 2)
        #expect(joined)
        d.access(slot: 0, address: raceX, size: 8, isWrite: false, pc: 0x30)  // after the join: fine
        #expect(d.reports.isEmpty)
        let unknown = d.join(slot: 0, thread: 99)
        #expect(!unknown)
        // Without the join the parent races with a second child.
        let c2 = d.spawn(parent: 0, thread: 3)!
        d.access(slot: c2, address: raceY, size: 8, isWrite: true, pc: 0x40)
        d.exit(slot: c2)
        d.access(slot: 0, address: raceY, size: 8, isWrite: false, pc: 0x50)
        #expect(d.reports.count == 1)
    }

    @Test func futexWakeHandsOffTheClock() {
        var (d, a, b) = raceTwoThreads()
        d.access(slot: a, address: raceX, size: 8, isWrite: true, pc: 0x10)
        d.wake(from: a, to: b)
        d.access(slot: b, address: raceX, size: 8, isWrite: true, pc: 0x20)
        d.access(slot: a, address: raceX, size: 8, isWrite: false, pc: 0x30)  // a never waited: races
        #expect(d.reports.map(\.current.pc) == [0x30])
    }

    @Test func pipeCarriesTheWritersClockWithItsBytes() {
        var (d, a, b) = raceTwoThreads()
        var pipe = MessageClocks()
        d.access(slot: a, address: raceX, size: 8, isWrite: true, pc: 0x10)
        d.send(slot: a, count: 4, on: &pipe)
        d.access(slot: a, address: raceY, size: 8, isWrite: true, pc: 0x20)
        d.send(slot: a, count: 4, on: &pipe)
        d.receive(slot: b, count: 4, on: &pipe)                           // the first message only
        d.access(slot: b, address: raceX, size: 8, isWrite: false, pc: 0x30)  // ordered
        d.access(slot: b, address: raceY, size: 8, isWrite: false, pc: 0x40)  // not yet: race
        #expect(d.reports.map(\.current.pc) == [0x40])
        d.receive(slot: b, count: 4, on: &pipe)
        d.access(slot: b, address: raceY, size: 8, isWrite: true, pc: 0x50)   // now ordered
        #expect(d.reports.count == 1)
    }

    @Test func aWriterRacesWithEveryConcurrentReader() {
        var d = RaceDetector(memoryBase: raceRAM, memorySize: 1 << 20, mainThread: 1)
        let readers = (2...5).map { d.spawn(parent: 0, thread: $0)! }
        for (i, r) in readers.enumerated() {
            d.access(slot: r, address: raceX, size: 8, isWrite: false, pc: 0x100 + UInt64(i) * 4)
        }
        #expect(d.shadow.cells[d.shadow.existingGranuleCell(raceX)!].isReadShared)
        d.access(slot: 0, address: raceX, size: 8, isWrite: true, pc: 0x200)
        #expect(Set(d.reports.map(\.previous.thread)) == [2, 3, 4, 5])
        #expect(d.reports.allSatisfy { !$0.previous.isWrite && $0.current.pc == 0x200 })
    }

    @Test func theSameRaceIsReportedOnce() {
        var (d, a, b) = raceTwoThreads()
        for i in 0..<100 {
            let element = raceX + UInt64(i % 10) * 8
            d.access(slot: a, address: element, size: 8, isWrite: true, pc: 0x10)
            d.access(slot: b, address: element, size: 8, isWrite: true, pc: 0x20)
        }
        #expect(d.reports.count == 1)
        #expect(d.reportedPairs == [PCPair(0x20, 0x10)])
    }

    @Test func bytesOfOneWordUsedApartDoNotRace() {
        var (d, a, b) = raceTwoThreads()
        d.access(slot: a, address: raceX, size: 8, isWrite: true, pc: 0x08)      // before: whole word
        d.wake(from: a, to: b)
        d.access(slot: a, address: raceX, size: 1, isWrite: true, pc: 0x10)      // byte 0
        d.access(slot: b, address: raceX + 4, size: 4, isWrite: false, pc: 0x20) // bytes 4..7
        d.access(slot: b, address: raceX + 2, size: 2, isWrite: true, pc: 0x24)  // bytes 2..3
        #expect(d.reports.isEmpty)
        d.access(slot: b, address: raceX, size: 4, isWrite: false, pc: 0x30)     // bytes 0..3: byte 0 races
        #expect(d.reports.map(\.address) == [raceX])
        // A whole word over split bytes races with b's read (0x30; byte 0 is a's own epoch, so
        // FastTrack skips it and byte 1 reports it), b's write (byte 2) and b's read (byte 4).
        d.access(slot: a, address: raceX, size: 8, isWrite: true, pc: 0x40)
        #expect(d.reports.map(\.address) == [raceX, raceX + 1, raceX + 2, raceX + 4])
        #expect(d.reports.dropFirst().map(\.previous.pc) == [0x30, 0x24, 0x20])
    }

    @Test func anAccessAcrossGranulesChecksBoth() {
        var (d, a, b) = raceTwoThreads()
        d.access(slot: a, address: raceX + 6, size: 4, isWrite: true, pc: 0x10)  // bytes 6..9
        d.access(slot: b, address: raceX + 9, size: 1, isWrite: false, pc: 0x20)
        d.access(slot: b, address: raceX + 10, size: 2, isWrite: false, pc: 0x24)
        #expect(d.reports.map(\.address) == [raceX + 9])
        #expect(d.reports.first?.previous.size == 4)
    }

    @Test func hostileCallsAreIgnoredNotTrapped() {
        var (d, a, _) = raceTwoThreads()
        d.access(slot: a, address: .max - 2, size: 8, isWrite: true, pc: 0)   // wraps, outside RAM
        d.access(slot: a, address: 0, size: .max, isWrite: true, pc: 0)
        d.access(slot: a, address: raceX, size: -1, isWrite: true, pc: 0)
        d.access(slot: 7, address: raceX, size: 8, isWrite: true, pc: 0)        // no such slot
        d.access(slot: -1, address: raceX, size: 8, isWrite: true, pc: 0)
        d.access(slot: a, address: raceRAM + (1 << 20) - 4, size: 64, isWrite: true, pc: 0) // runs off RAM
        d.forget(address: .max, count: .max)
        d.forget(address: raceRAM, count: .max)
        d.wake(from: 9, to: a)
        let orphan = d.spawn(parent: 42, thread: 3)
        #expect(orphan == nil)
        #expect(d.reports.isEmpty)
    }

    @Test func forgottenFramesStartClean() {
        var (d, a, b) = raceTwoThreads()
        d.access(slot: a, address: raceX, size: 8, isWrite: true, pc: 0x10)
        d.access(slot: a, address: raceX + 8, size: 1, isWrite: true, pc: 0x14)
        d.atomic(slot: a, address: raceX + 16, reads: true, writes: true, acquire: true, release: true)
        let syncClocks = d.shadow.syncClocks.count
        d.forget(address: raceX, count: 4096)
        d.access(slot: b, address: raceX, size: 8, isWrite: true, pc: 0x20)
        d.access(slot: b, address: raceX + 8, size: 8, isWrite: true, pc: 0x24)
        #expect(d.reports.isEmpty)
        // The atomic's granule is plain memory again, and its clock is reused, not grown.
        d.access(slot: a, address: raceX + 16, size: 8, isWrite: true, pc: 0x28)
        d.access(slot: b, address: raceX + 16, size: 8, isWrite: true, pc: 0x2C)
        #expect(d.reports.map(\.address) == [raceX + 16])
        d.atomic(slot: a, address: raceX + 24, reads: true, writes: false, acquire: true, release: false)
        #expect(d.shadow.syncClocks.count == syncClocks)
    }

    @Test func anEndedThreadsSlotIsReusedOnlyWhenItsEndIsKnown() {
        var d = RaceDetector(memoryBase: raceRAM, memorySize: 1 << 20, mainThread: 1)
        let c1 = d.spawn(parent: 0, thread: 2)!
        d.access(slot: c1, address: raceX, size: 8, isWrite: true, pc: 0x10)
        d.exit(slot: c1)
        let c2 = d.spawn(parent: 0, thread: 3)!
        #expect(c2 != c1)                                                 // thread 2 not joined
        d.access(slot: c2, address: raceX, size: 8, isWrite: true, pc: 0x20)
        #expect(d.reports.map(\.previous.thread) == [2])
        d.exit(slot: c2)
        d.join(slot: 0, thread: 2)
        d.join(slot: 0, thread: 3)
        let c3 = d.spawn(parent: 0, thread: 4)!
        #expect(c3 == c1)                                                 // now known: reused
        d.access(slot: c3, address: raceX, size: 8, isWrite: true, pc: 0x30)  // after both: fine
        #expect(d.reports.count == 1)
        let c4 = d.spawn(parent: 0, thread: 5)!
        d.access(slot: c4, address: raceX, size: 8, isWrite: true, pc: 0x40)  // races with thread 4
        #expect(d.reports.last?.previous.thread == 4)
        #expect(d.reports.last?.previous.slot == c1)
    }
}

@Suite struct ThroughputWorkloadTests {
    /// The benchmark's workloads are race-free, and once their pages exist they allocate no
    /// more shadow however long they run (costs do not grow with the guest's past).
    @Test func workloadsReportNothingAndStopGrowing() {
        var d = RaceDetector(memoryBase: ThroughputWorkload.base, memorySize: 64 << 20, mainThread: 1)
        let other = d.spawn(parent: 0, thread: 2)!
        _ = ThroughputWorkload.sameEpoch(&d, rounds: 1)
        _ = ThroughputWorkload.handOff(&d, other: other, rounds: 2)
        _ = ThroughputWorkload.bytes(&d, rounds: 1)
        let cells = d.shadow.cells.count, sets = d.shadow.readSets.count
        _ = ThroughputWorkload.sameEpoch(&d, rounds: 2)
        _ = ThroughputWorkload.handOff(&d, other: other, rounds: 4)
        _ = ThroughputWorkload.bytes(&d, rounds: 2)
        #expect(d.reports.isEmpty)
        #expect(d.shadow.cells.count == cells && d.shadow.readSets.count == sets)
        #expect(d.shadow.touchedPages == 16 + 16)
    }
}

/// The Sync library's code as the compiler emits it: acquiring loads are `ld; fence r,rw`,
/// releasing stores `fence rw,w; sd`, so the detector sees plain accesses and fences.
@Suite struct CompiledAtomicsTests {
    @Test func aMutexUnlockedByAReleasingPlainStoreOrdersItsData() {
        var (d, a, b) = raceTwoThreads()
        for (slot, pc) in [(a, UInt64(0x10)), (b, 0x20), (a, 0x10)] {
            d.loadReserved(slot: slot, address: raceLockWord, acquire: true)                // lr.d.aq
            d.storeConditional(slot: slot, address: raceLockWord, succeeded: true, release: false)
            d.access(slot: slot, address: raceX, size: 8, isWrite: true, pc: pc)
            d.fence(slot: slot, predecessor: 3, successor: 1)                           // fence rw,w
            d.access(slot: slot, address: raceLockWord, size: 8, isWrite: true, pc: pc + 4) // sd: unlock
            d.access(slot: slot, address: raceLockWord, size: 8, isWrite: false, pc: pc + 8) // a plain spin
        }
        #expect(d.reports.isEmpty)
    }

    @Test func anAtomicBoolFlagPassesTheMessage() {
        var (d, a, b) = raceTwoThreads()
        d.access(slot: a, address: raceX, size: 8, isWrite: true, pc: 0x10)
        d.fence(slot: a, predecessor: 3, successor: 1)
        // The wiring routes a store right after a release fence to `atomic` (it marks the flag).
        d.atomic(slot: a, address: raceY, reads: false, writes: true, acquire: false, release: false)
        d.access(slot: b, address: raceY, size: 1, isWrite: false, pc: 0x20)               // lbu: relaxed
        d.fence(slot: b, predecessor: 2, successor: 3)                                  // fence r,rw
        d.access(slot: b, address: raceX, size: 8, isWrite: false, pc: 0x30)
        #expect(d.reports.isEmpty)
        // A reader that skips the acquire fence is not ordered.
        let c = d.spawn(parent: b, thread: 3)!
        d.access(slot: a, address: raceX + 8, size: 8, isWrite: true, pc: 0x40)
        d.fence(slot: a, predecessor: 3, successor: 1)
        d.access(slot: a, address: raceY, size: 1, isWrite: true, pc: 0x44)
        d.access(slot: c, address: raceY, size: 1, isWrite: false, pc: 0x48)
        d.access(slot: c, address: raceX + 8, size: 8, isWrite: false, pc: 0x4C)
        #expect(d.reports.map(\.current.pc) == [0x4C])
    }
}
