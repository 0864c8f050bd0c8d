// A restored simulation is a fresh one: for programs of every kind (Swift threads, C with
// glibc and pthreads, spawning processes, files, a fault, a deadlock), each run from a
// SimulationSnapshot — restored after runs that dirtied memory, faulted, deadlocked, were
// stopped half way, or had their RAM scribbled on by the host — gives byte for byte the
// output, endings, statistics and trace events of a run from a fresh `Kernel.init`. And
// a restore drops decoded instructions of the pages it puts back (a stale block would
// run code the snapshot never had).

@testable import Kernel
import Machine
import MachineTools
import Testing
import Trace

/// Everything a run shows the outside, compared whole.
struct ObservedRun: Equatable {
    var ending: ProcessEnding
    var output: [UInt8]
    var error: [UInt8]
    var endings: [Int32: ProcessEnding]
    var statistics: KernelStatistics
    var events: [TraceEvent]
    var strings: [String]
    var threadNames: [Int32: String]
}

/// A program and how it is run.
struct SnapshotCase {
    var name: String
    var executable: [UInt8]
    var arguments: [String] = []
    var programs: [String: [UInt8]] = [:]
    var configuration: KernelConfiguration

    func observe(_ make: (KernelIO, TraceRecorder) throws -> Kernel) throws -> ObservedRun {
        let streams = CapturedStreams()
        let recorder = TraceRecorder(clockFrequency: configuration.clockFrequency, harts: configuration.harts)
        let kernel = try make(streams.io, recorder)
        let ending = kernel.run()
        let log = recorder.log
        return ObservedRun(ending: ending, output: streams.output, error: streams.error, endings: kernel.processEndings,
                           statistics: kernel.statistics, events: log.events, strings: log.strings, threadNames: log.threadNames)
    }

    func fresh() throws -> ObservedRun {
        try observe { io, trace in
            try Kernel(executable: executable, name: name, arguments: arguments, configuration: configuration, io: io,
                       programs: programs, trace: trace)
        }
    }

    func snapshot() throws -> SimulationSnapshot {
        try SimulationSnapshot(executable: executable, name: name, arguments: arguments, configuration: configuration,
                               programs: programs)
    }
}

/// What is done with a restored kernel before the next restore.
enum Disturbance: CaseIterable {
    /// Run to the end (memory dirtied, processes ended).
    case runToEnd
    /// Run a slice, then drop the kernel half way.
    case stopHalfWay
    /// Run to the end, then the host scribbles over the first 2 MiB of RAM (code, data,
    /// page tables): every page must come back.
    case scribble
    /// Restored and dropped without running at all.
    case untouched

    func apply(to kernel: Kernel) {
        switch self {
        case .runToEnd:
            _ = kernel.run()
        case .stopHalfWay:
            _ = kernel.run(slice: 3_000)
        case .scribble:
            _ = kernel.run()
            let memory = kernel.machine.memory
            memory.write([UInt8](repeating: 0xA5, count: 2 << 20), at: memory.base)
        case .untouched:
            break
        }
    }
}

@Suite("Simulation snapshots")
struct SimulationSnapshotTests {
    static func configuration(harts: Int = 1, memory: UInt64 = 32 << 20, seed: UInt64 = 7, jitter: UInt64 = 0) -> KernelConfiguration {
        var configuration = KernelConfiguration()
        configuration.memoryLimit = memory
        configuration.harts = harts
        configuration.seed = seed
        configuration.jitter = jitter
        return configuration
    }

    /// Fresh, then restored after each disturbance in turn (twice over): every restored
    /// run equals the fresh one, field by field.
    func checkEquivalence(_ scenario: SnapshotCase, expect: (ObservedRun) -> Void = { _ in }) throws {
        let fresh = try scenario.fresh()
        expect(fresh)
        let snapshot = try scenario.snapshot()
        for disturbance in Disturbance.allCases + Disturbance.allCases {
            let restored = try scenario.observe { io, trace in try snapshot.restore(io: io, trace: trace) }
            #expect(restored.output == fresh.output, "\(scenario.name) after \(disturbance): output")
            #expect(restored.error == fresh.error, "\(scenario.name) after \(disturbance): error output")
            #expect(restored.ending == fresh.ending, "\(scenario.name) after \(disturbance): ending")
            #expect(restored.endings == fresh.endings, "\(scenario.name) after \(disturbance): process endings")
            #expect(restored.statistics == fresh.statistics, "\(scenario.name) after \(disturbance): statistics")
            #expect(restored.events.count == fresh.events.count, "\(scenario.name) after \(disturbance): trace length")
            #expect(restored.events == fresh.events, "\(scenario.name) after \(disturbance): trace events")
            #expect(restored.strings == fresh.strings && restored.threadNames == fresh.threadNames)
            let streams = CapturedStreams()
            disturbance.apply(to: try snapshot.restore(io: streams.io))
        }
    }

    @Test("Swift threads racing on two harts with jitter: every restored run is the fresh run", .needsGuestToolchain)
    func swiftThreads() throws {
        let elf = try GuestPrograms.build("Threads/race.swift")
        try checkEquivalence(SnapshotCase(name: "race", executable: elf, configuration: Self.configuration(harts: 2, jitter: 3))) { run in
            #expect(String(decoding: run.output, as: UTF8.self).hasPrefix("plain "))
        }
    }

    @Test("a Swift program that spawns and waits for another process", .needsGuestToolchain)
    func spawningProcesses() throws {
        let parent = try GuestPrograms.build("Processes/spawn-wait.swift")
        let child = try GuestPrograms.build("Processes/exit-with.swift")
        try checkEquivalence(SnapshotCase(name: "spawn-wait", executable: parent, arguments: ["exit-with", "7", "seven"],
                                          programs: ["spawn-wait": parent, "exit-with": child],
                                          configuration: Self.configuration())) { run in
            #expect(run.endings.count >= 2)
        }
    }

    @Test("Swift threads on two cores with caches, coherent and not: the caches start cold again at each restore",
          .needsGuestToolchain, arguments: [true, false])
    func threadsWithCaches(coherent: Bool) throws {
        let elf = try GuestPrograms.build("Threads/race.swift")
        var configuration = Self.configuration(harts: 2)
        var hierarchy = MemoryPreset.core2.hierarchy
        hierarchy.coherent = coherent
        configuration.memoryHierarchy = hierarchy
        try checkEquivalence(SnapshotCase(name: "race", executable: elf, configuration: configuration)) { run in
            #expect(run.statistics.memory != nil)
        }
    }

    @Test("a program that faults (a store through a null pointer)", .needsGuestToolchain)
    func faultingProgram() throws {
        let elf = try GuestPrograms.build("Processes/fault.swift")
        try checkEquivalence(SnapshotCase(name: "fault", executable: elf, configuration: Self.configuration())) { run in
            #expect(run.ending != .exited(status: 0))
        }
    }

    @Test("a lock-order deadlock between two threads", .needsGuestToolchain)
    func deadlockingProgram() throws {
        let elf = try GuestPrograms.build("Threads/lock-order.swift")
        try checkEquivalence(SnapshotCase(name: "lock-order", executable: elf, configuration: Self.configuration(harts: 2))) { run in
            #expect(run.ending != .exited(status: 0))
        }
    }

    @Test("C with glibc: pthreads, and a file written and read back in /tmp", .needsGlibcToolchain)
    func glibcPrograms() throws {
        for (path, name) in [("C/pthread-join.c", "pthread-join"), ("C/file-io.c", "file-io")] {
            let elf = try GlibcPrograms.build(path)
            try checkEquivalence(SnapshotCase(name: name, executable: elf, programs: [name: elf],
                                              configuration: Self.configuration(harts: 2, memory: 64 << 20))) { run in
                #expect(run.ending == .exited(status: 0), "\(path)")
            }
        }
    }

    /// A program of our own assembly: prints "A" and exits 0.
    static let printsA: [UInt8] = UserProgram.elf(data: Array("A\n".utf8)) { asm in
        UserProgram.call(&asm, 64, [1, UserProgram.data, 2])
        UserProgram.call(&asm, 93, [0])
    }

    @Test("a restore drops the decoded instructions of a page it puts back: code patched in one run does not run in the next")
    func staleDecodedCode() throws {
        let scenario = SnapshotCase(name: "prints-a", executable: Self.printsA, configuration: Self.configuration())
        let fresh = try scenario.fresh()
        #expect(fresh.ending == .exited(status: 0) && fresh.output == Array("A\n".utf8))
        let snapshot = try scenario.snapshot()
        // Run 1: the entry's code replaced (a host write, as a debugger's) by exit(42), and run: the
        // page's block now holds the patched instructions, decoded.
        let streams = CapturedStreams()
        let patched = try snapshot.restore(io: streams.io)
        var asm = Assembler(origin: UserProgram.origin)
        asm.li(.a0, 42)
        UserProgram.exitWithA0(&asm)
        let frame = try #require(patched.firstProcess.addressSpace.pageTable.lookup(UserProgram.origin)?.frame)
        patched.machine.memory.write(try asm.assemble(), at: frame)
        #expect(patched.run() == .exited(status: 42))
        // Run 2 must run the snapshot's code again.
        let restored = try scenario.observe { io, trace in try snapshot.restore(io: io, trace: trace) }
        #expect(restored == fresh)
    }

    @Test("restores reuse the snapshot's RAM: a restore copies back only what the last run wrote")
    func restoresCopyOnlyWrittenPages() throws {
        let scenario = SnapshotCase(name: "prints-a", executable: Self.printsA, configuration: Self.configuration())
        let snapshot = try scenario.snapshot()
        #expect(snapshot.keptPageCount > 0 && snapshot.keptPageCount < 16)
        let streams = CapturedStreams()
        let first = try snapshot.restore(io: streams.io)
        _ = first.run()
        let memory = first.machine.memory
        // The set-up rebuilt only the page tables; the run wrote a page or two (its stack).
        #expect(memory.writtenPageCount <= snapshot.tableFrames.count + 4)
        let second = try snapshot.restore(io: streams.io)
        #expect(second.machine.memory === memory)
        #expect(second.machine !== first.machine)
    }
}

/// A seeded explorer stand-in: picks among the candidates by a SplitMix64 stream, logs every
/// query it was asked, and abandons the run after `abandonAfter` points if set.
final class SeededChooser: SchedulePointHandler {
    var random: SplitMix64
    var log: [String] = []
    let abandonAfter: Int?

    init(seed: UInt64, abandonAfter: Int? = nil) {
        random = SplitMix64(seed: seed)
        self.abandonAfter = abandonAfter
    }

    func choose(_ query: ScheduleQuery) -> ScheduleAnswer {
        if let abandonAfter, log.count >= abandonAfter { return .abandon }
        log.append("\(query.hart) \(String(describing: query.running)) \(query.pc) \(query.reason) "
                   + query.candidates.map { "\($0.serial)/\($0.tid)/\($0.object)/\($0.kind)" }.joined(separator: ","))
        let candidates = query.candidates
        guard !candidates.isEmpty else { return .abandon }
        return .run(serial: candidates[Int(random.next() % UInt64(candidates.count))].serial)
    }
}

@Suite("Simulation snapshots under exploration")
struct SimulationSnapshotExplorationTests {
    @Test("schedule points on (and the race log): a restored run asks the same questions and ends as a fresh one, seed by seed, after abandoned runs too",
          .needsGuestToolchain, arguments: [ExplorationSettings(schedulePoints: true), ExplorationSettings(schedulePoints: true, raceLog: true)])
    func restoredSchedulesEqualFreshOnes(settings: ExplorationSettings) throws {
        let elf = try GuestPrograms.build("Bench/two-threads.swift")
        var configuration = SimulationSnapshotTests.configuration()
        configuration.exploration = settings
        let scenario = SnapshotCase(name: "two-threads", executable: elf, configuration: configuration)
        let snapshot = try scenario.snapshot()
        var distinct = Set<[String]>()
        for seed in UInt64(1)...6 {
            let freshChooser = SeededChooser(seed: seed)
            let fresh = try scenario.observe { io, trace in
                let kernel = try Kernel(executable: elf, name: "two-threads", arguments: [], configuration: configuration, io: io, trace: trace)
                kernel.schedulePointHandler = freshChooser
                return kernel
            }
            let restoredChooser = SeededChooser(seed: seed)
            let restored = try scenario.observe { io, trace in
                let kernel = try snapshot.restore(io: io, trace: trace)
                kernel.schedulePointHandler = restoredChooser
                return kernel
            }
            #expect(!freshChooser.log.isEmpty, "no schedule point was asked")
            #expect(restoredChooser.log == freshChooser.log, "seed \(seed): the questions")
            #expect(restored == fresh, "seed \(seed): the run")
            distinct.insert(freshChooser.log)
            // An abandoned run between schedules leaves nothing behind.
            let streams = CapturedStreams()
            let abandoned = try snapshot.restore(io: streams.io)
            abandoned.schedulePointHandler = SeededChooser(seed: seed, abandonAfter: 3)
            _ = abandoned.run()
            #expect(abandoned.explorationAbandoned)
        }
        #expect(distinct.count > 1, "the seeds chose different schedules")
    }
}
