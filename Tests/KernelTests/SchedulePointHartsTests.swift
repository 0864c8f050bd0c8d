// Schedule points on several harts (ScheduleHook.swift): lock-step, at most one hart runs;
// a hart that stops at a point parks until the handler chooses its thread again.

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

    @Test("two harts: a chosen order loses an update, and the other thread runs on the other hart")
    func chosenOrderLosesAnUpdate() throws {
        let workerFirst: (Int, ScheduleQuery) -> ScheduleAnswer = { index, query in
            guard index == 0, let running = query.running,
                  let other = query.candidates.first(where: { $0.serial != running }) else { return RecordingHandler.nonPreemptive(query) }
            return .run(serial: other.serial)
        }
        let baseline = try PointPrograms.run("counter", harts: 2, handler: RecordingHandler(policy: workerFirst))
        #expect(baseline.text == "counter 6\n", "\(baseline.ending)")
        #expect(Set(baseline.queries.map(\.hart)).count == 2, "the worker went to the idle hart: \(baseline.queries.map(\.hart))")
        let writes = baseline.queries.indices.filter { index in
            let query = baseline.queries[index]
            guard query.reason == .sharedAccess, let running = query.running else { return false }
            return query.candidates.contains { $0.serial == running && $0.kind == .write }
        }
        #expect(!writes.isEmpty)
        var outputs: Set<String> = []
        for point in writes {
            let handler = RecordingHandler { index, query in
                guard index == point, let running = query.running,
                      let other = query.candidates.first(where: { $0.serial != running }) else { return workerFirst(index, query) }
                return .run(serial: other.serial)
            }
            outputs.insert(try PointPrograms.run("counter", harts: 2, handler: handler).text)
        }
        #expect(outputs.contains { $0.hasPrefix("counter ") && $0 != "counter 6\n" }, "outputs: \(outputs.sorted())")
    }

    @Test("two harts: the same answers twice give byte-identical output and statistics")
    func sameAnswersSameRun() throws {
        let preemptEveryThird: (Int, ScheduleQuery) -> ScheduleAnswer = { index, query in
            guard index % 3 == 1 else { return RecordingHandler.nonPreemptive(query) }
            return .run(serial: query.candidates.last!.serial)
        }
        let first = try PointPrograms.run("counter", harts: 2, handler: RecordingHandler(policy: preemptEveryThird))
        let second = try PointPrograms.run("counter", harts: 2, handler: RecordingHandler(policy: preemptEveryThird))
        #expect(first.text.hasPrefix("counter "))
        #expect(first.text == second.text)
        #expect(first.statistics == second.statistics)
        #expect(first.queries.map(\.candidates) == second.queries.map(\.candidates))
        #expect(first.queries.map(\.hart) == second.queries.map(\.hart))
        #expect(first.queries.map(\.pc) == second.queries.map(\.pc))
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
