// Schedule points on several harts (ScheduleHook.swift): lock-step, at most one hart runs;
// a hart that stops at a point parks until the handler chooses its thread again. The lost
// update and the same-answers test run on one hart and on two in SchedulePointTests.swift.

import Kernel
import Machine
import Testing
import Trace

@Suite("Schedule points on several harts", .needsGuestToolchain)
struct SchedulePointHartsTests {
    @Test("two harts, non-preemptive answers: the plain run's output, and both harts used")
    func nonPreemptiveMatchesPlainRun() throws {
        let plain = try PointPrograms.run("counter", points: false, harts: 2, handler: nil)
        let explored = try PointPrograms.run("counter", harts: 2)
        #expect(plain.text == "counter 6\n")
        #expect(explored.text == plain.text)
        #expect(explored.ending == .exited(status: 0))
        #expect(!explored.queries.isEmpty)
    }

    @Test("two harts, three threads: blocking is a decision and the run ends as the plain one")
    func threeThreads() throws {
        let plain = try PointPrograms.run("three", points: false, harts: 2, handler: nil)
        let explored = try PointPrograms.run("three", harts: 2)
        #expect(explored.text == plain.text, "\(explored.ending)")
        #expect(explored.ending == .exited(status: 0))
    }

    @Test("two harts: at most one hart has a thread at any time (lock-step), and both harts run threads")
    func lockStep() throws {
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 16 << 20
        configuration.harts = 2
        configuration.exploration.schedulePoints = true
        configuration.instructionLimit = 5_000_000
        let recorder = TraceRecorder(clockFrequency: configuration.clockFrequency, harts: 2)
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: try PointPrograms.elf("three"), name: "three", arguments: [],
                                configuration: configuration, io: streams.io, trace: recorder)
        // Alternate at every question: many switches between the harts.
        kernel.schedulePointHandler = RecordingHandler { index, query in .run(serial: query.candidates[index % query.candidates.count].serial) }
        #expect(kernel.run() == .exited(status: 0))
        var onHart: [Int32: Int32] = [:]
        var most = 0
        var hartsUsed: Set<Int32> = []
        for event in recorder.log.events {
            switch event.kind {
            case .threadRuns(let tid, _):
                onHart[event.hart] = tid
                hartsUsed.insert(event.hart)
            case .threadStops(let tid, _, _), .threadEnded(let tid, _):
                if onHart[event.hart] == tid { onHart[event.hart] = nil }
            default: break
            }
            most = max(most, onHart.count)
        }
        #expect(most == 1, "two harts held threads at once")
        #expect(hartsUsed == [0, 1])
    }
}
