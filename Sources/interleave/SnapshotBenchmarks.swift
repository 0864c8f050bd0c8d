// `interleave bench --only snapshot`: what a simulation snapshot buys an exploration. The
// two-thread program of Guest/Programs/Bench/two-threads.swift (about 10,000 instructions)
// is run many times two ways, side by side in one run: a fresh `Kernel.init` each time
// (a new machine, the ELF parsed and loaded) and a `SimulationSnapshot` restored each
// time; each row gives runs per second (host wall clock, the best of the rounds) and the
// set-up alone (kernel made or restored, not run), and the ratio of the two.

import Foundation
import Kernel
import Toolchain

enum SnapshotBenchmarks {
    static let name = "snapshot"
    static let source = "Bench/two-threads.swift"
    /// Runs per measurement: enough for a tenth of a second of each kind at ~1,000/s.
    static let runsPerRound = 200

    static func run(rounds: Int) throws {
        guard let (builder, folder) = GuestBenchmarks.builderAndPrograms() else { return }
        guard let elf = try GuestBenchmarks.build(source, builder: builder, folder: folder) else { return }
        let expected = "two threads: same\n"
        var configuration = KernelConfiguration()
        configuration.harts = 1
        let io = KernelIO(writeOutput: { _ in }, writeError: { writeStandardError($0) })
        let snapshot: SimulationSnapshot
        do { snapshot = try SimulationSnapshot(executable: elf, name: "two-threads", arguments: [], configuration: configuration) } catch {
            throw fail("two-threads: \(error.message)", status: 1)
        }
        // One checked run of each kind: the same output and statistics.
        func checkedRun(_ make: (KernelIO) throws -> Kernel) throws -> KernelStatistics {
            var output: [UInt8] = []
            let kernel = try make(KernelIO(writeOutput: { output += $0 }, writeError: { writeStandardError($0) }))
            let ending = kernel.run()
            guard case .exited(status: 0) = ending, String(decoding: output, as: UTF8.self) == expected else {
                throw fail("two-threads: \(ending), printed \(String(decoding: output, as: UTF8.self))", status: 1)
            }
            return kernel.statistics
        }
        let freshStatistics = try checkedRun { io in
            try Kernel(executable: elf, name: "two-threads", arguments: [], configuration: configuration, io: io)
        }
        let restoredStatistics = try checkedRun { io in try snapshot.restore(io: io) }
        guard freshStatistics == restoredStatistics else { throw fail("two-threads: a restored run counted differently from a fresh one", status: 1) }

        var best = (fresh: Double.infinity, restored: Double.infinity, freshSetUp: Double.infinity, restoredSetUp: Double.infinity)
        for _ in 0..<max(1, rounds) {
            best.fresh = min(best.fresh, try seconds(runs: runsPerRound) {
                try Kernel(executable: elf, name: "two-threads", arguments: [], configuration: configuration, io: io)
            })
            best.restored = min(best.restored, try seconds(runs: runsPerRound) { try snapshot.restore(io: io) })
            best.freshSetUp = min(best.freshSetUp, try seconds(runs: runsPerRound, running: false) {
                try Kernel(executable: elf, name: "two-threads", arguments: [], configuration: configuration, io: io)
            })
            best.restoredSetUp = min(best.restoredSetUp, try seconds(runs: runsPerRound, running: false) { try snapshot.restore(io: io) })
        }
        // Host memory over many more restored runs: a restore reuses the RAM and allocates no
        // pages of its own, so the resident size stays where it was.
        let residentBefore = residentKiB()
        _ = try seconds(runs: 5 * runsPerRound) { try snapshot.restore(io: io) }
        let residentAfter = residentKiB()
        let perSecond = { (seconds: Double) in Double(runsPerRound) / seconds }
        print("")
        print("snapshot (two threads, \(freshStatistics.instructions) instructions a run)   runs/s   set-ups/s")
        print(pad("fresh Kernel.init each run", 50) + pad(format(perSecond(best.fresh), 0), 9, left: true)
              + pad(format(perSecond(best.freshSetUp), 0), 12, left: true))
        print(pad("snapshot restored each run", 50) + pad(format(perSecond(best.restored), 0), 9, left: true)
              + pad(format(perSecond(best.restoredSetUp), 0), 12, left: true))
        print(pad("restored / fresh", 50) + pad(format(best.fresh / best.restored, 1) + "×", 9, left: true)
              + pad(format(best.freshSetUp / best.restoredSetUp, 1) + "×", 12, left: true))
        print("(\(snapshot.keptPageCount) pages kept by the snapshot; the best of \(max(1, rounds)) rounds of \(runsPerRound) runs)")
        if let residentBefore, let residentAfter {
            print("host memory over \(5 * runsPerRound) more restored runs: resident \(residentBefore) KiB before, \(residentAfter) KiB after")
        }
    }

    /// Host seconds for `runs` kernels made by `make`, each run to its end unless `running` is false.
    static func seconds(runs: Int, running: Bool = true, _ make: () throws -> Kernel) throws -> Double {
        let start = ContinuousClock.now
        for _ in 0..<runs {
            let kernel = try make()
            if running { _ = kernel.run() }
        }
        return (ContinuousClock.now - start).seconds
    }

    /// This process's resident memory in KiB (Linux's /proc/self/status), or nil elsewhere.
    static func residentKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }
}
