// Test support for the instruction-level suites: builds bare-metal RV64GC programs from
// assembly text with the Swift toolchain's own clang and ld.lld, runs them on a fresh
// machine, and reads back what they recorded. Suites that need it are skipped (with the
// reason) when no usable clang/ld.lld is found.
//
// The standard prologue (`BareMetal.prologue`) gives a test body:
//   - `_start`, which sets sp, enables the FPU (mstatus.FS = Initial), installs `trap_handler`
//     in mtvec and falls into the body; falling off the end of the body powers off with 0x5555;
//   - `OUT reg` / `OUTF freg` / `OUTFLAGS`, which append a 64-bit value (an integer register,
//     an FP register's raw bits, or fflags — which it then clears) to the `results` array;
//     the Swift side reads them back in order (s11 is the output pointer; t6 is clobbered);
//   - `RESUME_AT label`: the next trap returns to `label`, in M-mode, instead of past the
//     faulting instruction (for fetch faults, and to come back from U/S-mode; clobbers t6);
//   - a trap handler for exceptions (tests of interrupts install their own) that logs
//     (mcause, mepc, mtval, mstatus) of every trap and returns past the faulting
//     instruction (2 or 4 bytes, read from memory at mepc) with mret. It uses
//     mscratch (which points at its save area, s10 holds the same address): tests that write
//     mscratch must restore it before the next trap. After 32 traps it powers off with code 99.

import Foundation
import Synchronization
import Testing
@testable import Machine
import Toolchain

/// Where clang and ld.lld are, if anywhere: the Toolchain module's choice (the toolchain
/// beside `swift` on PATH, or $INTERLEAVE_TOOLCHAIN), which also checks it can target riscv64.
enum CrossTools {
    struct Tools: Sendable {
        var clang: String
        var lld: String
    }

    static let tools: Tools? = {
        do {
            let toolchain = try Toolchain.locate(explicitPath: nil)
            return Tools(clang: toolchain.clang, lld: toolchain.lld)
        } catch {
            return nil
        }
    }()

    /// Whether the suites that need the tools run (they are skipped with the reason
    /// otherwise); INTERLEAVE_REQUIRE_TOOLS=1, as CI sets, makes them run and fail instead.
    static var available: Bool { tools != nil || ProcessInfo.processInfo.environment["INTERLEAVE_REQUIRE_TOOLS"] == "1" }
}

struct BuildError: Error, CustomStringConvertible {
    var description: String
}

/// One trap as logged by the prologue's handler.
struct LoggedTrap: Equatable, CustomStringConvertible {
    var cause: UInt64
    var epc: UInt64
    var tval: UInt64
    var status: UInt64
    var description: String {
        "trap(cause \(cause), epc 0x\(String(epc, radix: 16)), tval 0x\(String(tval, radix: 16)))"
    }
}

/// A finished run of a bare-metal program.
struct ProgramRun {
    let machine: Machine
    let stop: StopReason
    let image: ELFImage
    var hart: Hart { machine.harts[0] }

    /// The address of a label in the program (local labels such as `fault1:` are kept by the assembler).
    func address(_ label: String) -> UInt64 {
        guard let symbol = image.symbol(named: label) else {
            Issue.record("no symbol \(label) in the program")
            return 0
        }
        return symbol.value
    }

    /// The instruction at `address` as mtval reports it: 16 bits for a compressed one, else 32.
    func instructionBits(at address: UInt64) -> UInt64 {
        let low = machine.memory.readInteger(at: address, size: 2) ?? 0
        return low & 3 == 3 ? machine.memory.readInteger(at: address, size: 4) ?? 0 : low
    }

    /// Checks that the traps logged were illegal-instruction traps at `labels`, in order,
    /// each with the instruction's bits in mtval.
    func expectIllegalInstructions(at labels: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let traps = self.traps
        #expect(traps.count == labels.count, "\(traps.count) traps, expected \(labels.count): \(traps)",
                sourceLocation: sourceLocation)
        for (trap, label) in zip(traps, labels) {
            let pc = address(label)
            #expect(trap.cause == 2 && trap.epc == pc, "\(label): \(trap)", sourceLocation: sourceLocation)
            #expect(trap.tval == instructionBits(at: pc), "\(label): mtval is the instruction", sourceLocation: sourceLocation)
        }
    }

    /// The values the program appended with OUT/OUTF/OUTFLAGS, in order.
    var results: [UInt64] {
        guard let base = image.symbol(named: "results")?.value else { return [] }
        let end = hart.register(27)   // s11
        guard end >= base, end - base <= 8 * 1024 else { return [] }
        return (0..<Int((end - base) / 8)).map { machine.memory.readInteger(at: base + UInt64($0) * 8, size: 8) ?? 0 }
    }

    /// The traps the prologue's handler logged, in order.
    var traps: [LoggedTrap] {
        guard let area = image.symbol(named: "trap_area")?.value,
              let count = machine.memory.readInteger(at: area + 24, size: 8) else { return [] }
        return (0..<Int(min(count, 32))).map { index in
            let entry = area + 64 + UInt64(index) * 32
            func word(_ offset: UInt64) -> UInt64 { machine.memory.readInteger(at: entry + offset, size: 8) ?? 0 }
            return LoggedTrap(cause: word(0), epc: word(8), tval: word(16), status: word(24))
        }
    }

    /// Checks that the program powered off successfully.
    func expectPassed(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(stop == .powerOff(exitCode: 0), "the program did not finish: \(stop)", sourceLocation: sourceLocation)
    }

    /// Compares the OUT values with `expected`, one labelled check per value.
    func expectResults(_ expected: [(String, UInt64)], sourceLocation: SourceLocation = #_sourceLocation) {
        expectPassed(sourceLocation: sourceLocation)
        let actual = results
        #expect(actual.count == expected.count, "the program wrote \(actual.count) results, expected \(expected.count)",
                sourceLocation: sourceLocation)
        for (index, (label, value)) in expected.enumerated() where index < actual.count {
            #expect(actual[index] == value,
                    "\(label): got 0x\(String(actual[index], radix: 16)), expected 0x\(String(value, radix: 16))",
                    sourceLocation: sourceLocation)
        }
    }
}

enum BareMetal {
    /// The standard prologue: entry, trap handler, output macros and data areas.
    static let prologue = """
        .option norelax
        .equ TEST_DEVICE, 0x100000

        .macro OUT reg
            sd \\reg, 0(s11)
            addi s11, s11, 8
        .endm
        .macro OUTF freg
            fsd \\freg, 0(s11)
            addi s11, s11, 8
        .endm
        .macro OUTFLAGS
            csrrci t6, fflags, 31
            OUT t6
        .endm
        .macro RESUME_AT label
            la t6, \\label
            sd t6, 32(s10)
        .endm

        .section .text.start, "ax"
        .globl _start
        _start:
            la sp, stack_top
            la s11, results
            la s10, trap_area
            csrw mscratch, s10
            la t0, trap_handler
            csrw mtvec, t0
            li t0, 1 << 13          # mstatus.FS = Initial
            csrs mstatus, t0
            li t0, 0
            j test_body

            .p2align 2
        trap_handler:
            csrrw t0, mscratch, t0  # t0 = save area, mscratch = the interrupted t0
            sd t1, 0(t0)
            sd t2, 8(t0)
            sd t3, 16(t0)
            ld t1, 24(t0)           # number of traps so far
            li t2, 32
            bgeu t1, t2, trap_runaway
            slli t2, t1, 5
            add t2, t2, t0
            csrr t3, mcause
            sd t3, 64(t2)
            csrr t3, mepc
            sd t3, 72(t2)
            csrr t3, mtval
            sd t3, 80(t2)
            csrr t3, mstatus
            sd t3, 88(t2)
            addi t1, t1, 1
            sd t1, 24(t0)
            ld t3, 32(t0)           # a resume address set by RESUME_AT?
            beqz t3, 1f
            sd zero, 32(t0)
            li t1, 3 << 11          # ... which is resumed in M-mode
            csrs mstatus, t1
            j 3f
        1:  csrr t3, mepc           # skip the faulting instruction: 2 or 4 bytes
            lhu t1, 0(t3)
            andi t1, t1, 3
            li t2, 3
            addi t3, t3, 2
            bne t1, t2, 3f
            addi t3, t3, 2
        3:  csrw mepc, t3
            ld t1, 0(t0)
            ld t2, 8(t0)
            ld t3, 16(t0)
            csrrw t0, mscratch, t0
            mret
        trap_runaway:
            li t1, TEST_DEVICE
            li t2, 0x3333 | (99 << 16)
            sw t2, 0(t1)
        1:  j 1b

        .section .bss
            .p2align 4
        trap_area:
            .zero 64 + 32 * 32
        results:
            .zero 8192
        stack:
            .zero 4096
        stack_top:

        .text
        test_body:

        """

    static let epilogue = """

        .text
        test_pass:
            li t1, TEST_DEVICE
            li t2, 0x5555
            sw t2, 0(t1)
        1:  j 1b
        """

    private static let cache = Mutex<[String: [UInt8]]>([:])

    /// Assembles and links `source` (a complete program with `_start`) at 0x8000_0000, once per process.
    static func build(_ source: String) throws -> [UInt8] {
        if let cached = cache.withLock({ $0[source] }) { return cached }
        guard let tools = CrossTools.tools else { throw BuildError(description: "no clang/ld.lld") }
        let bytes = try assembleAndLink(source, with: tools)
        cache.withLock { $0[source] = bytes }
        return bytes
    }

    /// Runs clang and ld.lld in a fresh temporary directory (tests run in parallel).
    static func assembleAndLink(_ source: String, with tools: CrossTools.Tools) throws -> [UInt8] {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("interleave-asm-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sourceFile = directory.appendingPathComponent("program.S")
        let object = directory.appendingPathComponent("program.o").path
        let program = directory.appendingPathComponent("program.elf").path
        try source.write(to: sourceFile, atomically: true, encoding: .utf8)
        try runTool(tools.clang, ["--target=riscv64-unknown-elf", "-march=rv64gc", "-mabi=lp64", "-mno-relax",
                                  "-nostdlib", "-c", sourceFile.path, "-o", object], source: source)
        try runTool(tools.lld, ["-N", "-Ttext=0x80000000", "-e", "_start", "--no-relax", object, "-o", program], source: source)
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: program)))
    }

    /// Runs clang or ld.lld; a failure carries the tool's output and, when given, the numbered source.
    static func runTool(_ tool: String, _ arguments: [String], source: String? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = errors
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let numbered = source.map { text in
                "\nsource:\n" + text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                    .map { "\($0.offset + 1)\t\($0.element)" }.joined(separator: "\n")
            } ?? ""
            throw BuildError(description: "\(URL(fileURLWithPath: tool).lastPathComponent) failed:\n"
                + String(decoding: output, as: UTF8.self) + numbered)
        }
    }

    /// Builds `body` (with the standard prologue and epilogue unless `standalone`) and runs it.
    static func run(_ body: String, budget: UInt64 = 1_000_000, standalone: Bool = false,
                    configure: (inout MachineConfiguration) -> Void = { _ in }) throws -> ProgramRun {
        let source = standalone ? body : prologue + body + epilogue
        let image = try ELFImage(bytes: try build(source))
        var configuration = MachineConfiguration()
        configuration.ramSize = 16 << 20
        configure(&configuration)
        let machine = try Machine(configuration: configuration)
        try machine.load(image)
        let stop = machine.run(budget: budget)
        return ProgramRun(machine: machine, stop: stop, image: image)
    }
}

/// Builds and runs a program body after the standard prologue (see the top of this file).
func runProgram(_ body: String, budget: UInt64 = 1_000_000) throws -> (Machine, StopReason) {
    let run = try BareMetal.run(body, budget: budget)
    return (run.machine, run.stop)
}
