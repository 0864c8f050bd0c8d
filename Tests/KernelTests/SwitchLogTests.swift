// Context switches are a view of the trace (Trace/SwitchLog.swift): the kernel keeps only
// their counts by reason, and the switch log read from a traced run names every switch
// with its reason, in order of time, one for each switch the kernel counted.

import Kernel
import Testing
import Trace

@Suite("Kernel: switch events, read from the trace")
struct SwitchEventTests {
    @Test("every switch is an event with its reason, in order of time on each hart",
          .enabled(if: GuestPrograms.builder != nil, "needs the Swift toolchain to build the guest"))
    func events() throws {
        let elf = try #require(try GuestPrograms.build("Threads/hog.swift"))
        var configuration = KernelConfiguration()
        configuration.scheduling = .roundRobin(sliceCycles: 400_000, tickCycles: 400_000)
        let streams = CapturedStreams()
        let recorder = TraceRecorder(clockFrequency: configuration.clockFrequency, harts: configuration.harts)
        let kernel = try Kernel(executable: elf, name: "hog", arguments: [], configuration: configuration, io: streams.io, trace: recorder)
        _ = kernel.run()
        let events = SwitchLog.switches(in: recorder.log)
        #expect(events.first?.description == "cycle 0 hart 0: idle -> thread 1 (from idle)")
        #expect(events.contains { $0.reason == "blocked in thread_join of thread 2" && $0.from == 1 })
        #expect(events.contains { $0.reason == "time slice expired" && $0.from == 2 && $0.to == 3 })
        #expect(events.contains { $0.reason.hasPrefix("exited with status 0") && $0.from == 3 })
        #expect(events.last?.to == nil)
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.cycle <= $1.cycle })
        #expect(UInt64(events.filter { $0.to != nil }.count) == kernel.statistics.contextSwitches)
    }
}
