// The kernel's reports about the caches: the c2c report of a false-sharing program names
// its two functions, their PCs and their offsets in one line; a thread moved by
// set_affinity counts a migration and the misses after it; coherence instants reach the
// trace only when asked; the caches' counts are in the metrics JSON; the same run twice
// gives byte-identical statistics; and the kernel refuses settings that cannot work.

import Kernel
import Machine
import Testing
import Trace

@Suite("Kernel: cache reports")
struct CacheReportTests {
    static func configuration(harts: Int = 2, preset: MemoryPreset = .core2, threadsPerCore: Int = 1,
                              contention: Bool = false) -> KernelConfiguration {
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 16 << 20
        configuration.harts = harts
        configuration.memoryHierarchy = preset.hierarchy
        configuration.threadsPerCore = threadsPerCore
        configuration.recordsContention = contention
        configuration.granularity = 10   // the two writers' turns alternate often, as two real cores' would
        return configuration
    }

    /// Runs `elf` to its end; the kernel, for its statistics and reports.
    static func run(_ elf: [UInt8], arguments: [String] = [], configuration: KernelConfiguration,
                    trace: TraceRecorder? = nil) throws -> (Kernel, ProcessEnding) {
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: elf, name: "test", arguments: arguments, configuration: configuration,
                                io: streams.io, trace: trace)
        let ending = kernel.run()
        return (kernel, ending)
    }

    @Test("--c2c on a false-sharing program names both functions, their PCs and offsets 0 and 8 of one line", .needsGuestToolchain)
    func falseSharingReport() throws {
        let elf = try GuestPrograms.build("Caches/false-sharing.c")
        let (kernel, ending) = try Self.run(elf, configuration: Self.configuration(contention: true))
        #expect(ending == .exited(status: 0))
        let lines = kernel.statistics.contendedLines
        let top = try #require(lines.first, "no contended line recorded")
        #expect(top.hitModifiedLoads > 0, "\(top)")
        #expect(top.invalidations > 0, "\(top)")
        let storers = top.accessors.filter { $0.stores > 0 }
        let left = storers.first { $0.symbol?.hasPrefix("count_left") == true }
        let right = storers.first { $0.symbol?.hasPrefix("count_right") == true }
        #expect(left?.offsetInLine == 0, "\(top.accessors)")
        #expect(right?.offsetInLine == 8, "\(top.accessors)")
        #expect(left?.pid == 1 && right?.pid == 1)
        if let left, let right {
            #expect(left.pc != right.pc)
            #expect(left.hart != right.hart, "the two counters are written from two harts")
        }
        // The JSON carries the same report.
        let json = kernel.metricsJSON(ending: ending)
        #expect(json.contains("\"contendedLines\": ["))
        #expect(json.contains("\"symbol\": \"count_left+0x"), "\(json.suffix(2000))")
        #expect(json.contains("\"offset\": 8"))
    }

    @Test("padded counters contend far less than counters that share a line", .needsGuestToolchain)
    func paddedCountersDoNotContend() throws {
        let elf = try GuestPrograms.build("Caches/false-sharing.c")
        let (shared, _) = try Self.run(elf, configuration: Self.configuration(preset: .manyCore, contention: true))
        let (padded, _) = try Self.run(elf, arguments: ["padded"], configuration: Self.configuration(preset: .manyCore, contention: true))
        // A line's contention: loads that found it modified elsewhere, and copies invalidated.
        func contention(_ statistics: MemorySystemStatistics?) -> UInt64 {
            statistics?.cores.reduce(0) { $0 + $1.l1d.hitModified + $1.l1d.invalidationsReceived } ?? 0
        }
        let sharedContention = contention(shared.statistics.memory), paddedContention = contention(padded.statistics.memory)
        #expect(sharedContention > 100, "shared: \(sharedContention) HITM loads and invalidations")
        #expect(paddedContention * 10 < sharedContention, "padded \(paddedContention) against shared \(sharedContention)")
    }

    @Test("recording contention changes no simulated figure", .needsGuestToolchain)
    func contentionRecordingIsInvisible() throws {
        let elf = try GuestPrograms.build("Caches/false-sharing.c")
        let (recorded, _) = try Self.run(elf, configuration: Self.configuration(contention: true))
        let (plain, _) = try Self.run(elf, configuration: Self.configuration(contention: false))
        #expect(recorded.statistics.cycles == plain.statistics.cycles)
        #expect(recorded.statistics.memory == plain.statistics.memory)
        #expect(plain.statistics.contendedLines.isEmpty && !recorded.statistics.contendedLines.isEmpty)
    }

    @Test("a thread moved to another core by set_affinity counts a migration and misses after it", .needsGuestToolchain)
    func migrationCounted() throws {
        let elf = try GuestPrograms.build("Caches/migrate.c")
        let (kernel, ending) = try Self.run(elf, configuration: Self.configuration())
        #expect(ending == .exited(status: 0))
        let main = try #require(kernel.statistics.threads.first)
        #expect(main.metrics.migrations == 1, "\(main.metrics)")
        #expect(main.metrics.missesAfterMigration > 0, "\(main.metrics)")
        #expect(main.metrics.cacheMisses >= main.metrics.missesAfterMigration)
        // The 16 KiB working set is 256 lines: the move to a cold core misses most of them again.
        #expect(main.metrics.missesAfterMigration >= 200, "\(main.metrics)")
    }

    @Test("with SMT, moving between the two harts of one core is no migration", .needsGuestToolchain)
    func siblingMoveIsNoMigration() throws {
        let elf = try GuestPrograms.build("Caches/migrate.c")
        let (kernel, ending) = try Self.run(elf, configuration: Self.configuration(preset: .manyCore, threadsPerCore: 2))
        #expect(ending == .exited(status: 0))
        let main = try #require(kernel.statistics.threads.first)
        #expect(main.metrics.migrations == 0, "\(main.metrics)")
        #expect(main.metrics.missesAfterMigration == 0)
        #expect(main.metrics.hartsRunOn == 0b11, "it ran on both harts of core 0")
    }

    @Test("coherence instants reach the trace only when asked, with the sentence Perfetto shows", .needsGuestToolchain)
    func coherenceInstants() throws {
        let elf = try GuestPrograms.build("Caches/false-sharing.c")
        func coherenceEvents(asked: Bool) throws -> [CoherenceTrace] {
            var configuration = Self.configuration()
            configuration.tracesCoherence = asked
            let recorder = TraceRecorder(clockFrequency: configuration.clockFrequency, harts: configuration.harts)
            _ = try Self.run(elf, configuration: configuration, trace: recorder)
            kernelCounters(recorder.log)
            return recorder.log.events.compactMap { if case .coherence(let record) = $0.kind { record } else { nil } }
        }
        let asked = try coherenceEvents(asked: true)
        #expect(!asked.isEmpty)
        let invalidating = asked.first { $0.invalidated != 0 && $0.to == 3 }
        let sentence = try #require(invalidating?.sentence)
        #expect(sentence.contains("L1D") && sentence.contains("→M at 0x") && sentence.contains(", invalidates core "), "\(sentence)")
        #expect(try coherenceEvents(asked: false).isEmpty)
    }

    /// Every switch samples its core's misses: the counters are in the log either way.
    func kernelCounters(_ log: TraceLog) {
        let samples = log.events.filter { if case .cacheMisses = $0.kind { true } else { false } }
        #expect(!samples.isEmpty, "no per-core miss samples in the trace")
    }

    @Test("the metrics JSON has every cache counter, per core and level, and the same run gives the same bytes", .needsGuestToolchain)
    func metricsAndDeterminism() throws {
        let elf = try GuestPrograms.build("Caches/false-sharing.c")
        var configuration = Self.configuration(harts: 4, preset: .manyCore, threadsPerCore: 2, contention: true)
        configuration.jitter = 7
        configuration.seed = 3
        let (first, firstEnding) = try Self.run(elf, configuration: configuration)
        let (second, secondEnding) = try Self.run(elf, configuration: configuration)
        let json = first.metricsJSON(ending: firstEnding)
        #expect(json == second.metricsJSON(ending: secondEnding))
        #expect(first.statistics.memory == second.statistics.memory)
        for key in ["\"memory\": {", "\"cores\": [", "\"l1i\": {", "\"l1d\": {", "\"l2\": {", "\"llc\": {", "\"hits\":",
                    "\"compulsoryMisses\":", "\"capacityMisses\":", "\"conflictMisses\":", "\"coherenceMisses\":", "\"writeBacks\":",
                    "\"invalidationsSent\":", "\"invalidationsReceived\":", "\"cacheToCacheReceived\":", "\"cacheToCacheSupplied\":",
                    "\"hitModified\":", "\"memoryReads\":", "\"memoryWrites\":", "\"transitions\": {", "\"I->M\":",
                    "\"cacheMisses\":", "\"missesAfterMigration\":", "\"caches\": \"zen4\"", "\"threadsPerCore\": 2"] {
            #expect(json.contains(key), "no \(key) in the metrics")
        }
        let memory = try #require(first.statistics.memory)
        #expect(memory.cores.count == 2)
        #expect(memory.cores.allSatisfy { $0.l1d.accesses > 0 && $0.l1i.hits > 0 })
    }

    @Test("without caches the JSON says so: memory null, no contended lines")
    func noCachesInJSON() throws {
        let elf = UserProgram.elf { asm in UserProgram.call(&asm, 93, [0]) }
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 16 << 20
        let (kernel, ending) = try Self.run(elf, configuration: configuration)
        let json = kernel.metricsJSON(ending: ending)
        #expect(json.contains("\"memory\": null"))
        #expect(json.contains("\"contendedLines\": []"))
        #expect(json.contains("\"caches\": null"))
        #expect(kernel.statistics.memory == nil)
    }

    @Test("the kernel refuses SMT wider than its harts, and c2c or coherence tracing without caches")
    func refusals() throws {
        let elf = UserProgram.elf { asm in UserProgram.call(&asm, 93, [0]) }
        func refusal(_ configure: (inout KernelConfiguration) -> Void) -> String? {
            var configuration = KernelConfiguration()
            configuration.memoryLimit = 16 << 20
            configure(&configuration)
            do {
                _ = try Kernel(executable: elf, name: "test", arguments: [], configuration: configuration, io: CapturedStreams().io)
                return nil
            } catch {
                return error.message
            }
        }
        #expect(refusal { $0.threadsPerCore = 2 }?.contains("at least 2 harts") == true)
        #expect(refusal { $0.threadsPerCore = 3; $0.harts = 4 }?.contains("1 or 2 hardware threads") == true)
        #expect(refusal { $0.recordsContention = true }?.contains("needs caches") == true)
        #expect(refusal { $0.tracesCoherence = true }?.contains("needs caches") == true)
        var broken = MemoryPreset.core2.hierarchy
        broken.l1d.associativity = 3
        #expect(refusal { $0.memoryHierarchy = broken }?.contains("l1d: the associativity") == true)
        #expect(refusal { $0.harts = 2; $0.threadsPerCore = 2; $0.memoryHierarchy = MemoryPreset.pentium4.hierarchy } == nil)
    }
}
