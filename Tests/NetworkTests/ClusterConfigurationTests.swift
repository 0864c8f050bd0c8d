// The cluster refuses configurations it cannot run, saying what is wrong and what is
// accepted, before building any machine.

import Kernel
import Network
import Testing

@Suite("Cluster configuration")
struct ClusterConfigurationTests {
    static let program = TinyProgram.compute(10)

    func refusal(_ configure: (inout ClusterConfiguration) -> Void) -> String? {
        var configuration = ClusterConfiguration(machines: [.running("a", Self.program), .running("b", Self.program)])
        configure(&configuration)
        do {
            _ = try Cluster(configuration: configuration, io: { _ in KernelIO(writeOutput: { _ in }, writeError: { _ in }) })
            return nil
        } catch {
            return error.message
        }
    }

    @Test("a valid configuration is accepted")
    func accepted() { #expect(refusal { _ in } == nil) }

    @Test("each refusal names what is wrong and what is accepted", arguments: [
        ("no machines", "1 to 64 machines, not 0"),
        ("65 machines", "1 to 64 machines, not 65"),
        ("no program", "machine 2 (b) has no program"),
        ("clocks", "same clock frequency"),
        ("drop rate", "drop rate must be between 0 and 1"),
        ("NaN", "reorder rate must be between 0 and 1"),
        ("partition machine", "partition 1 names machine 3; machines are numbered 1 to 2"),
        ("partition heal", "heals at 5 ns, not after it starts at 10 ns"),
        ("crash machine", "a crash names machine 0"),
        ("restart", "restarts at 1 ns, not after it crashes at 2 ns"),
        ("crash while down", "crashes at 30 ns while still down"),
        ("kernel setting", "machine 1 (a): the number of harts"),
        ("clock drift", "the clock drift must be between -100000 and 100000"),
        ("clock offset", "the clock offset must be between"),
    ])
    func refusals(_ case: String, _ expected: String) throws {
        let message = refusal { configuration in
            switch `case` {
            case "no machines": configuration.machines = []
            case "65 machines": configuration.machines = Array(repeating: .running("m", Self.program), count: 65)
            case "no program": configuration.machines[1].programs = []
            case "clocks": configuration.machines[1].configuration.clockFrequency = 50_000_000
            case "drop rate": configuration.network.faults.dropRate = 1.5
            case "NaN": configuration.network.faults.reorderRate = .nan
            case "partition machine": configuration.network.partitions = [Partition(side: [3], startNanoseconds: 0, healNanoseconds: nil)]
            case "partition heal": configuration.network.partitions = [Partition(side: [1], startNanoseconds: 10, healNanoseconds: 5)]
            case "crash machine": configuration.network.crashes = [Crash(machine: 0, atNanoseconds: 1, restartNanoseconds: nil)]
            case "restart": configuration.network.crashes = [Crash(machine: 1, atNanoseconds: 2, restartNanoseconds: 1)]
            case "crash while down":
                configuration.network.crashes = [Crash(machine: 1, atNanoseconds: 10, restartNanoseconds: 50),
                                                 Crash(machine: 1, atNanoseconds: 30, restartNanoseconds: nil)]
            case "kernel setting": configuration.machines[0].configuration.harts = 0
            case "clock drift": configuration.machines[0].configuration.clockDriftPartsPerMillion = 200_000
            case "clock offset": configuration.machines[0].configuration.clockOffsetNanoseconds = .min
            default: Issue.record("no case \(`case`)")
            }
        }
        let text = try #require(message, "accepted")
        #expect(text.contains(expected), "\(text)")
    }
}
