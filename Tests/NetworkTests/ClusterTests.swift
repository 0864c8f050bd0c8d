// The cluster's window loop: machines stepped by simulated time, determinism, idle time
// costing nothing, quiescence, crashes and restarts, and the configuration's checks.

import Kernel
import Machine
import Network
import Testing

@Suite("Cluster")
struct ClusterTests {
    static let frequency: UInt64 = 100_000_000   // the default: 10 ns a cycle

    func run(_ machines: [MachineSpec], network: NetworkSettings = NetworkSettings(), seed: UInt64 = 0)
        throws -> (cluster: Cluster, outcome: ClusterOutcome, streams: MachineStreams) {
        let streams = MachineStreams(count: machines.count)
        let cluster = try Cluster(configuration: ClusterConfiguration(machines: machines, network: network, seed: seed),
                                  io: { streams.io($0) })
        let outcome = cluster.run()
        return (cluster, outcome, streams)
    }

    @Test("machines that all exit end the run, each with its own ending and output")
    func everyMachineEnds() throws {
        let (_, outcome, streams) = try run([.running("a", TinyProgram.clocks()), .running("b", TinyProgram.compute(10_000)),
                                             .running("c", TinyProgram.sleeper(3_000_000))])
        #expect(outcome.endings == [.exited(status: 0), .exited(status: 0), .exited(status: 0)])
        #expect(!outcome.quiescent)
        #expect(outcome.stillWaiting.isEmpty)
        #expect(streams.outputs[0].count == 48)
        // The sleeper's 3 ms is the longest: the run ends just after it.
        #expect(outcome.endCycle >= 300_000 && outcome.endCycle < 310_000, "ended at \(outcome.endCycle)")
    }

    @Test("the same seed gives byte-identical outputs on every machine; machines draw different random numbers")
    func sameSeedSameOutputs() throws {
        let machines = (1...4).map { MachineSpec.running("m\($0)", TinyProgram.clocks(spin: Int64($0) * 5_000, sleepNanoseconds: 200_000), harts: 2) }
        let first = try run(machines, seed: 7), second = try run(machines, seed: 7), other = try run(machines, seed: 8)
        #expect(first.streams.outputs == second.streams.outputs)
        #expect(first.outcome.endCycle == second.outcome.endCycle)
        let randoms = first.streams.outputs.map { Array($0.suffix(16)) }
        #expect(Set(randoms).count == 4, "each machine's kernel has its own seed")
        #expect(other.streams.outputs.map { Array($0.suffix(16)) } != randoms, "another cluster seed, other numbers")
    }

    @Test("a machine's configured seed is its kernel's; an unset one is derived from the cluster's seed and the machine")
    func seedRule() {
        #expect(Cluster.kernelSeed(clusterSeed: 1, machine: 0, configured: 42, boot: 1) == 42)
        let derived = (0..<8).map { Cluster.kernelSeed(clusterSeed: 1, machine: $0, configured: 0, boot: 1) }
        #expect(Set(derived).count == 8)
        #expect(Cluster.kernelSeed(clusterSeed: 1, machine: 0, configured: 42, boot: 2) != 42, "a reboot draws anew")
    }

    @Test("idle time costs nothing: a 1 s sleep beside a quick exit takes a handful of windows, not one per latency")
    func idleWindowsAreSkipped() throws {
        let (cluster, outcome, _) = try run([.running("sleeper", TinyProgram.sleeper(1_000_000_000)),
                                             .running("quick", TinyProgram.elf { TinyProgram.call(&$0, 93, [0]) })])
        #expect(outcome.endings == [.exited(status: 0), .exited(status: 0)])
        #expect(outcome.endCycle >= Self.frequency)
        // 1 s in windows of the network's latency (100 µs, or 1 cycle without a fabric)
        // would be 10,000 windows or more; only the few in which an instruction runs count.
        #expect(cluster.windowsStepped <= 20, "stepped \(cluster.windowsStepped) windows")
        #expect(cluster.machineWindowsStepped <= cluster.windowsStepped * 2)
    }

    @Test("quiescence: a machine blocked for good with nothing in flight ends the run, naming machine, process, thread and wait")
    func quiescence() throws {
        let (_, outcome, _) = try run([.running("client", TinyProgram.compute(100)), .running("server", TinyProgram.waitsForever())])
        #expect(outcome.quiescent)
        #expect(outcome.endings[0] == .exited(status: 0))
        #expect(outcome.endings[1] == nil)
        #expect(outcome.stillWaiting.count == 1)
        let line = try #require(outcome.stillWaiting.first)
        #expect(line.hasPrefix("machine 2 (server): process 1 (server), thread 1: blocked in futex_wait"), "\(line)")
    }

    @Test("a crash ends every process of the machine (status 137, 'crashed at'), the others run on")
    func crashEndsProcesses() throws {
        var network = NetworkSettings()
        network.crashes = [Crash(machine: 2, atNanoseconds: 1_000_000, restartNanoseconds: nil)]
        let (cluster, outcome, streams) = try run([.running("a", TinyProgram.sleeper(5_000_000)),
                                                   .running("b", TinyProgram.sleeper(10_000_000))], network: network)
        #expect(outcome.endings[0] == .exited(status: 0))
        let crashed = try #require(outcome.endings[1])
        #expect(crashed.status == 137)
        #expect(crashed.description.contains("machine 2 (b) crashed at 1000 µs (cycle 100000)"), "\(crashed)")
        #expect(cluster.boots == [1, 1])
        // Machine a's 5 ms sleep is the last thing: the crashed machine's 10 ms never comes.
        #expect(outcome.endCycle < 600_000)
        #expect(streams.errors[1].isEmpty, "the first program's ending is the caller's to report")
    }

    @Test("a restart boots the machine again at the restart's cycle: its programs start anew, its monotonic clock from 0")
    func restartStartsProgramsAgain() throws {
        var network = NetworkSettings()
        network.crashes = [Crash(machine: 1, atNanoseconds: 1_000_000, restartNanoseconds: 2_500_000)]
        let (cluster, outcome, streams) = try run([.running("phoenix", TinyProgram.clocks(sleepNanoseconds: 10_000_000))],
                                                  network: network)
        #expect(cluster.boots == [2])
        #expect(outcome.endings == [.exited(status: 0)])
        // First boot: 32 bytes of clocks, then the crash in its sleep; second boot: 32 + 16.
        let output = streams.outputs[0]
        try #require(output.count == 80, "output \(output.count) bytes")
        let firstRealtime = timespecNanoseconds(output, at: 0), secondRealtime = timespecNanoseconds(output, at: 32)
        let secondMonotonic = timespecNanoseconds(output, at: 48)
        #expect(secondRealtime - firstRealtime >= 2_500_000 && secondRealtime - firstRealtime < 2_600_000)
        #expect(secondMonotonic < 100_000, "the new boot's monotonic clock starts near 0: \(secondMonotonic) ns")
        // Restarted at 2.5 ms, then a 10 ms sleep.
        #expect(outcome.endCycle >= 1_250_000 && outcome.endCycle < 1_260_000, "ended at \(outcome.endCycle)")
    }

    @Test("clock offset: CLOCK_REALTIME differs by the machines' offsets; drift makes a clock run fast by the stated ppm")
    func clockOffsetAndDrift() throws {
        let program = TinyProgram.clocks(spin: 1_000_000)
        let (_, outcome, streams) = try run([
            .running("true", program),
            .running("ahead", program) { $0.clockOffsetNanoseconds = 1_500_000_000 },
            .running("behind", program) { $0.clockOffsetNanoseconds = -86_400_000_000_000 },
            .running("fast", program) { $0.clockDriftPartsPerMillion = 1_000 },
            .running("slow", program) { $0.clockDriftPartsPerMillion = -100_000 },
        ])
        #expect(outcome.endings.allSatisfy { $0 == .exited(status: 0) })
        let realtime = streams.outputs.map { timespecNanoseconds($0, at: 0) }
        let monotonic = streams.outputs.map { timespecNanoseconds($0, at: 16) }
        #expect(realtime[1] == realtime[0] + 1_500_000_000)
        #expect(realtime[2] == realtime[0] - 86_400_000_000_000)
        #expect(monotonic[1] == monotonic[0] && monotonic[2] == monotonic[0], "the offset moves only the realtime clock")
        // The same instructions take the same cycles everywhere; the fast clock counts 0.1 % more.
        // (Within a cycle, 10 ns: the drifted count is whole cycles.)
        #expect(monotonic[0] > 10_000_000)
        #expect((monotonic[0] * 1_001 / 1_000).distance(to: monotonic[3]).magnitude < 10, "\(monotonic[3]) vs \(monotonic[0])")
        #expect((monotonic[0] * 9 / 10).distance(to: monotonic[4]).magnitude < 10, "\(monotonic[4]) vs \(monotonic[0])")
    }

    @Test("a drifting clock's sleep lasts its own time: 10 ms on a clock 10 % fast is about 9.09 ms of true time")
    func driftingSleep() throws {
        let (_, outcome, _) = try run([.running("fast", TinyProgram.sleeper(10_000_000)) { $0.clockDriftPartsPerMillion = 100_000 }])
        #expect(outcome.endings == [.exited(status: 0)])
        #expect(outcome.endCycle >= 909_091 && outcome.endCycle < 912_000, "ended at \(outcome.endCycle)")
    }

    @Test("a sleep past 2^62 cycles ends that machine with the clock-limit report, in a few windows")
    func clockLimit() throws {
        let (cluster, outcome, _) = try run([.running("sleeper", TinyProgram.sleeper(0, seconds: 2_000 * 365 * 86_400)),
                                             .running("quick", TinyProgram.compute(10))])
        #expect(outcome.endings[1] == .exited(status: 0))
        let ending = try #require(outcome.endings[0])
        guard case .clockLimit = ending else { Issue.record("got \(ending)"); return }
        #expect(ending.status == 142)
        #expect(!outcome.quiescent)
        #expect(cluster.windowsStepped <= 20)
    }

    @Test("crashes and restarts are told to the caller, with the cycle")
    func powerChanges() throws {
        var network = NetworkSettings()
        network.crashes = [Crash(machine: 2, atNanoseconds: 1_000, restartNanoseconds: 2_000)]
        let streams = MachineStreams(count: 2)
        var asked: [Int] = []
        let cluster = try Cluster(configuration: ClusterConfiguration(machines: [.running("a", TinyProgram.sleeper(10_000)),
                                                                                 .running("b", TinyProgram.sleeper(10_000))],
                                                                      network: network),
                                  io: { streams.io($0) }, traces: { asked.append($0); return nil })
        var changes: [String] = []
        cluster.onPowerChange = { machine, cycle, on in changes.append("\(machine) \(cycle) \(on)") }
        let outcome = cluster.run()
        #expect(changes == ["1 100 false", "1 200 true"])
        #expect(asked == [0, 1, 1], "the restart asks for machine 1's recorder again")
        #expect(outcome.endings == [.exited(status: 0), .exited(status: 0)])
        #expect(cluster.boots == [1, 2])
    }

    @Test("eight machines with four harts each run in one simulation")
    func eightMachinesFourHarts() throws {
        let machines = (1...8).map { MachineSpec.running("m\($0)", TinyProgram.compute(20_000), harts: 4) }
        let (cluster, outcome, _) = try run(machines)
        #expect(outcome.endings.allSatisfy { $0 == .exited(status: 0) })
        #expect(cluster.kernels.count == 8)
        #expect(cluster.kernels.allSatisfy { $0.machine.harts.count == 4 })
    }
}
