// What the kernel records in a trace: run and stop events that pair up on every hart,
// futex waits and the wakes that end them, processes and threads with names, the guest's
// own marks through trace_mark/trace_label/trace_enabled, per-instruction events, and the
// same events for the same seed.

import Kernel
import Machine
import MachineTools
import Testing
import Trace

@Suite("Kernel: tracing")
struct TracingTests {
    func traced(_ elf: [UInt8], arguments: [String] = [], capacity: Int = TraceRecorder.defaultCapacity,
                configure: (inout KernelConfiguration) -> Void = { _ in }) throws -> (RunResult, TraceLog) {
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 16 << 20
        configure(&configuration)
        let recorder = TraceRecorder(capacity: capacity, clockFrequency: configuration.clockFrequency, harts: configuration.harts)
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: elf, name: "test", arguments: arguments, configuration: configuration,
                                io: streams.io, trace: recorder)
        let ending = kernel.run()
        return (RunResult(ending: ending, output: streams.output + streams.error, statistics: kernel.statistics), recorder.log)
    }

    @Test("ping-pong on two harts: runs and stops pair up, every futex wait is ended by a wake, same seed same trace", .needsGuestToolchain)
    func pingPong() throws {
        let elf = try GuestPrograms.build("Threads/ping-pong.swift")
        let (result, log) = try traced(elf, arguments: ["200"]) { $0.harts = 2; $0.jitter = 5; $0.seed = 7 }
        #expect(result.ending == .exited(status: 0))
        // Per hart, runs and stops alternate, for the same thread, and cycles never go back.
        for hart in 0..<2 {
            var running: Int32? = nil, last: UInt64 = 0
            for event in log.events where event.hart == Int32(hart) {
                switch event.kind {
                case .threadRuns(let tid, _):
                    #expect(running == nil, "hart \(hart): thread \(tid) runs at \(event.cycle) while \(running ?? 0) still runs")
                    #expect(event.cycle >= last)
                    running = tid
                    last = event.cycle
                case .threadStops(let tid, _, _):
                    #expect(running == tid, "hart \(hart): thread \(tid) stops at \(event.cycle) but \(running ?? 0) was running")
                    #expect(event.cycle >= last)
                    running = nil
                    last = event.cycle
                default: break
                }
            }
        }
        let runs = log.events.filter { if case .threadRuns = $0.kind { true } else { false } }.count
        #expect(UInt64(runs) == result.statistics.contextSwitches)
        var waits: [Int32: Int] = [:], wakes: [Int32: Int] = [:], blocked = 0
        for event in log.events {
            switch event.kind {
            case .futexWait(let tid, _): waits[tid, default: 0] += 1
            case .futexWake(_, _, let woken): wakes[woken, default: 0] += 1
            case .threadStops(_, .blockedOnFutex, _): blocked += 1
            default: break
            }
        }
        #expect(waits.values.reduce(0, +) > 0, "the threads waited on the futex")
        #expect(waits == wakes, "every wait is ended by exactly one wake")
        #expect(blocked == waits.values.reduce(0, +))
        #expect(log.threadNames == [1: "main", 2: "thread 2"])
        #expect(log.processNames == [1: "test"])
        #expect(log.events.first.map { if case .processStarted(1, 0, _) = $0.kind { true } else { false } } == true)
        #expect(log.events.contains { if case .processEnded(1, 0) = $0.kind { true } else { false } })
        let slices = log.runSlices(endCycle: result.statistics.cycles)
        #expect(slices.count == runs)
        let (_, again) = try traced(elf, arguments: ["200"]) { $0.harts = 2; $0.jitter = 5; $0.seed = 7 }
        #expect(again.events == log.events)
    }

    @Test("every page given a frame on first touch while the program runs is a page-fault event, with its thread", .needsGuestToolchain)
    func pageFaults() throws {
        let elf = try GuestPrograms.build("Threads/ping-pong.swift")
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 16 << 20
        let recorder = TraceRecorder(clockFrequency: configuration.clockFrequency, harts: 1)
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: elf, name: "test", arguments: ["20"], configuration: configuration,
                                io: streams.io, trace: recorder)
        let atLoad = kernel.statistics.pageFaults   // the loader's initial stack, before any trace
        _ = kernel.run()
        let faults = recorder.log.events.compactMap { if case .pageFault(let tid, _) = $0.kind { tid } else { nil } }
        #expect(!faults.isEmpty)
        #expect(faults.allSatisfy { $0 == 1 || $0 == 2 })
        #expect(UInt64(faults.count) == kernel.statistics.pageFaults - atLoad)
    }

    @Test("a time slice that expires is recorded with its reason, and timer interrupts are marked", .needsGuestToolchain)
    func sliceExpiry() throws {
        let elf = try GuestPrograms.build("Threads/hog.swift")
        let (_, log) = try traced(elf) { $0.scheduling = .roundRobin(sliceCycles: 100_000, tickCycles: 50_000) }
        #expect(log.events.contains { if case .threadStops(_, .sliceExpired, _) = $0.kind { true } else { false } })
        #expect(log.events.contains { if case .interrupt(.timer, _) = $0.kind { true } else { false } })
    }

    /// A program that asks whether it is traced, marks, labels, and exits with what it learned.
    static func markingProgram() -> [UInt8] {
        UserProgram.elf(data: Array("hello".utf8)) { asm in
            UserProgram.call(&asm, 0x1042)                      // trace_enabled → s1
            asm.mv(.s1, .a0)
            UserProgram.call(&asm, 0x1040, [3, 0x1234, 17])     // acquired, lock 0x1234, 17 spins
            UserProgram.call(&asm, 0x1040, [99, 0, 0])          // no such kind → -EINVAL
            asm.mv(.s2, .a0)
            UserProgram.call(&asm, 0x1041, [UserProgram.data, 5])
            UserProgram.call(&asm, 0x1041, [0, 5])              // unreadable → -EFAULT
            asm.mv(.s3, .a0)
            // exit(s1 + 10 * (s2 == -22) + 20 * (s3 == -14))
            asm.li(.t0, -22)
            asm.bne(.s2, .t0, "no-einval")
            asm.addi(.s1, .s1, 10)
            asm.label("no-einval")
            asm.li(.t0, -14)
            asm.bne(.s3, .t0, "no-efault")
            asm.addi(.s1, .s1, 20)
            asm.label("no-efault")
            asm.mv(.a0, .s1)
            UserProgram.exitWithA0(&asm)
        }
    }

    @Test("the guest's marks and labels are recorded; trace_enabled says whether anyone records")
    func guestMarks() throws {
        let elf = Self.markingProgram()
        let (result, log) = try traced(elf)
        #expect(result.ending == .exited(status: 31))
        #expect(log.events.contains { $0.kind == .mark(tid: 1, kind: .acquired, object: 0x1234, value: 17) })
        #expect(log.events.contains { if case .label(1, let text) = $0.kind { log.string(text) == "hello" } else { false } })
        let untraced = try run(elf)
        #expect(untraced.ending == .exited(status: 30), "without a recorder trace_enabled is 0 and the other calls still check their arguments")
    }

    @Test("per-instruction events: every instruction of the chosen thread, none of others", .needsGuestToolchain)
    func instructions() throws {
        let elf = try GuestPrograms.build("Threads/ping-pong.swift")
        let (result, log) = try traced(elf, arguments: ["3"]) { $0.instructionTrace = .thread(2) }
        #expect(result.ending == .exited(status: 0))
        let traced = log.events.compactMap { if case .instruction(let tid, _, _) = $0.kind { tid } else { nil } }
        #expect(!traced.isEmpty)
        #expect(traced.allSatisfy { $0 == 2 })
        let plain = try run(elf, arguments: ["3"])
        #expect(plain.statistics.instructions == result.statistics.instructions, "tracing instructions does not change the run")
        #expect(plain.text == result.text)
    }

    @Test("a small ring buffer keeps the newest events and counts the rest", .needsGuestToolchain)
    func boundedBuffer() throws {
        let elf = try GuestPrograms.build("Threads/ping-pong.swift")
        let (_, log) = try traced(elf, arguments: ["500"], capacity: 1000)
        #expect(log.events.count == 1000)
        #expect(log.dropped > 0)
        #expect(log.events.contains { if case .processEnded = $0.kind { true } else { false } })
    }

    @Test("the lock library marks every acquire, acquired and release, on one lock word, when a trace records",
          .needsGuestToolchain, arguments: ["spin", "ticket", "mutex"])
    func lockMarks(_ kind: String) throws {
        let elf = try GuestPrograms.build("Sync/lock-counter.swift")
        let (result, log) = try traced(elf, arguments: [kind, "2", "50"]) { $0.harts = 2; $0.granularity = 1; $0.jitter = 3; $0.seed = 1 }
        #expect(result.ending == .exited(status: 0))
        var counts: [MarkKind: Int] = [:], objects: Set<UInt64> = []
        for event in log.events {
            if case .mark(_, let mark, let object, _) = event.kind {
                counts[mark, default: 0] += 1
                objects.insert(object)
            }
        }
        #expect(counts[.acquire] == 100 && counts[.acquired] == 100 && counts[.release] == 100, "\(counts)")
        #expect((counts[.contended] ?? 0) > 0, "two harts at granularity 1 contend")
        #expect(objects.count == 1, "every mark names the same lock")
        // Per thread, marks come in order: acquire, (contended), acquired, release.
        var state: [Int32: MarkKind] = [:]
        for event in log.events {
            guard case .mark(let tid, let mark, _, _) = event.kind else { continue }
            let previous = state[tid]
            switch mark {
            case .acquire: #expect(previous == nil || previous == .release)
            case .contended: #expect(previous == .acquire)
            case .acquired: #expect(previous == .acquire || previous == .contended)
            case .release: #expect(previous == .acquired)
            default: break
            }
            state[tid] = mark
        }
    }
}
