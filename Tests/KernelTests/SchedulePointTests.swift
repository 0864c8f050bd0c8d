// Schedule points (Sources/Kernel/ScheduleHook.swift, Sources/Machine/SchedulePointWatch.swift):
// under exploration the kernel stops where threads can affect each other and asks a
// handler which thread runs next. These tests drive small guest programs
// (Guest/Programs/Explore/points-*.swift) with handlers that record and answer.

import Kernel
import Machine
import Testing

/// A handler that records every query and answers with `policy` (by default the
/// non-preemptive choice: the running thread when it may go on, else the lowest serial).
final class RecordingHandler: SchedulePointHandler {
    var queries: [ScheduleQuery] = []
    let policy: (Int, ScheduleQuery) -> ScheduleAnswer

    init(policy: @escaping (Int, ScheduleQuery) -> ScheduleAnswer = { _, query in RecordingHandler.nonPreemptive(query) }) {
        self.policy = policy
    }

    static func nonPreemptive(_ query: ScheduleQuery) -> ScheduleAnswer {
        if let running = query.running, query.candidates.contains(where: { $0.serial == running }) { return .run(serial: running) }
        return .run(serial: query.candidates[0].serial)
    }

    func choose(_ query: ScheduleQuery) -> ScheduleAnswer {
        let answer = policy(queries.count, query)
        queries.append(query)
        return answer
    }
}

struct PointRun {
    var ending: ProcessEnding
    var text: String
    var statistics: KernelStatistics
    var queries: [ScheduleQuery]
    var abandoned: Bool
    var sharedPages: Int
    var kernel: Kernel
}

enum PointPrograms {
    static func elf(_ name: String) throws -> [UInt8] { try GuestPrograms.build("Explore/points-\(name).swift") }

    static func run(_ name: String, points: Bool = true, harts: Int = 1, handler: RecordingHandler? = RecordingHandler(),
                    prepare: (Kernel) -> Void = { _ in }) throws -> PointRun {
        var configuration = KernelConfiguration()
        configuration.harts = harts
        configuration.memoryLimit = 16 << 20
        configuration.exploration.schedulePoints = points
        configuration.instructionLimit = 5_000_000   // a few thousand instructions each: a loop ends soon
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: try elf(name), name: name, arguments: [], configuration: configuration, io: streams.io)
        kernel.schedulePointHandler = handler
        prepare(kernel)
        let ending = kernel.run()
        return PointRun(ending: ending, text: streams.text, statistics: kernel.statistics, queries: handler?.queries ?? [],
                        abandoned: kernel.explorationAbandoned, sharedPages: kernel.sharedPageCount, kernel: kernel)
    }
}

@Suite("Schedule points", .needsGuestToolchain)
struct SchedulePointTests {
    @Test("the non-preemptive answer at every point gives the plain run's output")
    func nonPreemptiveMatchesPlainRun() throws {
        let plain = try PointPrograms.run("counter", points: false, handler: nil)
        let explored = try PointPrograms.run("counter")
        #expect(plain.text == "counter 6\n")
        #expect(explored.text == plain.text)
        #expect(explored.ending == .exited(status: 0))
        #expect(!explored.queries.isEmpty, "two threads on a shared counter give points")
        #expect(explored.sharedPages > 0)
    }

    @Test("every question has two or more candidates, ascending by serial, the running one among them at an access")
    func queriesAreWellFormed() throws {
        let explored = try PointPrograms.run("counter")
        for query in explored.queries {
            #expect(query.candidates.count >= 2)
            #expect(query.candidates.map(\.serial) == query.candidates.map(\.serial).sorted())
            #expect(Set(query.candidates.map(\.serial)).count == query.candidates.count)
            if query.reason == .sharedAccess {
                let running = try #require(query.running)
                let own = try #require(query.candidates.first { $0.serial == running })
                #expect(own.kind == .read || own.kind == .write)
                #expect(query.pc != 0)
            }
        }
    }

    /// On two harts the other thread runs on the other hart (lock-step at the points).
    @Test("a preemption between a load and its store loses an update, on one hart and on two", arguments: [1, 2])
    func preemptionLosesAnUpdate(harts: Int) throws {
        // Question 0 (the thread start, after the spawn) goes to the worker, so both
        // threads reach the counter; then each write point of a thread whose load is
        // done is tried as the second preemption: the other thread runs its increments
        // while this one holds a stale value.
        let workerFirst: (Int, ScheduleQuery) -> ScheduleAnswer = { index, query in
            guard index == 0, let running = query.running,
                  let other = query.candidates.first(where: { $0.serial != running }) else { return RecordingHandler.nonPreemptive(query) }
            return .run(serial: other.serial)
        }
        let baseline = try PointPrograms.run("counter", harts: harts, handler: RecordingHandler(policy: workerFirst))
        #expect(baseline.text == "counter 6\n", "\(baseline.ending)")
        #expect(Set(baseline.queries.map(\.hart)).count == harts, "the worker went to the idle hart: \(baseline.queries.map(\.hart))")
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
            outputs.insert(try PointPrograms.run("counter", harts: harts, handler: handler).text)
        }
        #expect(outputs.contains { $0.hasPrefix("counter ") && $0 != "counter 6\n" }, "outputs: \(outputs.sorted())")
    }

    @Test("the same answers twice give byte-identical output and statistics, on one hart and on two", arguments: [1, 2])
    func sameAnswersSameRun(harts: Int) throws {
        let preemptEveryThird: (Int, ScheduleQuery) -> ScheduleAnswer = { index, query in
            guard index % 3 == 1 else { return RecordingHandler.nonPreemptive(query) }
            return .run(serial: query.candidates.last!.serial)
        }
        let first = try PointPrograms.run("counter", harts: harts, handler: RecordingHandler(policy: preemptEveryThird))
        let second = try PointPrograms.run("counter", harts: harts, handler: RecordingHandler(policy: preemptEveryThird))
        #expect(first.text.hasPrefix("counter "))
        #expect(first.text == second.text)
        #expect(first.statistics == second.statistics)
        #expect(first.queries.map(\.candidates) == second.queries.map(\.candidates))
        #expect(first.queries.map(\.hart) == second.queries.map(\.hart))
        #expect(first.queries.map(\.pc) == second.queries.map(\.pc))
    }

    @Test("a single-threaded program asks nothing")
    func singleThreadAsksNothing() throws {
        let run = try PointPrograms.run("single")
        #expect(run.text == "sum of squares 338350\n")
        #expect(run.queries.isEmpty)
        #expect(run.kernel.schedulePointQuestions == 0)
    }

    @Test("a thread's stack is private: no point falls in code that touches only stacks")
    func stacksArePrivate() throws {
        // The worker first, so main waits ready (a candidate) while the worker runs: a
        // point in the worker's code would be a question.
        let handler = RecordingHandler { index, query in
            guard index == 0, let running = query.running,
                  let other = query.candidates.first(where: { $0.serial != running }) else { return RecordingHandler.nonPreemptive(query) }
            return .run(serial: other.serial)
        }
        let run = try PointPrograms.run("stacks", handler: handler)
        #expect(run.text.hasPrefix("stack work "))
        #expect(run.queries.first?.reason == .threadStart)
        let inStackWork = run.queries.filter { query in
            query.reason == .sharedAccess && run.kernel.describeCode(at: query.pc, pid: 1).contains("stackWork")
        }
        #expect(inStackWork.isEmpty, "points in stackWork: \(inStackWork.map { run.kernel.describeCode(at: $0.pc, pid: 1) })")
        // The thread's entry writes only its own frame (the page its creator wrote its start on).
        let stackWrites = run.queries.filter { query in
            query.reason == .sharedAccess && query.running == 1 && run.kernel.describeCode(at: query.pc, pid: 1).contains("threadEntry")
                && query.candidates.contains { $0.serial == 1 && $0.kind == .write }
        }
        #expect(stackWrites.isEmpty, "\(stackWrites.count) points at stack writes in the thread's entry")
    }

    @Test("an atomic on the same word shows as a sync on the same object for both threads")
    func atomicFootprints() throws {
        // At the first atomic in `work` switch to the other thread; it then stops at its
        // own atomic in `work`, on the same word, with the first still waiting before its.
        final class KernelBox { var kernel: Kernel? }
        let box = KernelBox()
        var switched = false
        let handler = RecordingHandler { _, query in
            if query.reason == .atomic, !switched, let running = query.running, let kernel = box.kernel,
               kernel.describeCode(at: query.pc, pid: 1).contains("points-atomic.swift:10"),
               let other = query.candidates.first(where: { $0.serial != running }) {
                switched = true
                return .run(serial: other.serial)
            }
            return RecordingHandler.nonPreemptive(query)
        }
        let run = try PointPrograms.run("atomic", handler: handler) { box.kernel = $0 }
        #expect(run.text == "total 6\n", "\(run.ending)")
        #expect(switched)
        let both = run.queries.filter { query in
            query.reason == .atomic && query.candidates.count == 2 && query.candidates.allSatisfy { $0.kind == .sync }
                && run.kernel.describeCode(at: query.pc, pid: 1).contains("points-atomic.swift:10")
        }
        let query = try #require(both.first, "no atomic point in work with both threads before an atomic")
        #expect(query.candidates[0].object == query.candidates[1].object)
    }

    @Test("after a spawn the new thread may run first: a thread-start point with both threads")
    func threadStartPoint() throws {
        let run = try PointPrograms.run("counter")
        let start = try #require(run.queries.first { $0.reason == .threadStart })
        #expect(start.candidates.count == 2)
        #expect(start.running == 0)
        #expect(start.candidates.map(\.serial) == [0, 1])
        #expect(start.candidates.allSatisfy { $0.kind == .local }, "neither thread waits before an operation")
    }

    @Test("a thread that blocks gives a decision, not a preemption: running is not a candidate")
    func blockingIsADecision() throws {
        // Main blocks in its first join with both workers ready.
        let run = try PointPrograms.run("three")
        #expect(run.text == "counter 2\n")
        let blocked = run.queries.filter { $0.reason == .blocked }
        #expect(!blocked.isEmpty)
        for query in blocked {
            let running = try #require(query.running)
            #expect(!query.candidates.contains { $0.serial == running })
            #expect(query.candidates.count >= 2)
        }
        #expect(blocked.first?.running == 0)
        #expect(blocked.first?.candidates.map(\.serial) == [1, 2])
    }

    @Test("LR and SC are points, and an SC whose point its thread passed still succeeds")
    func loadReservedStoreConditional() throws {
        // The worker first; then one switch at an SC: the other thread's CAS goes
        // between this one's LR and SC, whose SC then fails and whose loop tries again.
        var switchedAtSC = false
        let handler = RecordingHandler { index, query in
            guard let running = query.running, let other = query.candidates.first(where: { $0.serial != running }) else {
                return RecordingHandler.nonPreemptive(query)
            }
            if index == 0 { return .run(serial: other.serial) }
            if query.reason == .storeConditional, !switchedAtSC, query.candidates.contains(where: { $0.serial == running }) {
                switchedAtSC = true
                return .run(serial: other.serial)
            }
            return RecordingHandler.nonPreemptive(query)
        }
        let run = try PointPrograms.run("cas", handler: handler)
        #expect(run.text == "total 6\n", "\(run.ending)")
        #expect(run.queries.contains { $0.reason == .loadReserved })
        #expect(run.queries.contains { $0.reason == .storeConditional })
        #expect(switchedAtSC)
        let plain = try PointPrograms.run("cas")
        #expect(plain.text == "total 6\n", "\(plain.ending)")
    }

    @Test(".abandon ends the run at once with explorationAbandoned set")
    func abandonEndsTheRun() throws {
        let handler = RecordingHandler { _, _ in .abandon }
        let run = try PointPrograms.run("counter", handler: handler)
        #expect(run.abandoned)
        #expect(run.queries.count == 1)
        #expect(run.ending == .deadlock("abandoned by the explorer"))
        #expect(!run.text.contains("counter"))
    }

    @Test("off: no page owners, no questions, the output of the plain run")
    func offChangesNothing() throws {
        let handler = RecordingHandler()
        let run = try PointPrograms.run("counter", points: false, handler: handler)
        #expect(run.text == "counter 6\n")
        #expect(handler.queries.isEmpty)
        #expect(run.kernel.machine.schedulePointWatch == nil)
    }
}
