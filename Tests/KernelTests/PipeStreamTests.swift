// Nothing lost through a pipe: Guest/Programs/Pipes/pipe-stream.c sends bytes in seeded
// random chunk sizes (some past PIPE_BUF and past the pipe's capacity) and reads them in
// other random sizes, checking every byte's position and a checksum on both sides —
// blocking and non-blocking, threads and processes, several writers whose PIPE_BUF
// records must never be split, on 1, 2 and 4 harts with preemption and jitter, several
// seeds. Every byte must arrive exactly once and in order.

import Kernel
import Testing

@Suite("Pipes: every byte read exactly once and in order")
struct PipeStreamTests {
    static let total = 200_000
    static let seeds: [UInt64] = [1, 2, 3]

    /// Runs pipe-stream in `mode` (programs also hold it under its own name for process_spawn).
    static func run(_ mode: String, harts: Int, seed: UInt64) throws -> MultiProcessTests.Outcome {
        try MultiProcessTests.runPrograms("pipe-stream", arguments: [mode, "\(seed)", "\(total)"],
                                          programs: ["pipe-stream": "Pipes/pipe-stream.c"]) {
            $0.harts = harts
            $0.seed = seed
            $0.jitter = 3_000
            $0.scheduling = .roundRobin(sliceCycles: 20_000, tickCycles: 10_000)
            $0.memoryLimit = 32 << 20
        }
    }

    /// The checksum after "checksum " on the line starting with `prefix`.
    static func line(_ output: String, _ prefix: String) -> Substring? {
        output.split(separator: "\n").first { $0.hasPrefix(prefix) }
    }

    static func checksum(_ line: Substring?) -> Substring? {
        guard let line, let range = line.range(of: "checksum ") else { return nil }
        return line[range.upperBound...].prefix(16)
    }

    @Test("one writer thread, one reader thread: blocking, and non-blocking with sched_yield on EAGAIN",
          .needsGuestToolchain, arguments: ["threads", "nonblocking"], [1, 2, 4])
    func threads(_ mode: String, harts: Int) throws {
        for seed in Self.seeds {
            let outcome = try Self.run(mode, harts: harts, seed: seed)
            #expect(outcome.ending == .exited(status: 0), "\(mode), \(harts) harts, seed \(seed): \(outcome.output)\(outcome.error)")
            let writer = Self.line(outcome.output, "writer:"), reader = Self.line(outcome.output, "reader:")
            #expect(writer?.hasPrefix("writer: \(Self.total) bytes") == true, "\(outcome.output)")
            #expect(reader?.hasPrefix("reader: \(Self.total) bytes") == true, "\(outcome.output)")
            #expect(reader?.contains("mismatches 0") == true, "\(outcome.output)")
            let sent = Self.checksum(writer)
            #expect(sent != nil && sent == Self.checksum(reader), "\(mode), \(harts) harts, seed \(seed): \(outcome.output)")
        }
    }

    @Test("three writers of PIPE_BUF-sized records: none split, each writer's in order", .needsGuestToolchain,
          arguments: [1, 2, 4])
    func atomicRecords(harts: Int) throws {
        for seed in Self.seeds {
            let outcome = try Self.run("records", harts: harts, seed: seed)
            #expect(outcome.ending == .exited(status: 0), "\(outcome.output)\(outcome.error)")
            let count = Self.total / 3 / 2048 + 1
            #expect(outcome.output == "records: \(3 * count), from each writer \(count) \(count) \(count), broken 0, left over 0 bytes\nwritten: \(3 * count)\n",
                    "\(harts) harts, seed \(seed)")
        }
    }

    @Test("a child process inherits the read end, reads to end of file once both copies of the write end close; close-on-exec descriptors stay behind",
          .needsGuestToolchain, arguments: [1, 2, 4])
    func processes(harts: Int) throws {
        for seed in Self.seeds {
            let outcome = try Self.run("processes", harts: harts, seed: seed)
            #expect(outcome.ending == .exited(status: 0), "\(outcome.output)\(outcome.error)")
            #expect(outcome.endings[2] == .exited(status: 0))
            #expect(Self.line(outcome.output, "child:") == "child: close-on-exec descriptors -9 -9, write end closed 0", "\(outcome.output)")
            let writer = Self.line(outcome.output, "writer:"), reader = Self.line(outcome.output, "child reader:")
            #expect(reader?.hasPrefix("child reader: \(Self.total) bytes") == true && reader?.contains("mismatches 0") == true,
                    "\(outcome.output)")
            let sent = Self.checksum(writer)
            #expect(sent != nil && sent == Self.checksum(reader), "\(harts) harts, seed \(seed): \(outcome.output)")
            #expect(Self.line(outcome.output, "child ended:") == "child ended: waited, status 0")
        }
    }

    @Test("a child that keeps its copy of the write end never sees end of file: the run ends as a deadlock naming the read",
          .needsGuestToolchain)
    func forgottenWriteEnd() throws {
        let outcome = try Self.run("processes-keep", harts: 2, seed: 1)
        guard case .deadlock(let report) = outcome.ending else {
            Issue.record("expected a deadlock, got \(outcome.ending)")
            return
        }
        #expect(report.contains("blocked in read from descriptor 3"), "\(report)")
        #expect(report.contains("blocked in process_wait for process 2"), "\(report)")
        #expect(Self.line(outcome.output, "writer:")?.hasPrefix("writer: \(Self.total) bytes") == true)
    }

    @Test("eventfd between threads: a semaphore posted 2,000 times is taken 2,000 times, 1 each; a write past 2^64 - 2 waits for a read",
          .needsGuestToolchain, arguments: [1, 2, 4])
    func eventCounter(harts: Int) throws {
        for seed in Self.seeds {
            let outcome = try MultiProcessTests.runPrograms("pipe-stream", arguments: ["eventfd", "\(seed)", "2000"],
                                                            programs: ["pipe-stream": "Pipes/pipe-stream.c"]) {
                $0.harts = harts
                $0.seed = seed
                $0.jitter = 3_000
                $0.scheduling = .roundRobin(sliceCycles: 20_000, tickCycles: 10_000)
            }
            #expect(outcome.ending == .exited(status: 0), "\(outcome.error)")
            #expect(outcome.output == """
                eventfd: posted 2000, taken 2000, each 1: 2000
                eventfd: read 8 (2^64 - 2: 1), then 8 (5); the waiting write returned 8

                """, "\(harts) harts, seed \(seed)")
        }
    }

    @Test("a byte bounced 1,000 times through two pipes, between threads and between processes; each round trip is two blocking reads",
          .needsGuestToolchain, arguments: ["threads", "processes"], [1, 2])
    func pingPong(_ mode: String, harts: Int) throws {
        let outcome = try MultiProcessTests.runPrograms("ping-pong", arguments: [mode, "1000"],
                                                        programs: ["ping-pong": "Pipes/ping-pong.c"]) { $0.harts = harts }
        #expect(outcome.ending == .exited(status: 0), "\(outcome.error)")
        #expect(outcome.output == "1000 round trips\n")
        #expect(outcome.endings.values.allSatisfy { $0 == .exited(status: 0) } && outcome.endings.count == (mode == "threads" ? 1 : 2))
        // Every round trip blocks each side once: about two switches per round trip.
        #expect(outcome.statistics.contextSwitches >= 2_000 && outcome.statistics.contextSwitches <= 2_010,
                "\(outcome.statistics.contextSwitches) switches")
    }

    @Test("the same seed gives the same interleaving: byte-identical output and counts", .needsGuestToolchain)
    func deterministic() throws {
        let first = try Self.run("nonblocking", harts: 2, seed: 5)
        let second = try Self.run("nonblocking", harts: 2, seed: 5)
        #expect(first.output == second.output)
        #expect(first.statistics == second.statistics)
    }
}
