// Hostile programs: every system call the kernel implements — found by asking the kernel,
// so a call added later is covered without editing this file — made with hostile
// arguments over memory full of hostile values, in many seeded combinations; and random
// instruction words in user mode. The calls run in the built `interleave`, a process of
// its own, so a host crash is a failure that names the seed, not the end of the test run.
// Whatever the program does, the run must end in a documented way within its budget.

import Foundation
import Kernel
import Machine
import MachineTools
import Testing

@Suite("Kernel: hostile programs")
struct HostileProgramTests {
    // MARK: Which calls exist

    /// The numbers probed: Linux's (all below 1024) and the kernel's own from 0x1000.
    static let probedNumbers = Array(UInt64(0)..<0x2000)

    /// What the probe found: every number the kernel's dispatcher handles (a call with
    /// zero arguments is not counted as unknown, as an -ENOSYS call is), and whether that
    /// call alone ended the run (it exited, blocked for good or spawned a faulting thread).
    static let probed: [(number: UInt64, endsRun: Bool)] = probe(probedNumbers[...])
    static let implementedCalls = probed.map(\.number)
    /// The calls made between the calls under test: those that return, so more are reached.
    static let returningCalls = probed.filter { !$0.endsRun }.map(\.number)

    /// Calls `numbers` with zero arguments, then exit_group(77). When the run ends some
    /// other way (a call exited, blocked or spawned a faulting thread), halves and retries.
    static func probe(_ numbers: ArraySlice<UInt64>) -> [(number: UInt64, endsRun: Bool)] {
        var code = Assembler(origin: UserProgram.origin)
        for number in numbers { UserProgram.call(&code, Int64(bitPattern: number), [0, 0, 0, 0, 0, 0]) }
        UserProgram.call(&code, 94, [77])
        let elf = ELFWriter.executable(contents: (try? code.assemble()) ?? [], address: UserProgram.origin,
                                       entry: UserProgram.origin, zeroFill: 0x1000)
        guard let result = try? run(elf, configure: { $0.instructionLimit = 1_000_000 }) else {
            return numbers.map { ($0, true) }
        }
        let ended = result.ending != .exited(status: 77)
        if !ended || numbers.count == 1 {
            return numbers.filter { result.statistics.unknownSystemCalls[$0] == nil }.map { ($0, ended) }
        }
        let middle = numbers.startIndex + numbers.count / 2
        return probe(numbers[..<middle]) + probe(numbers[middle...])
    }

    @Test("the probe finds the Linux calls and the kernel's own, and nothing it should not")
    func probeFindsTheCalls() {
        let found = Set(Self.implementedCalls)
        // DESIGN decision 3's list, and the first custom calls; the rest are found the same way.
        for number: UInt64 in [63, 64, 93, 94, 98, 101, 113, 124, 172, 178, 214, 222, 0x1000, 0x1001] {
            #expect(found.contains(number), "system call \(number) (\(Kernel.systemCallName(number))) not found")
        }
        #expect(found.contains { $0 >= 0x1000 } && found.contains { $0 < 0x1000 })
        // Numbers far beyond the probed ones must be unknown, not implemented by accident.
        #expect(Self.probe([0x2000, 0xFFFF, 1 << 32, UInt64.max, UInt64.max - 0xFFF]).isEmpty)
        #expect(Self.returningCalls.count > Self.implementedCalls.count / 2)
    }

    // MARK: Hostile values

    /// Values that tend to find bugs: zero, small, page edges, 32-bit edges, the top of user
    /// memory and beyond, huge times (a hundred years in nanoseconds and seconds), negatives.
    static let hostileValues: [UInt64] = [
        0, 1, 2, 7, 8, 16, 0xFFF, 0x1000, 0x1001, 999_999_999, 1_000_000_000, 1_000_000_001,
        0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 1 << 32, (1 << 38) - 8, (1 << 38) - 0x1000, 1 << 38, 1 << 39,
        0x3F_FFFF_E000, 1 << 47, 1 << 62, (1 << 62) + 1, 1 << 63, UInt64(Int64.max), UInt64(Int64.max) - 999_999_999,
        UInt64.max, UInt64.max - 7, UInt64.max - 0xFFF, UInt64(bitPattern: -4096), UInt64(bitPattern: -1_000_000_000),
        3_153_600_000_000_000_000, 3_153_600_000, 18_446_744_073, 0x8000_0000_0000_0000 / 1_000_000_000,
    ]

    /// Seconds for a timespec: from a hundred years to past what 64 bits of nanoseconds hold.
    static let hugeSeconds: [UInt64] = [3_153_600_000, 9_223_372_036, 18_446_744_073, 1 << 33, 1 << 40, 1 << 62,
                                        UInt64(Int64.max), UInt64.max]
    /// Nanoseconds for a timespec: valid ones (so the seconds are used) and invalid ones.
    static let nanoseconds: [UInt64] = [0, 1, 500_000_000, 999_999_999, 999_999_999, 1_000_000_000, UInt64.max]

    /// A hostile value, a pointer into the hostile data (a record's start, anywhere, or its
    /// last bytes), a pointer just below the top of user memory, or a random word.
    static func hostileArgument(_ random: inout SplitMix64) -> UInt64 {
        let pick = random.next()
        switch pick % 11 {
        case 0, 1, 2: return hostileValues[Int((pick >> 8) % UInt64(hostileValues.count))]
        case 3, 4, 5: return HostileImage.data + (random.next() % (HostileImage.dataSize / 16)) * 16
        case 6: return HostileImage.data + (random.next() % HostileImage.dataSize)
        case 7: return HostileImage.data + HostileImage.dataSize - (random.next() % 64)
        case 8: return (1 << 38) - (random.next() % 64)
        case 9: return random.next() >> (random.next() % 64)
        default: return random.next()
        }
    }

    /// 16-byte records that read as timespecs (huge seconds, valid or invalid nanoseconds),
    /// or as lengths, counts, pointers and flags: hostile values either way. With
    /// `timespecsOnly`, every record is a timespec of at least a hundred years, so that
    /// every call that takes a time gets a huge one, again and again.
    static func hostileData(_ random: inout SplitMix64, timespecsOnly: Bool) -> [UInt8] {
        var data: [UInt8] = []
        func pick(_ values: [UInt64]) -> UInt64 { values[Int(random.next() % UInt64(values.count))] }
        while UInt64(data.count) < HostileImage.dataSize {
            let record: (UInt64, UInt64) = switch timespecsOnly ? 0 : random.next() % 4 {
            case 0, 1: (pick(hugeSeconds), pick(nanoseconds))
            case 2: (pick(hostileValues), pick(hostileValues))
            default: (hostileArgument(&random), hostileArgument(&random))
            }
            withUnsafeBytes(of: record.0.littleEndian) { data += $0 }
            withUnsafeBytes(of: record.1.littleEndian) { data += $0 }
        }
        return data
    }

    /// A program that calls `target` 24 times with hostile arguments, each time followed by
    /// another implemented call (one that returns when called with zeros; in a seeded
    /// order, so most are reached), then
    /// exit_group with a hostile status; or, with no target, every returning call four
    /// times in a seeded order. The stack is pointed at too. Its data is `hostileData`;
    /// when `accumulating`, all huge timespecs, and the target gets the same arguments
    /// every time, so that what a call leaves behind (sleeps of a hundred years, mappings,
    /// threads) accumulates, while the calls between get ordinary arguments and so see it.
    static func hostileProgram(target: UInt64?, seed: UInt64, accumulating: Bool) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        let others = returningCalls
        func shuffled(_ calls: [UInt64]) -> [UInt64] {
            var calls = calls
            for index in calls.indices.reversed() { calls.swapAt(index, Int(random.next() % UInt64(index + 1))) }
            return calls
        }
        var calls: [UInt64] = []
        if let target {
            for other in shuffled(others + others).prefix(24) { calls += [target, other] }
        } else {
            calls = shuffled(others + others + others + others)
        }
        var code = Assembler(origin: HostileImage.origin)
        let registers: [Register] = [.a0, .a1, .a2, .a3, .a4, .a5]
        let repeated = (0..<6).map { _ in
            random.next() % 2 == 0 ? HostileImage.data + (random.next() % (HostileImage.dataSize / 16)) * 16 : hostileArgument(&random)
        }
        for number in calls {
            for (index, register) in registers.enumerated() {
                if number == target && accumulating {
                    code.li(register, Int64(bitPattern: repeated[index]))
                } else if accumulating {
                    // Ordinary arguments: the calls between see what the target left behind.
                    let ordinary = [0, 1, 2, 3, 16, 4096, HostileImage.data + (random.next() % (HostileImage.dataSize / 16)) * 16]
                    code.li(register, Int64(bitPattern: ordinary[Int(random.next() % UInt64(ordinary.count))]))
                } else if random.next() % 16 == 0 {
                    code.addi(register, .sp, Int64(random.next() % 256) - 128)   // a pointer into the stack
                } else {
                    code.li(register, Int64(bitPattern: hostileArgument(&random)))
                }
            }
            code.li(.a7, Int64(bitPattern: number))
            code.ecall()
        }
        code.li(.a0, Int64(bitPattern: hostileArgument(&random)))
        code.li(.a7, 94)
        code.ecall()
        return HostileImage.elf(code: (try? code.assemble()) ?? [], data: hostileData(&random, timespecsOnly: accumulating))
    }

    // MARK: The runs

    static let instructionBudget: UInt64 = 200_000

    /// Seeds per call: each implemented call is made by this many programs of its own.
    static let seedsPerCall: UInt64 = 8

    @Test("every implemented system call, with hostile arguments over hostile memory, ends the run in a documented way",
          arguments: implementedCalls)
    func everyCallWithHostileArguments(number: UInt64) throws {
        for seed in 0..<Self.seedsPerCall {
            let elf = Self.hostileProgram(target: number, seed: number &* 1_000_003 &+ seed, accumulating: seed % 2 == 1)
            try HostileRun.expectDocumentedEnding(elf, seed: seed, what: "call \(number) (\(Kernel.systemCallName(number))), seed \(seed)")
        }
    }

    @Test("all implemented calls in seeded orders, with hostile arguments, end the run in a documented way",
          arguments: UInt64(0)..<16)
    func allCallsInSeededOrders(seed: UInt64) throws {
        try HostileRun.expectDocumentedEnding(Self.hostileProgram(target: nil, seed: seed ^ 0x5EED, accumulating: seed % 2 == 1), seed: seed,
                                              what: "every call in the order of seed \(seed)")
    }

    @Test("the issue's own crash: seven sleeps of a hundred years, then clock_gettime, end the run in a documented way")
    func hundredYearSleeps() throws {
        var code = Assembler(origin: HostileImage.origin)
        for _ in 0..<7 { UserProgram.call(&code, 101, [Int64(HostileImage.data), 0]) }
        UserProgram.call(&code, 113, [0, Int64(HostileImage.data + 16)])
        UserProgram.call(&code, 94, [0])
        var data: [UInt8] = []
        withUnsafeBytes(of: UInt64(3_153_600_000).littleEndian) { data += $0 }   // 100 years, 0 ns
        data += [UInt8](repeating: 0, count: 24)
        try HostileRun.expectDocumentedEnding(HostileImage.elf(code: try code.assemble(), data: data), seed: 0,
                                              what: "seven sleeps of a hundred years")
    }

    @Test("random instruction words in user mode end with a report within the instruction budget", arguments: 0..<8)
    func randomInstructions(seed: UInt64) throws {
        var random = SplitMix64(seed: seed &* 7919)
        let elf = UserProgram.elf { asm in
            for _ in 0..<2048 {
                let word = UInt32(truncatingIfNeeded: random.next())
                // Mostly valid-looking 32-bit instructions, some ecalls, some compressed pairs.
                switch random.next() % 8 {
                case 0: asm.ecall()
                case 1: asm.emit(word & ~3)
                default: asm.emit(word | 3)
                }
            }
        }
        let result = try run(elf) {
            $0.memoryLimit = 8 << 20
            $0.outputLimit = 1 << 20
            $0.instructionLimit = 1_000_000
        }
        #expect(result.statistics.instructions <= 1_000_000)
        #expect(!result.ending.description.isEmpty, "every ending can be described")
    }
}

/// The layout of a hostile program: code at 0x10000, 16 KiB of hostile data 64 KiB above,
/// then a page of zeros.
enum HostileImage {
    static let origin: UInt64 = 0x10000
    static let data: UInt64 = origin + 0x10000
    static let dataSize: UInt64 = 16 << 10

    static func elf(code: [UInt8], data bytes: [UInt8]) -> [UInt8] {
        let contents = code + [UInt8](repeating: 0, count: max(0, Int(data - origin) - code.count)) + bytes
        return ELFWriter.executable(contents: contents, address: origin, entry: origin, zeroFill: 0x1000,
                                    symbols: [("_start", origin)])
    }
}

/// Runs a program in the built `interleave` and checks the host survived it.
enum HostileRun {
    /// The `interleave` built beside the tests (swift test builds every product).
    static let tool: String? = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("interleave").path
        return [beside, GuestPrograms.packageRoot + "/.build/debug/interleave"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// The host survived (no signal, no Swift runtime failure), the run wrote its metrics
    /// (so it ended through the kernel's own endings: exit, fault, deadlock or a limit),
    /// the status agrees with them, and the run stayed within its instruction budget.
    static func expectDocumentedEnding(_ elf: [UInt8], seed: UInt64, what: String) throws {
        let tool = try #require(tool, "no interleave executable beside the tests (swift test builds it)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("interleave-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = folder.appendingPathComponent("hostile.elf"), metrics = folder.appendingPathComponent("metrics.json")
        try Data(elf).write(to: program)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["run", program.path, "--json", metrics.path, "--seed", "\(seed)",
                             "--instruction-limit", "\(HostileProgramTests.instructionBudget)",
                             "--memory-mib", "16", "--max-output-mib", "1", "--harts", "\(1 + seed % 2)"]
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        try input.fileHandleForWriting.write(contentsOf: Data(repeating: 0x41, count: 64))
        try input.fileHandleForWriting.close()
        // Read both pipes at once so neither fills and blocks the child.
        let group = DispatchGroup()
        let outputCount = ByteCount()
        group.enter()
        DispatchQueue.global().async { outputCount.set(output.fileHandleForReading.readDataToEndOfFile().count); group.leave() }
        let errorText = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        group.wait()
        let outputBytes = outputCount.value
        process.waitUntilExit()

        let tail = String(errorText.suffix(2000))
        // A Swift trap prints its message and then a backtrace: the message and first frames say where.
        try #require(process.terminationReason == .exit,
                     "\(what): the host died with signal \(process.terminationStatus): \(errorText.prefix(1500))")
        #expect(!errorText.contains("Fatal error") && !errorText.contains("Swift runtime failure"), "\(what): \(tail)")
        #expect(outputBytes <= 1 << 20, "\(what): \(outputBytes) bytes of output past the 1 MiB limit")
        let json = try #require(try? JSONSerialization.jsonObject(with: Data(contentsOf: metrics)) as? [String: Any],
                                "\(what): no metrics, so the run did not end through the kernel (status \(process.terminationStatus)): \(tail)")
        #expect((json["status"] as? Int).map(Int32.init) == process.terminationStatus, "\(what): \(tail)")
        let instructions = (json["totals"] as? [String: Any])?["instructions"] as? Int
        #expect(instructions.map { UInt64($0) <= HostileProgramTests.instructionBudget } == true,
                "\(what): \(instructions.map(String.init) ?? "no count of") instructions, budget \(HostileProgramTests.instructionBudget)")
    }
}

/// A count written by the thread that drains a pipe, read after it is done.
final class ByteCount: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = 0
    var value: Int { lock.withLock { stored } }
    func set(_ count: Int) { lock.withLock { stored = count } }
}
