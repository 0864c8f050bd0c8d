// The claims of the many-machine experiments (off-machine, partition), checked on what
// each measured at the small size — simulated figures only. Skipped, with a note, when
// no toolchain is found.

import Testing
@testable import Lab

@Suite(.serialized) struct NetworkExperiments {
    static let offMachine = Result { try LabSupport.finding("off-machine") }
    static let partition = Result { try LabSupport.finding("partition") }

    @Test(.needsGuestToolchain) func everyJobIsAnsweredOnceOnEveryMachineAndChannel() throws {
        let finding = try Self.offMachine.get()
        #expect(finding["every job answered once"] == 1)
        for latency in [10, 100, 1000] {
            for depth in [1, 8] {
                #expect(finding["remote \(latency)us depth \(depth) jobs"] == finding["jobs"])
                #expect(finding["remote \(latency)us depth \(depth) wrong"] == 0)
                #expect(finding["remote \(latency)us depth \(depth) p99 µs"] >= finding["remote \(latency)us depth \(depth) p50 µs"])
            }
        }
        #expect(finding.plot?.series.count == 4)
    }

    @Test(.needsGuestToolchain) func latencyBoundJobsLoseThroughputAsLinkLatencyGrowsUnlessMoreAreInFlight() throws {
        let finding = try Self.offMachine.get()
        let one = [10, 100, 1000].map { finding["remote \($0)us depth 1 jobs per second"] }
        let eight = [10, 100, 1000].map { finding["remote \($0)us depth 8 jobs per second"] }
        #expect(one[0] > one[1] && one[1] > one[2], "one in flight: slower with every step of latency")
        #expect(one[2] < one[0] / 2, "at 1 ms links one job in flight loses more than half the throughput")
        #expect(eight[2] > 0.75 * eight[0], "eight in flight keep most of it at 1 ms")
        #expect(eight[2] > 2 * one[2], "at 1 ms more jobs in flight do far more")
        // Each job's latency grows by at least the round trip: four link crossings.
        #expect(finding["remote 1000us depth 1 p50 µs"] >= finding["remote 10us depth 1 p50 µs"] + 3500)
    }

    @Test(.needsGuestToolchain) func bandwidthMattersForBigJobsAndHardlyForSmallOnes() throws {
        let finding = try Self.offMachine.get()
        let big = [100, 1000, 10000].map { finding["remote \($0)Mbit big jobs per second"] }
        let small = [100, 1000, 10000].map { finding["remote \($0)Mbit small jobs per second"] }
        #expect(big[2] > 2 * big[0], "big jobs: 10 Gbit/s is far faster than 100 Mbit/s")
        #expect(big[1] > big[0])
        #expect(small[2] < 1.25 * small[0], "small jobs: bandwidth hardly matters")
    }

    @Test(.needsGuestToolchain) func theSameMachineWithItsProcessesPinnedIsFastest() throws {
        let finding = try Self.offMachine.get()
        let remoteOne = [10, 100, 1000].map { finding["remote \($0)us depth 1 jobs per second"] }
        for channel in ["pipe", "tcp"] {
            #expect(finding["local \(channel) pinned depth 1 jobs per second"] > (remoteOne.max() ?? .infinity),
                    "one job in flight: one machine beats every network")
            #expect(finding["local \(channel) pinned depth 1 p50 µs"] < finding["remote 10us depth 1 p50 µs"])
            let remoteEight = [10, 100, 1000].map { finding["remote \($0)us depth 8 jobs per second"] }
            #expect(finding["local \(channel) pinned depth 8 jobs per second"] >= 0.995 * (remoteEight.max() ?? .infinity),
                    "eight in flight the work bounds both: one machine at least as fast")
        }
        // Unpinned, a wake-up often lands on a hart that last ran another process: an address-space
        // switch each time, dearer here than a 10 µs network, cheaper than a 100 µs one.
        for channel in ["pipe", "unix", "tcp"] {
            let unpinned = finding["local \(channel) depth 1 jobs per second"]
            #expect(unpinned < finding["local \(channel == "unix" ? "pipe" : channel) pinned depth 1 jobs per second"])
            #expect(unpinned > finding["remote 100us depth 1 jobs per second"])
        }
    }

    @Test(.needsGuestToolchain) func aClientWithoutATimeoutWaitsForEverThroughAPartitionThatNeverHeals() throws {
        let finding = try Self.partition.get()
        #expect(finding["naive forever quiescent"] == 1, "the run ends because nothing more can happen")
        #expect(finding["naive forever client finished"] == 0, "with the client still waiting")
        #expect(finding["naive forever answers"] == 2, "two answers before the cut, none after")
        #expect(finding.text.contains("Still waiting"))
        // Through a partition that heals, TCP's own retransmission brings the answer, late.
        #expect(finding["naive heals client finished"] == 1 && finding["naive heals quiescent"] == 0)
        #expect(finding["naive heals counter"] == finding["requests"])
        #expect(finding["naive heals third answered ms"] >= 200, "after the heal")
    }

    @Test(.needsGuestToolchain) func retriesRecoverButDoANonIdempotentRequestTwice() throws {
        let finding = try Self.partition.get()
        #expect(finding["retry client finished"] == 1)
        #expect(finding["retry timeouts"] >= 1 && finding["retry resends"] >= 1)
        #expect(finding["retry counter"] == finding["requests"] + 1, "request 3 counted twice")
        #expect(finding["retry handled"] == finding["requests"] + 3, "the handler ran for the repeat (and get, stop)")
    }

    @Test(.needsGuestToolchain) func rememberedRequestIdsMakeTheRepeatHarmless() throws {
        let finding = try Self.partition.get()
        #expect(finding["retry ids client finished"] == 1)
        #expect(finding["retry ids resends"] >= 1)
        #expect(finding["retry ids counter"] == finding["requests"], "every increment counted once")
        #expect(finding["retry ids from memory"] >= 1, "the repeat answered from memory")
    }
}
