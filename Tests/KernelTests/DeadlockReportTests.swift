// Deadlock reports name, for each thread asleep in futex_wait, the word it waits on (its
// address, value and symbol) and, for a Sync.Mutex, the thread holding it and where that
// thread took it; each thread's callers follow. A forged mutex record in guest memory
// gives a plain line, not a crash.

import Kernel
import Machine
import Testing

@Suite("Kernel: deadlock reports")
struct DeadlockReportTests {
    static func report(_ ending: ProcessEnding) -> String? {
        if case .deadlock(let report) = ending { report } else { nil }
    }

    @Test("two threads on one futex word: each line names the word and its value, then the callers",
          .enabled(if: GuestPrograms.builder != nil, "no Swift toolchain for riscv64 guests"))
    func futexWord() throws {
        let elf = try #require(try GuestPrograms.build("Threads/deadlock.swift"))
        let result = try run(elf)
        let report = try #require(Self.report(result.ending), "got \(result.ending)")
        let lines = report.split(separator: "\n").map(String.init)
        let address = try #require(lines.first { $0.contains("thread 1: blocked in futex_wait on ") }?
            .split(separator: " ").first { $0.hasPrefix("0x") })
        #expect(lines.filter { $0 == "    word \(address) holds 0" }.count == 2, "\(report)")
        #expect(lines.contains { $0.hasPrefix("    called from main+") }, "\(report)")
    }

    @Test("a lock-order deadlock with two Sync.Mutex: each waiter names the other thread as holder and where it took the lock",
          .enabled(if: GuestPrograms.builder != nil, "no Swift toolchain for riscv64 guests"))
    func lockOrder() throws {
        let elf = try #require(try GuestPrograms.build("Threads/lock-order.swift"))
        let result = try run(elf)
        let report = try #require(Self.report(result.ending), "got \(result.ending)")
        #expect(result.ending.status == 125)
        let lines = report.split(separator: "\n").map(String.init)
        func block(_ tid: Int) -> [String] {
            guard let start = lines.firstIndex(where: { $0.hasPrefix("  thread \(tid): blocked in futex_wait") }) else { return [] }
            return Array(lines[start...].prefix { $0 == lines[start] || $0.hasPrefix("    ") })
        }
        let main = block(1), worker = block(2)
        #expect(main.count >= 4 && worker.count >= 4, "\(report)")
        #expect(main.dropFirst().first?.contains("a Sync.Mutex held by thread 2, taken at main.takeSecondThenFirst") == true, "\(report)")
        #expect(worker.dropFirst().first?.contains("a Sync.Mutex held by thread 1, taken at main.takeFirstThenSecond") == true, "\(report)")
        #expect(main.dropFirst(2).first?.hasPrefix("    called from Sync.Mutex.lock") == true, "\(report)")
        #expect(main.contains { $0.hasPrefix("           from main.takeFirstThenSecond") }, "\(report)")
        #expect(worker.contains { $0.hasPrefix("           from main.takeSecondThenFirst") }, "\(report)")
    }

    @Test("a forged mutex record (tag, but a holder stack and place that mean nothing) gives a plain line")
    func forgedRecord() throws {
        // The word at data: state 1, "MUTX", holder sp 0x1234, taken at 0x5678. The only
        // symbol is _start, so the word is named from it.
        var data: [UInt8] = []
        for (value, size) in [(UInt64(1), 4), (0x5854_554D, 4), (0x1234, 8), (0x5678, 8)] {
            data += littleEndianBytes(value, count: size)
        }
        let code = UserProgram.elf(data: data) { asm in
            UserProgram.call(&asm, 98, [UserProgram.data, 128, 1, 0])     // futex_wait, no timeout
            UserProgram.call(&asm, 93, [0])
        }
        let result = try run(code)
        let report = try #require(Self.report(result.ending), "got \(result.ending)")
        let address = "0x" + String(UserProgram.data, radix: 16)
        #expect(report.contains("word \(address) holds 1, in _start+0x4000: a Sync.Mutex held by no live thread, taken at 0x5678"), "\(report)")
    }
}
