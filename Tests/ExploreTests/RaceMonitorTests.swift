// Race detection end to end: guest programs run under the kernel with the race log on, a
// RaceMonitor watching, and the findings checked — the plain counter race reported once
// with both lines and the variable; nothing for atomics, the Sync library's locks,
// condition variable, semaphore and channel, glibc's mutex and rwlock, a pipe or a join.
// Also the log itself (it fills, calls its reader, and costs nothing when off).

import Foundation
import Kernel
import Machine
import Testing
import Toolchain
@testable import Explore

/// Builds the project's guest programs (cached in .build/interleave-test-cache) and runs
/// them with race detection.
enum RaceGuests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static let builder: GuestBuilder? = try? GuestBuilder(toolchain: Toolchain.locate(explicitPath: nil),
                                                          guestRoot: packageRoot + "/Guest",
                                                          cacheDirectory: packageRoot + "/.build/interleave-test-cache")
    static let hasGlibc: Bool = (try? LinuxCToolchain.locate()) != nil

    static func build(_ relativePath: String) throws -> [UInt8] {
        let builder = try #require(builder, "no Swift toolchain with Embedded Swift for riscv64")
        let path = packageRoot + "/Guest/Programs/" + relativePath
        let c = relativePath.hasSuffix(".c") ? CBuildOptions(library: .glibc) : CBuildOptions()
        let result = try builder.build(sources: [path], optimization: .speed, c: c)
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: result.elfPath)))
    }

    final class Output: @unchecked Sendable {
        var bytes: [UInt8] = []
    }

    struct Run {
        var output: String
        var ending: ProcessEnding
        var races: [RaceFinding]
    }

    /// Runs `relativePath` on `harts` harts with the race log on (unless `raceLog` is false)
    /// and a monitor attached.
    static func run(_ relativePath: String, arguments: [String] = [], harts: Int = 2, raceLog: Bool = true,
                    monitor: RaceMonitor = RaceMonitor()) throws -> Run {
        let elf = try build(relativePath)
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 64 << 20
        configuration.harts = harts
        configuration.exploration.raceLog = raceLog
        let output = Output()
        let io = KernelIO(readInput: nil, writeOutput: { output.bytes += $0 }, writeError: { output.bytes += $0 })
        let name = URL(fileURLWithPath: relativePath).deletingPathExtension().lastPathComponent
        let kernel = try Kernel(executable: elf, name: name, arguments: arguments, configuration: configuration, io: io)
        monitor.attach(to: kernel)
        var ending: ProcessEnding
        while true {
            if let finished = kernel.run(slice: 50_000_000) { ending = finished; break }
        }
        monitor.drain()
        return Run(output: String(decoding: output.bytes, as: UTF8.self), ending: ending, races: monitor.races)
    }
}

extension Trait where Self == ConditionTrait {
    static var needsRaceGuests: Self {
        .enabled(if: RaceGuests.builder != nil, "needs a Swift toolchain with Embedded Swift for riscv64 (set INTERLEAVE_TOOLCHAIN)")
    }
    static var needsRaceGlibc: Self {
        .enabled(if: RaceGuests.builder != nil && RaceGuests.hasGlibc,
                 "needs the riscv64 glibc cross toolchain (gcc-riscv64-linux-gnu, libc6-dev-riscv64-cross)")
    }
}

@Suite("Race monitor")
struct RaceMonitorTests {
    @Test("a shared counter incremented without a lock: reported once per pair of lines, with both lines and the variable",
          .needsRaceGuests)
    func plainCounterRace() throws {
        // 10,000 rounds: the same two instructions race thousands of times, reported once.
        let run = try RaceGuests.run("Explore/races-counter.swift", arguments: ["plain", "10000"])
        #expect(run.output.contains("of 20000"))
        #expect(!run.races.isEmpty)
        #expect(run.races.count <= 3, "one report per pair of instructions: \(run.races)")
        let pairs = Set(run.races.map { [min($0.first.pc, $0.second.pc), max($0.first.pc, $0.second.pc)] })
        #expect(pairs.count == run.races.count)
        for race in run.races {
            #expect(race.variable.contains("counter"), "\(race.variable)")
            #expect(race.first.location.contains("races-counter.swift:14"), "\(race.first.location)")
            #expect(race.second.location.contains("races-counter.swift:14"), "\(race.second.location)")
            #expect(race.first.location.contains("increment"))
            #expect(race.first.thread != race.second.thread)
            #expect(race.first.isWrite || race.second.isWrite)
            #expect(race.first.size == 8 && race.second.size == 8)
        }
        #expect(run.races.contains { $0.first.isWrite && $0.second.isWrite } || run.races.contains { $0.first.isWrite != $0.second.isWrite })
    }

    @Test("the same run twice gives the same report", .needsRaceGuests)
    func sameReportTwice() throws {
        let first = try RaceGuests.run("Explore/races-counter.swift", arguments: ["plain", "500"])
        let second = try RaceGuests.run("Explore/races-counter.swift", arguments: ["plain", "500"])
        #expect(!first.races.isEmpty)
        #expect(first.races == second.races)
    }

    @Test("the counter behind Synchronization's Atomic: no race", .needsRaceGuests)
    func atomicCounter() throws {
        let run = try RaceGuests.run("Explore/races-counter.swift", arguments: ["atomic", "2000"])
        #expect(run.output.contains("counter 4000 of 4000"))
        #expect(run.races == [])
    }

    @Test("the Sync library's locks, condition variable, semaphore and channel: no race", .needsRaceGuests,
          arguments: [
              ("Sync/lock-counter.swift", ["mutex", "2", "300"]),
              ("Sync/lock-counter.swift", ["ticket", "2", "300"]),
              ("Sync/lock-counter.swift", ["semaphore", "2", "300"]),
              ("Sync/condition.swift", []),
              ("Sync/semaphore.swift", []),
              ("Sync/channel.swift", []),
          ])
    func syncLibrary(program: String, arguments: [String]) throws {
        let run = try RaceGuests.run(program, arguments: arguments)
        #expect(run.ending == .exited(status: 0), "\(run.output)")
        #expect(run.races == [], "\(run.races.map(\.description))")
    }

    @Test("a lock that is no lock (look before you leap): its counter's race is reported", .needsRaceGuests)
    func brokenLock() throws {
        let run = try RaceGuests.run("Sync/lock-counter.swift", arguments: ["look-before-you-leap", "2", "300"])
        #expect(run.races.contains { $0.first.location.contains("lock-counter.swift:24") })
    }

    @Test("glibc's pthread mutex and rwlock: no race", .needsRaceGlibc,
          arguments: ["C/mutex-counter.c", "C/reader-writer.c"])
    func glibcLocks(program: String) throws {
        let run = try RaceGuests.run(program)
        #expect(run.ending == .exited(status: 0), "\(run.output)")
        #expect(run.races == [], "\(run.races.map(\.description))")
    }

    @Test("data handed over by a join or through a pipe: no race; with neither, one", .needsRaceGuests)
    func handOff() throws {
        let joined = try RaceGuests.run("Explore/races-handoff.swift", arguments: ["join"])
        #expect(joined.output.contains("after the join: 4950"))
        #expect(joined.races == [])
        let piped = try RaceGuests.run("Explore/races-handoff.swift", arguments: ["pipe"])
        #expect(piped.output.contains("after the pipe: 4950"))
        #expect(piped.races == [])
        let unordered = try RaceGuests.run("Explore/races-handoff.swift", arguments: ["none", "1000"])
        #expect(unordered.races.count == 1)
        #expect(unordered.races.first?.variable.contains("total") == true)
        #expect(unordered.races.first.map { $0.first.location.contains("readTotal") || $0.second.location.contains("readTotal") } == true)
    }

    @Test("with the log off nothing is logged and nothing reported", .needsRaceGuests)
    func logOff() throws {
        let run = try RaceGuests.run("Explore/races-counter.swift", arguments: ["plain", "500"], raceLog: false)
        #expect(run.races == [])
    }

    @Test("one monitor over one kernel after another keeps each race once", .needsRaceGuests)
    func monitorReattaches() throws {
        let monitor = RaceMonitor()
        let first = try RaceGuests.run("Explore/races-counter.swift", arguments: ["plain", "500"], monitor: monitor)
        let count = first.races.count
        #expect(count > 0)
        let second = try RaceGuests.run("Explore/races-counter.swift", arguments: ["plain", "500"], monitor: monitor)
        #expect(second.races.count == count)
    }
}

@Suite("Race log")
struct RaceLogTests {
    @Test("a full log calls its reader and starts again; without a reader it drops")
    func fillsAndDrains() {
        let log = RaceLog()
        var read = 0
        log.consumer = { log in
            read += log.count
            log.clear()
        }
        for index in 0..<(RaceLog.capacity + 10) {
            log.append(RaceLogRecord(kind: .read, size: 8, thread: 0, physical: UInt64(index)))
        }
        #expect(read == RaceLog.capacity)
        #expect(log.count == 10)
        log.flush()
        #expect(read == RaceLog.capacity + 10)
        log.consumer = nil
        log.append(RaceLogRecord(kind: .write, thread: 0))
        log.flush()
        #expect(log.count == 0)
        #expect(log.dropped == 1)
    }

    @Test("Swift's Atomic globals are recognised by their symbol")
    func atomicSymbols() {
        #expect(RaceMonitor.declaresAtomic("Sync.traceState : Synchronization.Atomic<Swift.Int>"))
        #expect(!RaceMonitor.declaresAtomic("main.counter : Swift.Int"))
    }
}
