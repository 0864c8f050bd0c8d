// How fast the lanes run on the host, printed (never asserted: no test depends on timing):
// lane instructions per host second for long items (a loop in registers) and for short
// ones (the vector add, where handing out items costs most). The figures of a release
// build are in the report of issue 19; this prints the build it runs in.

import Machine
import MachineTools
import Testing

@Suite("Accelerator: host speed (printed)")
struct AcceleratorSpeedTests {
    @Test("lane instructions per host second, long and short items, on 4 lanes")
    func speed() throws {
        for (name, kernel, items, loops) in [("long items", AcceleratorKernels.longSum(loops: 20_000), UInt64(16), Int64(20_000)),
                                             ("short items", AcceleratorKernels.vectorAdd(), UInt64(1_000), Int64(0))] {
            var configuration = AcceleratorConfiguration()
            configuration.lanes = 4
            let accelerator = try Accelerator(configuration: configuration)
            let context = try #require(accelerator.createContext())
            try AcceleratorKernels.load(kernel, into: context, on: accelerator)
            #expect(accelerator.map(context, at: AcceleratorKernels.buffer, bytes: 0x6000, writable: true, executable: false))
            let rounds = loops > 0 ? 1 : 20
            for _ in 0..<rounds {
                #expect(accelerator.submit(context, AcceleratorLaunch(entry: AcceleratorKernels.codeBase, items: items, groupSize: 4,
                                                                      argument: AcceleratorKernels.buffer)) != nil)
            }
            let clock = ContinuousClock()
            let start = clock.now
            accelerator.switchTo(context)
            let events = accelerator.runUntilSwitchedOut(limit: 100_000_000)
            let elapsed = clock.now - start
            #expect(events.last?.switchOutReason == .idle)
            let instructions = try #require(accelerator.statistics(of: context)).instructions
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("accelerator speed, \(name): \(instructions) lane instructions in \(seconds) s: \(Int(Double(instructions) / max(seconds, 1e-9))) per host second")
        }
    }
}
