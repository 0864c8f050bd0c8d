// How a process ended, and the report a person reads when it did not end by itself:
// what went wrong, where (PC, instruction, symbol), on which address, and what to do.

import Machine
import MachineTools

public enum ProcessEnding: Sendable, Equatable, CustomStringConvertible {
    /// The program called exit or exit_group.
    case exited(status: Int32)
    /// A fault the program cannot recover from (a bad address, an illegal instruction).
    case killed(GuestFault)
    /// The program touched more memory than the limit.
    case outOfMemory(String)
    /// The program wrote more output than the limit.
    case outputLimit(String)
    /// The program ran for more instructions than the limit.
    case instructionLimit(String)
    /// Every thread waits and nothing can wake any of them.
    case deadlock(String)
    /// The simulated clock reached `SimulatedTime.runLimit` (2^62 cycles), the most one
    /// run may simulate (a program that sleeps for centuries).
    case clockLimit(String)
    /// A signal's default action ended it (SIGPIPE: a write to a pipe with no reader).
    case signalled(signal: Int32, report: String)

    /// The status a shell would see: the program's own, or 128 + the signal Linux would
    /// have sent (SIGSEGV 139, SIGILL 132, SIGKILL 137 for memory, SIGXFSZ 153 for output,
    /// SIGXCPU 152 for the instruction limit, SIGALRM 142 for the clock limit, SIGPIPE 141);
    /// 125 for a deadlock.
    public var status: Int32 {
        switch self {
        case .exited(let status): status & 0xFF
        case .killed(let fault): 128 + fault.signal
        case .outOfMemory: 128 + 9
        case .outputLimit: 128 + 25
        case .instructionLimit: 128 + 24
        case .clockLimit: 128 + 14
        case .signalled(let signal, _): 128 + signal
        case .deadlock: 125
        }
    }

    public var description: String {
        switch self {
        case .exited(let status): "exited with status \(status & 0xFF)"
        case .killed(let fault): fault.description
        case .outOfMemory(let report), .outputLimit(let report), .instructionLimit(let report), .deadlock(let report),
             .clockLimit(let report), .signalled(_, let report): report
        }
    }
}

/// A guest fault, described for the person who has to fix the program.
public struct GuestFault: Sendable, Equatable, CustomStringConvertible {
    public var pid: Int32
    public var threadID: Int32
    public var processName: String
    public var hart: Int
    public var cause: UInt64
    public var pc: UInt64
    public var instruction: String?
    /// The faulting address (the trap's tval).
    public var address: UInt64
    /// `function+0x1c` for the PC, when the program has symbols.
    public var symbol: String?
    /// `file.swift:12` for the PC, when the program has DWARF line information.
    public var sourceLine: String?
    /// Why the program's line information could not be read (it is there, but corrupt).
    public var lineInformationProblem: String?
    /// The chain of callers, innermost first (`function+0x1c (0x10b44)`): only real ones,
    /// found through the frame pointers (Backtrace.swift); empty when there are none.
    public var callers: [String]
    /// One sentence on what this fault usually means.
    public var explanation: String

    init(thread: Thread?, process: Process, hart: Hart, trap: TrapRecord) {
        pid = process.pid
        threadID = thread?.tid ?? process.mainThreadID
        processName = process.name
        self.hart = hart.id
        cause = trap.cause
        pc = trap.pc
        address = trap.value
        let bits = hart.inspectInstruction(at: trap.pc)
        instruction = bits.map { Disassembler.disassemble($0.bits, pc: trap.pc) }
        symbol = process.symbolize(trap.pc)
        sourceLine = process.sourceLocation(at: trap.pc)?.description
        lineInformationProblem = process.lineTableProblem
        callers = process.describeCallers(pc: trap.pc, returnAddress: hart.register(1), stackPointer: hart.register(2),
                                          framePointer: hart.register(8))
        explanation = GuestFault.explain(cause: trap.cause, address: trap.value, bits: bits?.bits, process: process)
    }

    /// The signal Linux would send for this cause.
    public var signal: Int32 {
        switch cause {
        case ExceptionCause.illegalInstruction.rawValue: 4                  // SIGILL
        case ExceptionCause.breakpoint.rawValue: 5                          // SIGTRAP
        case ExceptionCause.instructionAddressMisaligned.rawValue, ExceptionCause.loadAddressMisaligned.rawValue,
             ExceptionCause.storeAddressMisaligned.rawValue: 7              // SIGBUS
        default: 11                                                         // SIGSEGV
        }
    }

    var signalName: String {
        switch signal {
        case 4: "illegal instruction (SIGILL)"
        case 5: "breakpoint (SIGTRAP)"
        case 7: "bus error (SIGBUS)"
        default: "segmentation fault (SIGSEGV)"
        }
    }

    public var description: String {
        var lines = ["process \(pid) (\(processName)), thread \(threadID), killed: \(signalName)"]
        lines.append("  cause    \(trapCauseName(cause)) on hart \(hart)")
        let line = sourceLine.map { " (\($0))" } ?? ""
        lines.append("  pc       0x\(String(pc, radix: 16))  \(instruction ?? "(instruction cannot be read)")" + (symbol.map { "  in \($0)\(line)" } ?? (sourceLine.map { "  at \($0)" } ?? "")))
        lines.append("  address  0x\(String(address, radix: 16))")
        lines += callerLines(callers, indent: "  ")
        lines.append("  \(explanation)")
        if let lineInformationProblem { lines.append("  (no source lines: \(lineInformationProblem))") }
        return lines.joined(separator: "\n")
    }

    static func explain(cause: UInt64, address: UInt64, bits: UInt32?, process: Process) -> String {
        switch cause {
        case ExceptionCause.illegalInstruction.rawValue:
            if bits == 0 || bits == 0xC000_1073 {
                return "`unimp` is where Swift stops a program whose runtime check failed: integer overflow, an index out of range, unwrapping nil, fatalError or a failed precondition."
            }
            return "The instruction is not valid here: a jump into data, or an instruction user mode may not run."
        case ExceptionCause.breakpoint.rawValue:
            return "The program ran `ebreak`; with no debugger attached that ends it."
        case ExceptionCause.instructionAddressMisaligned.rawValue:
            return "A jump went to an odd address."
        case ExceptionCause.loadAddressMisaligned.rawValue, ExceptionCause.storeAddressMisaligned.rawValue:
            return "Atomic instructions (LR/SC/AMO) need addresses aligned to their size."
        default:
            break
        }
        let space = process.addressSpace
        if address < UserLayout.lowest {
            return "Address 0x\(String(address, radix: 16)) is in the first page, which is never mapped: a null pointer."
        }
        let stacks = space.regions.filter { $0.kind == .stack }
        // Below the main stack lies a 64 MiB gap; below a thread's stack, one guard page (an
        // overflow by a large frame may land a little further down).
        func reach(_ stack: MemoryRegion) -> UInt64 { stack.end == UserLayout.stackTop ? UserLayout.stackGap : 16 * UserLayout.pageSize }
        if let stack = stacks.filter({ address < $0.start && address >= $0.start &- reach($0) }).min(by: { $0.start < $1.start }) {
            let isMain = stack.end == UserLayout.stackTop
            return "Stack overflow: the \(isMain ? "main thread's stack is limited to \(formatBytes(stack.end - stack.start)) (raise it with --stack-mib)" : "thread's stack is \(formatBytes(stack.end - stack.start)) (the size given to Thread.spawn)"); deep or endless recursion?"
        }
        if let region = space.region(containing: address) {
            let allowed = [(PTE.read, "read"), (PTE.write, "write"), (PTE.execute, "execute")]
                .filter { region.permissions & $0.0 != 0 }.map(\.1)
            return "The \(region.kind.rawValue) memory at this address allows only: \(allowed.isEmpty ? "nothing" : allowed.joined(separator: ", "))."
        }
        return "No memory is mapped at this address: a stray pointer, memory already unmapped, or an index far out of range."
    }
}

extension Kernel {
    func memoryLimitReport(_ hart: Hart, address: UInt64) -> String {
        let space = process.addressSpace
        var lines = ["process \(process.pid) (\(process.name)) killed: out of memory (SIGKILL)",
                     "  it touched \(formatBytes(space.residentPages * AddressSpace.pageSize)) and needed one more page at 0x\(String(address, radix: 16)); "
                        + (space.residentPages < space.pageLimit
                            ? "the processes together have used up the machine's RAM (raise it with --memory-mib)"
                            : "the limit is \(formatBytes(configuration.memoryLimit)) (raise it with --memory-mib)"),
                     "  pc       0x\(String(hart.pc, radix: 16))" + (process.symbolize(hart.pc).map { "  in \($0)" } ?? "")]
        let reserved = Dictionary(grouping: space.regions, by: \.kind).mapValues { $0.reduce(0) { $0 + $1.end - $1.start } }
        let summary = [MemoryRegion.Kind.program, .heap, .mapping, .stack].compactMap { kind in
            reserved[kind].map { "\(kind.rawValue) \(formatBytes($0))" }
        }
        lines.append("  address space: " + summary.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    /// Every thread of the processes still running, by process when there are several:
    /// its state, the word it waits on in futex_wait (and the holder of a Sync.Mutex), and
    /// where it stopped with its callers.
    func deadlockReport() -> String {
        let live = liveProcesses.filter { !$0.hasEnded }
        let who = live.count == 1 ? "process \(live[0].pid) (\(live[0].name))" : "processes " + live.map { "\($0.pid) (\($0.name))" }.joined(separator: ", ")
        var lines = ["\(who) stopped: deadlock — every thread waits and nothing can wake any of them"]
        for owner in live {
            if live.count > 1 { lines.append("  process \(owner.pid) (\(owner.name)):") }
            let indent = live.count > 1 ? "    " : "  "
            let threads = owner.liveThreads.values.sorted(by: { $0.tid < $1.tid })
            for thread in threads {
                let state = describeState(of: thread)
                let location = owner.describeCode(at: thread.context.pc).map { " at \($0)" } ?? ""
                lines.append("\(indent)thread \(thread.tid): \(state)\(location)")
                if case .blocked(.futex(let address, _)) = thread.state {
                    lines.append("\(indent)  \(owner.describeFutexWord(address, threads: threads))")
                }
                lines += callerLines(owner.describeCallers(of: thread.context), indent: indent + "  ")
            }
        }
        return lines.joined(separator: "\n")
    }

    func clockLimitReport() -> String {
        let frequency = configuration.clockFrequency
        let seconds = SimulatedTime.runLimit.amount(in: .seconds, clockFrequency: frequency)
        let years = seconds / (365 * 86_400)
        let span = years > 0 ? "about \(years) years" : "about \(seconds) s"
        return "process \(firstProcess.pid) (\(firstProcess.name)) stopped: the simulated clock reached 2^62 cycles (\(span) at \(frequency) Hz), the most one run may simulate; a thread sleeps or waits that long"
    }

    func instructionLimitReport(_ hart: Hart) -> String {
        let bits = hart.inspectInstruction(at: hart.pc)
        let process = running[hart.id]?.process ?? firstProcess
        var lines = ["process \(process.pid) (\(process.name)) stopped: it ran \(hart.instret) instructions, the limit (raise it with --max-instructions)",
                     "  pc       0x\(String(hart.pc, radix: 16))  \(bits.map { Disassembler.disassemble($0.bits, pc: hart.pc) } ?? "")"
                        + (process.describeCode(at: hart.pc).map { "  in \($0)" } ?? "")]
        let callers = process.describeCallers(pc: hart.pc, returnAddress: hart.register(1), stackPointer: hart.register(2),
                                              framePointer: hart.register(8))
        lines += callerLines(callers, indent: "  ")
        return lines.joined(separator: "\n")
    }
}

/// `512 KiB`, `3.5 MiB`, `2 GiB`.
func formatBytes(_ bytes: UInt64) -> String {
    if bytes < 1 << 10 { return "\(bytes) bytes" }
    let units = [(UInt64(1) << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")]
    for (size, unit) in units where bytes >= size {
        let tenths = bytes * 10 / size
        return tenths % 10 == 0 ? "\(tenths / 10) \(unit)" : "\(tenths / 10).\(tenths % 10) \(unit)"
    }
    return "\(bytes) bytes"
}
