// Traps: synchronous exceptions and interrupts, delegation to S-mode through
// medeleg/mideleg, the trap-return instructions mret and sret, and the choice of which
// pending interrupt is taken (privileged spec, "Machine Interrupt Registers": MEI, MSI,
// MTI, SEI, SSI, STI in that order).

/// Exception codes (mcause with the interrupt bit clear).
public enum ExceptionCause: UInt64, Sendable {
    case instructionAddressMisaligned = 0, instructionAccessFault = 1, illegalInstruction = 2
    case breakpoint = 3, loadAddressMisaligned = 4, loadAccessFault = 5
    case storeAddressMisaligned = 6, storeAccessFault = 7
    case environmentCallFromU = 8, environmentCallFromS = 9, environmentCallFromM = 11
    case instructionPageFault = 12, loadPageFault = 13, storePageFault = 15

    public var name: String {
        switch self {
        case .instructionAddressMisaligned: "instruction address misaligned"
        case .instructionAccessFault: "instruction access fault"
        case .illegalInstruction: "illegal instruction"
        case .breakpoint: "breakpoint"
        case .loadAddressMisaligned: "load address misaligned"
        case .loadAccessFault: "load access fault"
        case .storeAddressMisaligned: "store/AMO address misaligned"
        case .storeAccessFault: "store/AMO access fault"
        case .environmentCallFromU: "environment call from U-mode"
        case .environmentCallFromS: "environment call from S-mode"
        case .environmentCallFromM: "environment call from M-mode"
        case .instructionPageFault: "instruction page fault"
        case .loadPageFault: "load page fault"
        case .storePageFault: "store/AMO page fault"
        }
    }
}

/// Interrupt codes (mcause with the interrupt bit set).
public enum InterruptCause: UInt64, Sendable {
    case supervisorSoftware = 1, machineSoftware = 3, supervisorTimer = 5, machineTimer = 7
    case supervisorExternal = 9, machineExternal = 11
}

let interruptBit: UInt64 = 1 << 63

/// Names a trap cause for people: "illegal instruction", "machine timer interrupt".
public func trapCauseName(_ cause: UInt64) -> String {
    if cause & interruptBit != 0 {
        switch InterruptCause(rawValue: cause & ~interruptBit) {
        case .supervisorSoftware: return "supervisor software interrupt"
        case .machineSoftware: return "machine software interrupt"
        case .supervisorTimer: return "supervisor timer interrupt"
        case .machineTimer: return "machine timer interrupt"
        case .supervisorExternal: return "supervisor external interrupt"
        case .machineExternal: return "machine external interrupt"
        case nil: return "interrupt \(cause & ~interruptBit)"
        }
    }
    return ExceptionCause(rawValue: cause)?.name ?? "exception \(cause)"
}

extension Hart {
    /// Takes a synchronous exception raised by the instruction at `pc`.
    func raise(_ cause: ExceptionCause, value: UInt64, pc: UInt64) {
        trappedInBatch &+= 1
        // A fetch fault at the entry of the handler of the trap just taken would repeat forever:
        // the guest has no working trap handler. Report the original trap and stop.
        if cause == .instructionAccessFault || cause == .instructionPageFault, let previous = lastTrap,
           pc == vectorTarget(privilege == .machine ? mtvec : stvec, isInterrupt: previous.isInterrupt, code: previous.code),
           hostTrapHandler == nil || privilege != .user {
            let bits = inspectInstruction(at: previous.pc)
            machine.fatalFault = FaultReport(hart: id, privilege: previous.privilege, pc: previous.pc, instructionBits: bits?.bits,
                                             cause: previous.cause, value: previous.value,
                                             reason: "unhandled trap (the trap vector 0x\(String(pc, radix: 16)) cannot be fetched)")
            breakRequested = true
            return
        }
        takeTrap(cause: cause.rawValue, value: value, pc: pc)
    }

    /// Enters the trap handler: picks M or S by delegation, saves state, jumps to the vector.
    /// With a host trap hook attached, traps from U-mode go to the host instead.
    func takeTrap(cause: UInt64, value: UInt64, pc: UInt64) {
        let record = TrapRecord(cause: cause, value: value, pc: pc, privilege: privilege)
        lastTrap = record
        machine.trapCount &+= 1
        if privilege == .user, let handler = hostTrapHandler {
            self.pc = pc
            // One hart, flat timing: the batch may go on if the handler changed nothing the
            // next batch's start reads (HostTrapResume.swift).
            let resumable = mayResumeAfterHostTrap(record)
            let before = resumable ? hostTrapResumeState() : nil
            breakRequested = !resumable
            // Coherence off: a kernel on non-coherent hardware flushes the trapping core's caches.
            if let memorySystem {
                if memorySystem.keepsValues { memorySystem.flushPrivateCaches(hart: id) }
                memorySystem.forgetWait(hart: id)
                if record.isInterrupt {
                    storeCredit = 0
                    drainsStoreBuffer = true
                }
            }
            handler.handleTrap(self, record)
            // The fetch cache stays (setPCKeepingFetch says why): re-translating the PC
            // after every system call cost more than the call.
            if let before {
                if canResumeAfterHostTrap(before) { resumeAfterHostTrap() } else { breakRequested = true }
            }
            return
        }
        let isInterrupt = cause & interruptBit != 0
        let code = cause & ~interruptBit
        let delegation = isInterrupt ? mideleg : medeleg
        let toSupervisor = privilege != .machine && code < 64 && (delegation >> code) & 1 != 0
        if toSupervisor {
            scause = cause
            sepc = pc
            stval = value
            var status = mstatus
            status = (status & ~CSRBits.spp) | (privilege == .supervisor ? CSRBits.spp : 0)
            status = (status & ~CSRBits.spie) | ((status & CSRBits.sie) != 0 ? CSRBits.spie : 0)
            status &= ~CSRBits.sie
            mstatus = status
            privilege = .supervisor
            self.pc = vectorTarget(stvec, isInterrupt: isInterrupt, code: code)
        } else {
            mcause = cause
            mepc = pc
            mtval = value
            var status = mstatus
            status = (status & ~CSRBits.mpp) | (UInt64(privilege.rawValue) << 11)
            status = (status & ~CSRBits.mpie) | ((status & CSRBits.mie) != 0 ? CSRBits.mpie : 0)
            status &= ~CSRBits.mie
            mstatus = status
            privilege = .machine
            self.pc = vectorTarget(mtvec, isInterrupt: isInterrupt, code: code)
        }
        updateTranslation()
    }

    func vectorTarget(_ vector: UInt64, isInterrupt: Bool, code: UInt64) -> UInt64 {
        let base = vector & ~3
        if isInterrupt && vector & 3 == 1 { return base &+ 4 &* code }
        return base
    }

    /// `mret`: returns to the privilege in MPP, restoring MIE from MPIE.
    func returnFromMachineTrap() {
        let previous = PrivilegeMode(rawValue: UInt8((mstatus >> 11) & 3)) ?? .user
        var status = mstatus
        status = (status & ~CSRBits.mie) | ((status & CSRBits.mpie) != 0 ? CSRBits.mie : 0)
        status |= CSRBits.mpie
        status &= ~CSRBits.mpp   // MPP becomes U, the least-privileged mode
        if previous != .machine { status &= ~CSRBits.mprv }
        mstatus = status
        privilege = previous
        pc = mepc
        updateTranslation()
        breakRequested = true
    }

    /// `sret`: returns to the privilege in SPP, restoring SIE from SPIE.
    func returnFromSupervisorTrap() {
        let previous: PrivilegeMode = mstatus & CSRBits.spp != 0 ? .supervisor : .user
        var status = mstatus
        status = (status & ~CSRBits.sie) | ((status & CSRBits.spie) != 0 ? CSRBits.sie : 0)
        status |= CSRBits.spie
        status &= ~CSRBits.spp
        status &= ~CSRBits.mprv
        mstatus = status
        privilege = previous
        pc = sepc
        updateTranslation()
        breakRequested = true
    }

    /// The interrupt to take now, if any: pending, enabled, and allowed at this privilege.
    func pendingInterrupt() -> UInt64? {
        let pendingEnabled = pendingBits(among: mie)
        guard pendingEnabled != 0 else { return nil }
        // Machine-level: taken if not delegated and (below M, or M with MIE set).
        let machineEnabled = privilege != .machine || mstatus & CSRBits.mie != 0
        let machineCandidates = machineEnabled ? pendingEnabled & ~mideleg : 0
        // Supervisor-level (delegated): taken below S, or in S with SIE set; never in M.
        let supervisorEnabled = privilege == .user || (privilege == .supervisor && mstatus & CSRBits.sie != 0)
        let supervisorCandidates = supervisorEnabled ? pendingEnabled & mideleg : 0
        // No array literals here: this runs at every batch with interrupts enabled. Only
        // the six standard codes are taken; machine-level ones before supervisor ones.
        let standard: UInt64 = 1 << 11 | 1 << 3 | 1 << 7 | 1 << 9 | 1 << 1 | 1 << 5
        let machineTaken = machineCandidates & standard
        let candidates = machineTaken != 0 ? machineTaken : supervisorCandidates & standard
        guard candidates != 0 else { return nil }
        return interruptBit | Hart.highestPriorityInterrupt(candidates)
    }

    /// The code taken first among `candidates` (nonzero, standard codes only): MEI, MSI,
    /// MTI, SEI, SSI, STI.
    @inline(__always)
    static func highestPriorityInterrupt(_ candidates: UInt64) -> UInt64 {
        if candidates & (1 << 11) != 0 { return 11 }
        if candidates & (1 << 3) != 0 { return 3 }
        if candidates & (1 << 7) != 0 { return 7 }
        if candidates & (1 << 9) != 0 { return 9 }
        if candidates & (1 << 1) != 0 { return 1 }
        return 5
    }

    /// Takes the highest-priority pending interrupt, if any; true if one was taken.
    @discardableResult
    func takePendingInterrupt() -> Bool {
        guard let cause = pendingInterrupt() else { return false }
        waitingForInterrupt = false
        takeTrap(cause: cause, value: 0, pc: pc)
        return true
    }

    /// Whether `wfi` should stop waiting. The specification requires waking for any interrupt
    /// pending and enabled in mie, whatever the global enables say, and lets WFI complete at
    /// any time; like Spike, this machine also completes it while any interrupt is pending
    /// at all, so a sleeper is never stranded by a disabled source (riscv-tests rv64si-wfi).
    var hasWakeUpInterrupt: Bool { mip != 0 }
}
