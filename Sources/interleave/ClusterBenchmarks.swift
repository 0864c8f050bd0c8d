// `interleave bench --cluster`: what stepping several machines window by window costs.
// The same total work (32 processes, each a counting loop) runs on one machine with four
// harts and on eight machines with four harts each; the difference in host time is the
// cluster's window loop, since no packet is sent.

import Kernel
import MachineTools
import Network

extension BenchCommand {
    /// Iterations of each process's loop (two instructions each) at scale 1.
    static let clusterLoopIterations: Int64 = 2_500_000

    func clusterRows() throws {
        let iterations = Self.clusterLoopIterations * Int64(scale)
        let elf = Self.countingLoop(iterations)
        func measure(machines: Int, processesEach: Int) throws -> (seconds: Double, instructions: UInt64, windows: UInt64) {
            var configuration = KernelConfiguration()
            configuration.harts = 4
            configuration.memoryLimit = 64 << 20
            let program = ProgramSpec(name: "loop", executable: elf)
            let specs = (1...machines).map { MachineSpec(name: "m\($0)", configuration: configuration,
                                                         programs: Array(repeating: program, count: processesEach)) }
            let cluster = try Cluster(configuration: ClusterConfiguration(machines: specs),
                                      io: { _ in KernelIO(writeOutput: { _ in }, writeError: { _ in }) })
            let start = ContinuousClock.now
            let outcome = cluster.run()
            let seconds = (ContinuousClock.now - start).seconds
            guard outcome.endings.allSatisfy({ $0 == .exited(status: 0) }) else {
                throw fail("cluster bench: a machine did not exit cleanly: \(outcome.endings)", status: 1)
            }
            return (seconds, cluster.kernels.reduce(0) { $0 + $1.machine.totalSteps }, cluster.windowsStepped)
        }
        print("")
        print("cluster (32 loops of \(iterations * 2) instructions)     time (s)      MIPS   windows   time relative")
        let one = try measure(machines: 1, processesEach: 32)
        let eight = try measure(machines: 8, processesEach: 4)
        for (label, result) in [("1 machine x 4 harts, 32 processes", one), ("8 machines x 4 harts, 4 processes each", eight)] {
            print(pad(label, 44) + pad(format(result.seconds, 3), 11, left: true)
                  + pad(format(Double(result.instructions) / result.seconds / 1e6, 1), 10, left: true)
                  + pad("\(result.windows)", 10, left: true) + pad(format(result.seconds / one.seconds, 2), 16, left: true))
        }
        try pingPongRow()
    }

    /// A Linux program that counts `iterations` down in a register and exits 0.
    static func countingLoop(_ iterations: Int64) -> [UInt8] {
        let origin: UInt64 = 0x10000
        var asm = Assembler(origin: origin)
        asm.li(.t0, iterations)
        asm.label("loop")
        asm.addi(.t0, .t0, -1)
        asm.bnez(.t0, "loop")
        asm.li(.a0, 0)
        asm.li(.a7, 93)
        asm.ecall()
        let code = (try? asm.assemble()) ?? []
        return ELFWriter.executable(contents: code, address: origin, entry: origin, zeroFill: 0x1000, symbols: [("_start", origin)])
    }
}

/// UDP ping-pong between two machines, for the window loop's cost per packet: the same
/// programs as the cluster tests' (Tests/NetworkTests/ClusterTestSupport.swift).
enum PingPongBenchmark {
    static let origin: UInt64 = 0x10000, data: Int64 = 0x14000, port: UInt16 = 7000

    static func socketAddress(_ address: [UInt8]) -> [UInt8] {
        [2, 0, UInt8(port >> 8), UInt8(port & 0xFF)] + address + [UInt8](repeating: 0, count: 8)
    }

    static func elf(data bytes: [UInt8], _ body: (inout Assembler) -> Void) -> [UInt8] {
        var asm = Assembler(origin: origin)
        body(&asm)
        var code = (try? asm.assemble()) ?? []
        code += [UInt8](repeating: 0, count: max(0, Int(UInt64(data) - origin) - code.count)) + bytes
        return ELFWriter.executable(contents: code, address: origin, entry: origin, zeroFill: 0x1000, symbols: [("_start", origin)])
    }

    static func exchange(_ asm: inout Assembler, send: Bool, peer: Int64, length: Int64) {
        asm.mv(.a0, .s1); asm.li(.a1, data + 64); asm.li(.a2, 8); asm.li(.a3, 0); asm.li(.a4, peer); asm.li(.a5, length)
        asm.li(.a7, send ? 206 : 207); asm.ecall()
    }

    /// `rounds` datagrams to 10.0.0.2, each answered; exits 0.
    static func pinger(rounds: Int64) -> [UInt8] {
        elf(data: socketAddress([10, 0, 0, 2]) + [UInt8](repeating: 0, count: 56)) { asm in
            asm.li(.a0, 2); asm.li(.a1, 2); asm.li(.a2, 0); asm.li(.a7, 198); asm.ecall()
            asm.mv(.s1, .a0)
            asm.li(.s2, rounds)
            asm.label("round")
            exchange(&asm, send: true, peer: data, length: 16)
            exchange(&asm, send: false, peer: 0, length: 0)
            asm.addi(.s2, .s2, -1)
            asm.bnez(.s2, "round")
            asm.li(.a0, 0); asm.li(.a7, 93); asm.ecall()
        }
    }

    /// Answers `rounds` datagrams on port 7000; exits 0.
    static func ponger(rounds: Int64) -> [UInt8] {
        elf(data: socketAddress([0, 0, 0, 0]) + [UInt8](repeating: 0, count: 56)) { asm in
            asm.li(.a0, 2); asm.li(.a1, 2); asm.li(.a2, 0); asm.li(.a7, 198); asm.ecall()
            asm.mv(.s1, .a0)
            asm.li(.a1, data); asm.li(.a2, 16); asm.li(.a7, 200); asm.ecall()
            asm.li(.s2, rounds)
            asm.label("round")
            asm.li(.t0, 16); asm.li(.t1, data + 32); asm.sd(.t0, 0, .t1)
            exchange(&asm, send: false, peer: data + 16, length: data + 32)
            exchange(&asm, send: true, peer: data + 16, length: 16)
            asm.addi(.s2, .s2, -1)
            asm.bnez(.s2, "round")
            asm.li(.a0, 0); asm.li(.a7, 93); asm.ecall()
        }
    }
}

extension BenchCommand {
    func pingPongRow() throws {
        let rounds = Int64(10_000 * scale)
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 16 << 20
        let machines = [MachineSpec(name: "pinger", configuration: configuration,
                                    programs: [ProgramSpec(name: "pinger", executable: PingPongBenchmark.pinger(rounds: rounds))]),
                        MachineSpec(name: "ponger", configuration: configuration,
                                    programs: [ProgramSpec(name: "ponger", executable: PingPongBenchmark.ponger(rounds: rounds))])]
        let cluster = try Cluster(configuration: ClusterConfiguration(machines: machines),
                                  io: { _ in KernelIO(writeOutput: { _ in }, writeError: { _ in }) })
        let start = ContinuousClock.now
        let outcome = cluster.run()
        let seconds = (ContinuousClock.now - start).seconds
        guard outcome.endings.allSatisfy({ $0 == .exited(status: 0) }) else {
            throw fail("ping-pong bench: a machine did not exit cleanly: \(outcome.endings)", status: 1)
        }
        print(pad("UDP ping-pong, \(rounds) round trips", 44) + pad(format(seconds, 3), 11, left: true)
              + pad(format(seconds / Double(rounds) * 1e6, 1) + " µs/round trip", 24, left: true)
              + pad("\(cluster.windowsStepped) windows", 16, left: true))
    }
}
