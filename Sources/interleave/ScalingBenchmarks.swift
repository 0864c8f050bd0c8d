// `interleave bench`, third part: whether the kernel's costs grow with the number of
// threads, with history (threads already ended) or with the number of mappings. Each
// row runs a guest program (Guest/Programs/Bench) at one size; the host time per
// operation should be the same in every row of a group.

import Foundation
import Kernel

struct ScalingBenchmarks {
    /// The names `--only` accepts for these rows.
    static let programs = ["spawns", "crowd", "faults"]
    static let threadCounts = [2, 10, 100, 1000]
    static let regionCounts = [10, 1000, 60_000]

    let build: (String) throws -> [UInt8]

    func run(only: [String]?) throws {
        let selected = Self.programs.filter { only?.contains($0) ?? true }
        guard !selected.isEmpty else { return }
        print("")
        print("kernel cost by size                 size    operations    time (s)   host ns each")
        if selected.contains("spawns") {
            let elf = try build("Bench/spawns.swift")
            // 10,000 threads in every row, `width` alive at once; then one at a time with
            // more and more history.
            for width in Self.threadCounts {
                let seconds = try time(elf, "spawns", ["\(width)", "10000"])
                row("spawn + join (alive)", width, operations: 10_000, seconds)
            }
            for total in [2_000, 20_000] {
                let seconds = try time(elf, "spawns", ["1", "\(total)"])
                row("spawn + join (made)", total, operations: UInt64(total), seconds)
            }
        }
        if selected.contains("crowd") {
            let elf = try build("Bench/yields.swift")
            for threads in Self.threadCounts {
                let rounds = 200_000 / threads
                let (seconds, statistics) = try measure(elf, "yields", ["\(threads)", "\(rounds)"])
                row("yield + switch (threads)", threads, operations: statistics.contextSwitches, seconds)
            }
        }
        if selected.contains("faults") {
            let elf = try build("Bench/faults.swift")
            // The same program without the faulting rounds: the difference is the faults'.
            // The faster of three runs each, as the difference is small beside the mapping.
            for regions in Self.regionCounts {
                var mapping = Double.infinity, both = Double.infinity
                for _ in 0..<3 {
                    mapping = min(mapping, try time(elf, "faults", ["\(regions)", "0"]))
                    both = min(both, try time(elf, "faults", ["\(regions)", "20", "1000"]))
                }
                row("mmap one page (regions)", regions, operations: UInt64(regions), mapping)
                row("page fault (regions)", regions, operations: 20_000, max(0, both - mapping))
            }
        }
    }

    private func time(_ elf: [UInt8], _ name: String, _ arguments: [String]) throws -> Double {
        try measure(elf, name, arguments).seconds
    }

    /// Runs the program once (one hart, cooperative, room for 1,000 threads) and times it.
    private func measure(_ elf: [UInt8], _ name: String, _ arguments: [String]) throws -> (seconds: Double, statistics: KernelStatistics) {
        var configuration = KernelConfiguration()
        configuration.threadLimit = 1100
        let io = KernelIO(writeOutput: { _ in }, writeError: { writeStandardError($0) })
        let kernel = try Kernel(executable: elf, name: name, arguments: arguments, configuration: configuration, io: io)
        let start = ContinuousClock.now
        let ending = kernel.run()
        let seconds = (ContinuousClock.now - start).seconds
        guard case .exited(status: 0) = ending else { throw fail("\(name) \(arguments.joined(separator: " ")): \(ending)", status: 1) }
        return (seconds, kernel.statistics)
    }

    private func row(_ label: String, _ size: Int, operations: UInt64, _ seconds: Double) {
        print(pad(label, 30) + pad("\(size)", 10, left: true) + pad("\(operations)", 14, left: true)
              + pad(format(seconds, 3), 12, left: true) + pad(format(seconds / Double(max(operations, 1)) * 1e9, 0), 15, left: true))
    }
}
