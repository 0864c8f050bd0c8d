// Sockets between processes under the kernel: a child spawned with process_spawn talks
// to its parent over a socketpair end it inherits, a UNIX name and a TCP port; every
// byte arrives once and in order (a pattern checked per byte, and checksums compared)
// with random chunk sizes, blocking and non-blocking writers, on 1, 2 and 4 harts with
// preemption and jitter; 1,000 connections are held open at once on one listener, and
// connects wait when the backlog is full; thousands of calls with hostile arguments on
// real sockets end normally; an acceptor hands connections to a worker with SCM_RIGHTS.

import Kernel
import Testing

@Suite("Kernel: sockets between processes")
struct SocketProcessTests {
    struct Setting: CustomStringConvertible, Sendable {
        var name: String
        var harts: Int
        var scheduling: SchedulingPolicy
        var granularity = 1000
        var jitter: UInt64 = 0
        var seed: UInt64 = 0
        var description: String { name }
    }

    static let settings: [Setting] = [
        Setting(name: "1 hart, cooperative", harts: 1, scheduling: .cooperative),
        Setting(name: "1 hart, round robin (4000-cycle slices), seed 3", harts: 1,
                scheduling: .roundRobin(sliceCycles: 4000, tickCycles: 4000), seed: 3),
        Setting(name: "2 harts, cooperative, granularity 1, jitter 3, seed 5", harts: 2, scheduling: .cooperative,
                granularity: 1, jitter: 3, seed: 5),
        Setting(name: "4 harts, round robin, granularity 3, jitter 5, seed 9", harts: 4,
                scheduling: .roundRobin(sliceCycles: 5000, tickCycles: 2500), granularity: 3, jitter: 5, seed: 9),
    ]

    static func configure(_ setting: Setting) -> (inout KernelConfiguration) -> Void {
        { configuration in
            configuration.harts = setting.harts
            configuration.scheduling = setting.scheduling
            configuration.granularity = setting.granularity
            configuration.jitter = setting.jitter
            configuration.seed = setting.seed
            configuration.instructionLimit = 2_000_000_000
        }
    }

    /// The parent's and the child's report of one transfer.
    static func checkTransfer(_ outcome: MultiProcessTests.Outcome, bytes: Int, _ label: String) {
        #expect(outcome.ending == .exited(status: 0), "\(label): \(outcome.output)\(outcome.error)")
        let lines = outcome.output.split(separator: "\n").map(String.init)
        guard lines.count == 2, let childLine = lines.first(where: { $0.hasPrefix("child:") }),
              let parentLine = lines.first(where: { $0.hasPrefix("parent:") }) else {
            Issue.record("\(label): \(outcome.output)")
            return
        }
        #expect(childLine.hasPrefix("child: sent \(bytes) bytes"), "\(label): \(childLine)")
        #expect(childLine.hasSuffix("reply matches"), "\(label): \(childLine)")
        #expect(parentLine.hasPrefix("parent: received \(bytes) bytes, 0 out of place"), "\(label): \(parentLine)")
        #expect(parentLine.hasSuffix("child status 0"), "\(label): \(parentLine)")
        // The same checksum on both sides.
        let checksum = { (line: String) in line.split(separator: " ").first { $0.contains(":") && !$0.hasSuffix(":") } }
        #expect(checksum(childLine) != nil && checksum(childLine) == checksum(parentLine), "\(label)")
    }

    @Test("a spawned child's bytes reach its parent exactly once and in order, over each channel",
          .needsGuestToolchain, arguments: ["pair", "unix", "tcp"], settings)
    func nothingLost(channel: String, setting: Setting) throws {
        let bytes = 100_000
        let outcome = try MultiProcessTests.runPrograms("transfer", arguments: [channel, "\(bytes)"],
                                                        programs: ["transfer": "Sockets/transfer.c"],
                                                        configure: Self.configure(setting))
        Self.checkTransfer(outcome, bytes: bytes, "\(channel), \(setting)")
    }

    @Test("a non-blocking writer that yields on EAGAIN loses nothing either", .needsGuestToolchain,
          arguments: ["pair", "tcp"])
    func nonBlockingWriter(channel: String) throws {
        let bytes = 100_000
        let outcome = try MultiProcessTests.runPrograms("transfer", arguments: [channel, "\(bytes)", "nonblocking"],
                                                        programs: ["transfer": "Sockets/transfer.c"],
                                                        configure: Self.configure(Self.settings[3]))
        Self.checkTransfer(outcome, bytes: bytes, channel)
    }

    @Test("the same seed gives the same bytes and counts", .needsGuestToolchain)
    func deterministic() throws {
        let first = try MultiProcessTests.runPrograms("transfer", arguments: ["tcp", "50000"],
                                                      programs: ["transfer": "Sockets/transfer.c"],
                                                      configure: Self.configure(Self.settings[2]))
        let second = try MultiProcessTests.runPrograms("transfer", arguments: ["tcp", "50000"],
                                                       programs: ["transfer": "Sockets/transfer.c"],
                                                       configure: Self.configure(Self.settings[2]))
        #expect(first.output == second.output)
        #expect(first.statistics == second.statistics)
    }

    @Test("1,000 connections held open at once on one listener, each accepted and answered once",
          .needsGuestToolchain, arguments: ["tcp", "unix"])
    func thousandConnections(family: String) throws {
        let outcome = try MultiProcessTests.runPrograms("many", arguments: [family, "1000"],
                                                        programs: ["many": "Sockets/many.c"])
        #expect(outcome.ending == .exited(status: 0), "\(outcome.output)\(outcome.error)")
        #expect(outcome.output.contains("client: 1000 connections held open at once, 1000 answered rightly"), "\(outcome.output)")
        #expect(outcome.output.contains("parent: accepted 1000 connections on one listener, 0 duplicates, client status 0"),
                "\(outcome.output)")
    }

    @Test("with a backlog of 1, connects wait for accepts and none is lost", .needsGuestToolchain,
          arguments: ["tcp", "unix"], [settings[0], settings[3]])
    func fullBacklog(family: String, setting: Setting) throws {
        let outcome = try MultiProcessTests.runPrograms("many", arguments: [family, "200", "1"],
                                                        programs: ["many": "Sockets/many.c"],
                                                        configure: Self.configure(setting))
        #expect(outcome.ending == .exited(status: 0), "\(outcome.output)\(outcome.error)")
        #expect(outcome.output.contains("parent: accepted 200 connections on one listener, 0 duplicates, client status 0"),
                "\(outcome.output)")
    }

    @Test("hostile arguments to the socket calls on real sockets: the program runs to its end", .needsGuestToolchain,
          arguments: [1, 2, 3, 4] as [UInt64])
    func hostileArguments(seed: UInt64) throws {
        let elf = try GuestPrograms.build("Sockets/fuzz.c")
        let result = try run(elf, arguments: ["\(seed)", "3000"]) { $0.harts = 2; $0.seed = seed; $0.memoryLimit = 64 << 20 }
        #expect(result.ending == .exited(status: 0), "\(result.text)")
        #expect(result.text.contains("3000 calls: "), "\(result.text)")
    }

    @Test("an acceptor hands each TCP connection to a worker process with SCM_RIGHTS; the worker serves all",
          .needsGuestToolchain, arguments: [settings[0], settings[3]])
    func handOff(setting: Setting) throws {
        let outcome = try MultiProcessTests.runPrograms("handoff", arguments: ["100"], programs: ["handoff": "Sockets/handoff.c"],
                                                        configure: Self.configure(setting))
        #expect(outcome.ending == .exited(status: 0), "\(outcome.output)\(outcome.error)")
        #expect(outcome.output.contains("client: 100 of 100 answers right"), "\(outcome.output)")
        #expect(outcome.output.contains("worker: served 100 connections handed to it"), "\(outcome.output)")
        #expect(outcome.endings.values.allSatisfy { $0 == .exited(status: 0) }, "\(outcome.endings)")
    }
}
