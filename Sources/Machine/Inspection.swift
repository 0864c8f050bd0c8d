// Looking at a machine from the host: single-stepping with a description of each
// retired instruction (for --trace-instructions), and the fault report that ends a run
// a guest cannot recover from.

/// One instruction as it retired (or trapped), for instruction traces.
public struct RetiredInstruction: Sendable {
    public var hart: Int
    public var pc: UInt64
    public var bits: UInt32
    public var length: Int
    public var privilege: PrivilegeMode
    /// The register written and its new value ("a0", 0x2a), if any.
    public var written: (register: String, value: UInt64)?
    /// The trap the instruction took instead of retiring, if any.
    public var trap: TrapRecord?

}

/// What ended a run that a guest could not recover from, with everything a person needs.
public struct FaultReport: Sendable, Equatable, CustomStringConvertible {
    public var hart: Int
    public var privilege: PrivilegeMode
    public var pc: UInt64
    public var instructionBits: UInt32?
    public var cause: UInt64
    public var value: UInt64
    public var reason: String

    /// The report; `instruction` shows the faulting instruction (MachineTools passes its
    /// disassembly), the raw bits in hex when absent.
    public func describe(instruction: String? = nil) -> String {
        let shown = instruction ?? instructionBits.map { "instruction 0x" + String($0, radix: 16) }
        var lines = ["\(reason): \(trapCauseName(cause)) on hart \(hart) in \(privilege)-mode"]
        lines.append("  pc      0x\(String(pc, radix: 16))" + (shown.map { "  \($0)" } ?? ""))
        lines.append("  address 0x\(String(value, radix: 16))")
        return lines.joined(separator: "\n")
    }

    public var description: String { describe() }
}

extension Hart {
    /// The instruction at `pc` as raw bits (16 or 32), read without side effects.
    public func inspectInstruction(at pc: UInt64) -> (bits: UInt32, length: Int)? {
        guard let physical = translatedForInspection(pc), let low = memory.readInteger(at: physical, size: 2) else { return nil }
        if low & 3 != 3 { return (UInt32(low), 2) }
        guard let highPhysical = translatedForInspection(pc &+ 2), let high = memory.readInteger(at: highPhysical, size: 2) else {
            return nil
        }
        return (UInt32(low) | UInt32(high) << 16, 4)
    }

    /// Eight bytes at virtual `address` as this hart's loads would see them now, read
    /// without side effects (no fault, no A/D update): for backtraces and debuggers.
    public func inspectDoubleword(at address: UInt64) -> UInt64? {
        var physical = address
        if dataTranslated {
            guard case .success(let entry) = walk(address, .load) else { return nil }
            physical = entry.physicalPage << 12 | (address & 0xFFF)
        }
        return memory.readInteger(at: physical, size: 8)
    }

    /// The return addresses of the frame-pointer chain from s0, innermost first (at most
    /// `limit`): with frame pointers (the RISC-V psABI's), a frame keeps its return address
    /// at fp - 8 and its caller's fp at fp - 16. The walk stops at an unreadable or
    /// misaligned frame and at one that is not above the last (stacks grow down), so a
    /// program without frame pointers gives a short chain, never a loop.
    public func frameChain(limit: Int = 12) -> [UInt64] {
        var frame = register(8)
        var returns: [UInt64] = []
        while returns.count < limit, frame >= 16, frame % 8 == 0,
              let returnAddress = inspectDoubleword(at: frame &- 8), let caller = inspectDoubleword(at: frame &- 16) {
            returns.append(returnAddress)
            guard caller > frame else { break }
            frame = caller
        }
        return returns
    }
}

extension Machine {
    /// Runs exactly one instruction on the hart whose turn it is, and describes it.
    /// Returns nil for the instruction when the machine stopped instead.
    public func stepTraced() -> (stop: StopReason?, retired: RetiredInstruction?) {
        if let stop = pendingStop() { return (stop, nil) }
        schedulingStateChanged()   // the host may have changed anything since the last step
        if activeBatch == nil {
            guard let batch = chooseBatch() else { return (.allHartsWaiting, nil) }
            if harts[batch.hart].waitingForInterrupt { return (nil, nil) }   // a host kernel parked it again
            activeBatch = batch
        }
        guard let batch = activeBatch else { return (nil, nil) }
        let hart = harts[batch.hart]
        let pc = hart.pc
        let privilege = hart.privilege
        let fetched = hart.inspectInstruction(at: pc)
        let trapsBefore = trapCount
        let (stepped, _) = advance(limit: 1)
        if stepped == 0 { return (nil, nil) }   // the hart stopped before an access; another goes first
        var retired = RetiredInstruction(hart: hart.id, pc: pc, bits: fetched?.bits ?? 0, length: fetched?.length ?? 4,
                                         privilege: privilege, written: nil, trap: nil)
        if trapCount != trapsBefore {
            retired.trap = hart.lastTrap
        } else if let fetched {
            let decoded = fetched.length == 2 ? Decoder.decode(parcel: UInt16(truncatingIfNeeded: fetched.bits)) : Decoder.decode(fetched.bits)
            retired.written = Self.writtenRegister(decoded, hart: hart)
        }
        return (nil, retired)
    }

    static func writtenRegister(_ inst: DecodedInstruction, hart: Hart) -> (String, UInt64)? {
        switch inst.operation {
        case .beq, .bne, .blt, .bge, .bltu, .bgeu, .sb, .sh, .sw, .sd, .fsw, .fsd, .fence, .fenceI,
             .ecall, .ebreak, .mret, .sret, .wfi, .sfenceVMA, .illegal, .decode, .refetch:
            return nil
        case .flw, .fld, .fmadd, .fmsub, .fnmsub, .fnmadd, .fadd, .fsub, .fmul, .fdiv, .fsqrt, .fsgnj, .fsgnjn, .fsgnjx,
             .fmin, .fmax, .fcvtFFromW, .fcvtFFromWU, .fcvtFFromL, .fcvtFFromLU, .fcvtSFromD, .fcvtDFromS, .fmvWX, .fmvDX:
            return (RegisterName.float(Int(inst.rd)), hart.floatRegister(Int(inst.rd)))
        default:
            guard inst.rd != sinkRegister else { return nil }
            return (RegisterName.integer(Int(inst.rd)), hart.register(Int(inst.rd)))
        }
    }
}
