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
