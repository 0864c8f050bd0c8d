// Test support: several kernels on a network driven by hand, without the cluster
// (Sources/Network/Cluster.swift). Machine N (from 1) is 10.0.0.N. Time goes in windows:
// each kernel runs to the window's end, then the packets each sent are handed to their
// destination to arrive `latency` cycles after they left (never before the window's end).
// A test may drop chosen packets (`deliver`); packets to a machine that does not exist
// vanish. While every machine is quiet (no instruction run, nothing sent) windows grow,
// up to `longestWindow`, so minutes of simulated TCP timeouts cost little host time.

import Kernel
import Machine

final class TwoMachineHarness {
    let kernels: [Kernel]
    let interfaces: [NetworkInterface]
    let streams: [CapturedStreams]
    let latency: UInt64
    var longestWindow: UInt64 = 10_000_000   // 100 ms at the default clock
    private(set) var now: UInt64 = 0
    /// Whether a packet is delivered: its sender (from 1), how many that sender sent
    /// before it, the packet.
    var deliver: (_ from: Int, _ serial: UInt64, _ packet: Packet) -> Bool = { _, _, _ in true }
    /// For a delivered packet: the extra delay of each copy that arrives (duplicates and
    /// reordering); by default one copy, on time.
    var copies: (_ from: Int, _ serial: UInt64, _ packet: Packet) -> [UInt64] = { _, _, _ in [0] }
    /// Every packet sent: when, by whom, and whether it was delivered.
    private(set) var log: [(cycle: UInt64, from: Int, packet: Packet, delivered: Bool)] = []
    private(set) var endings: [ProcessEnding?]
    /// Called after each window with the cycle it ended at (a test crashes a machine there).
    var afterWindow: ((UInt64) -> Void)? = nil

    /// One kernel per program (ELF and arguments), with `configure` applied to each
    /// configuration (its index from 0 given too).
    init(_ programs: [(elf: [UInt8], arguments: [String])], latency: UInt64 = 10_000,
         configure: (Int, inout KernelConfiguration) -> Void = { _, _ in }) throws {
        var kernels: [Kernel] = [], interfaces: [NetworkInterface] = [], streams: [CapturedStreams] = []
        for (index, program) in programs.enumerated() {
            var configuration = KernelConfiguration()
            configuration.memoryLimit = 32 << 20
            configuration.seed = UInt64(index + 1)
            configure(index, &configuration)
            let captured = CapturedStreams()
            let kernel = try Kernel(executable: program.elf, name: "peer", arguments: program.arguments,
                                    configuration: configuration, io: captured.io)
            interfaces.append(kernel.attachNetwork(address: .machine(index + 1)))
            kernels.append(kernel)
            streams.append(captured)
        }
        self.kernels = kernels
        self.interfaces = interfaces
        self.streams = streams
        self.latency = latency
        endings = Array(repeating: nil, count: programs.count)
    }

    /// Runs until `done` says so (by default: every machine's programs ended) or the
    /// clock passes `limit` cycles.
    @discardableResult
    func run(limit: UInt64 = 200_000_000_000, until done: (([ProcessEnding?]) -> Bool)? = nil) -> [ProcessEnding?] {
        var window = latency
        while now < limit {
            let end = now + window
            var steps: UInt64 = 0
            for (index, kernel) in kernels.enumerated() {
                let before = kernel.machine.totalSteps
                if case .ended(let ending) = kernel.run(until: end) { endings[index] = ending }
                steps &+= kernel.machine.totalSteps &- before
            }
            var moved = 0
            for (index, interface) in interfaces.enumerated() {
                for sent in interface.takeSent() {
                    let target = Int(sent.packet.destination.value & 0xFF) - 1
                    let exists = sent.packet.destination.value >> 8 == 0x0A_0000 && kernels.indices.contains(target)
                    let delivered = exists && deliver(index + 1, sent.serial, sent.packet)
                    log.append((sent.cycle, index + 1, sent.packet, delivered))
                    moved += 1
                    guard delivered else { continue }
                    for delay in copies(index + 1, sent.serial, sent.packet) {
                        kernels[target].schedule(sent.packet, arrivingAt: max(sent.cycle + latency, end) + delay)
                    }
                }
            }
            afterWindow?(end)
            for kernel in kernels { kernel.networkScheduleChanged() }
            now = end
            if let done { if done(endings) { break } } else if endings.allSatisfy({ $0 != nil }) { break }
            window = moved > 0 || steps > 0 ? latency : min(window * 2, longestWindow)
        }
        return endings
    }

    func output(_ machine: Int) -> String { streams[machine - 1].text }
    func statistics(_ machine: Int) -> NetworkStackStatistics { kernels[machine - 1].networkStatistics ?? NetworkStackStatistics() }
    /// The packets' summaries in order, for comparing two runs.
    var transcript: [String] { log.map { "\($0.cycle) \($0.from) \($0.delivered ? "" : "dropped ")\($0.packet.summary)" } }
}
