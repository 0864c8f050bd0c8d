// The slow half of execution: every operation the run loop does not finish inline.
// Loads and stores in full (translation, devices, faults), system instructions,
// Zicsr, the A extension and dispatch to the floating-point unit. On entry `pc` is
// the instruction's address; on exit it is the next PC or a trap handler's.

extension Hart {
    func executeSlow(_ inst: DecodedInstruction) {
        let pc = self.pc
        let next = pc &+ UInt64(inst.length)
        let rd = Int(inst.rd), rs1 = Int(inst.rs1), rs2 = Int(inst.rs2)
        let address = x[rs1] &+ UInt64(bitPattern: inst.imm)

        func illegal() {
            let bits = inst.operation == .illegal ? UInt64(inst.imm) : instructionBits(at: pc, length: inst.length)
            raise(.illegalInstruction, value: bits, pc: pc)
        }

        switch inst.operation {
        case .lb, .lh, .lw, .ld, .lbu, .lhu, .lwu:
            let size = inst.operation.accessSize
            guard let raw = loadSlow(address, size: size, pc: pc) else { return }
            x[rd] = inst.operation.signExtendsLoad ? signExtend(raw, bytes: size) : raw
        case .sb, .sh, .sw, .sd:
            guard storeSlow(address, size: inst.operation.accessSize, value: x[rs2], pc: pc) else { return }
        case .flw, .fld:
            guard mstatus & CSRBits.fs != 0 else { return illegal() }
            let single = inst.operation == .flw
            guard let raw = loadSlow(address, size: inst.operation.accessSize, pc: pc) else { return }
            f[rd] = single ? boxSingle(UInt32(truncatingIfNeeded: raw)) : raw
            mstatus |= CSRBits.fs
        case .fsw, .fsd:
            guard mstatus & CSRBits.fs != 0 else { return illegal() }
            guard storeSlow(address, size: inst.operation.accessSize, value: f[rs2], pc: pc) else { return }

        case .fence:
            drainsStoreBuffer = memorySystem != nil
            if let raceLog {
                raceLog.append(RaceLogRecord(kind: .fence, bits: UInt8(truncatingIfNeeded: inst.funct), thread: Int32(truncatingIfNeeded: id), pc: pc))
            }
        case .fenceI:
            // Decoded instructions are invalidated on every store, so the cache is already coherent.
            invalidateFetch()
        case .ecall:
            let cause: ExceptionCause = switch privilege {
            case .user: .environmentCallFromU
            case .supervisor: .environmentCallFromS
            case .machine: .environmentCallFromM
            }
            return raise(cause, value: 0, pc: pc)
        case .ebreak: return raise(.breakpoint, value: pc, pc: pc)
        case .mret:
            guard privilege == .machine else { return illegal() }
            return returnFromMachineTrap()
        case .sret:
            guard privilege == .machine || (privilege == .supervisor && mstatus & CSRBits.tsr == 0) else { return illegal() }
            return returnFromSupervisorTrap()
        case .wfi:
            if privilege == .user || (privilege == .supervisor && mstatus & CSRBits.tw != 0) { return illegal() }
            self.pc = next
            if !hasWakeUpInterrupt { waitingForInterrupt = true }
            breakRequested = true
            return
        case .sfenceVMA:
            if privilege == .user || (privilege == .supervisor && mstatus & CSRBits.tvm != 0) { return illegal() }
            fenceVirtualMemory(address: rs1 == 0 ? nil : x[rs1], asid: rs2 == 0 ? nil : UInt16(truncatingIfNeeded: x[rs2]))
            breakRequested = true

        case .csrrw, .csrrs, .csrrc, .csrrwi, .csrrsi, .csrrci:
            guard executeCSR(inst) else { return illegal() }

        case .lr, .sc, .amoswap, .amoadd, .amoxor, .amoand, .amoor, .amomin, .amomax, .amominu, .amomaxu:
            guard executeAtomic(inst, address: x[rs1]) else { return }

        case .illegal: return illegal()
        default:
            guard inst.operation.rawValue >= Operation.fmadd.rawValue else { return illegal() }
            guard executeFloat(inst) else { return illegal() }
        }
        self.pc = next
    }

    /// The instruction's bits as fetched, for `mtval` on an illegal instruction.
    func instructionBits(at pc: UInt64, length: UInt8) -> UInt64 {
        guard let physical = translatedForInspection(pc) else { return 0 }
        return memory.readInteger(at: physical, size: Int(length)) ?? 0
    }

    /// Translates without side effects on faults (for reports and `mtval`).
    func translatedForInspection(_ address: UInt64) -> UInt64? {
        guard fetchTranslated else { return address }
        if case .success(let entry) = walk(address, .fetch) { return entry.physicalPage << 12 | (address & 0xFFF) }
        return nil
    }

    /// Zicsr. CSRRS/CSRRC with rs1 = x0 (or a zero immediate) do not write, so read-only CSRs
    /// may be read with them. CSRRW with rd = x0 skips the read's side effects, and no CSR
    /// read here has any, so every form reads (which also checks existence and privilege).
    func executeCSR(_ inst: DecodedInstruction) -> Bool {
        let number = inst.funct
        let rd = Int(inst.rd)
        let immediate = inst.operation == .csrrwi || inst.operation == .csrrsi || inst.operation == .csrrci
        let operand = immediate ? UInt64(inst.imm) : x[Int(inst.rs1)]
        let writes: Bool
        switch inst.operation {
        case .csrrw, .csrrwi: writes = true
        default: writes = inst.rs1 != 0
        }
        if writes && number >> 10 == 3 { return false }
        guard let old = readCSR(number) else { return false }
        if writes {
            let newValue: UInt64 = switch inst.operation {
            case .csrrw, .csrrwi: operand
            case .csrrs, .csrrsi: old | operand
            default: old & ~operand
            }
            guard writeCSR(number, newValue) else { return false }
        }
        x[rd] = old
        return true
    }

    /// LR/SC and the AMOs, atomic across harts (harts run one at a time on the host).
    /// Returns false after raising a fault.
    func executeAtomic(_ inst: DecodedInstruction, address: UInt64) -> Bool {
        let size = Int(inst.imm)
        let pc = self.pc
        let rd = Int(inst.rd)
        let source = x[Int(inst.rs2)]
        if address & UInt64(size - 1) != 0 {
            raise(inst.operation == .lr ? .loadAddressMisaligned : .storeAddressMisaligned, value: address, pc: pc)
            return false
        }
        let kind: AccessKind = inst.operation == .lr ? .load : .store
        guard let physical = translate(address, kind, pc: pc) else { return false }
        guard let offset = memory.offset(of: physical, length: UInt64(size)),
              pmpAllows(physical, size: UInt64(size), kind: kind, mode: dataPrivilege) else {
            raise(kind == .load ? .loadAccessFault : .storeAccessFault, value: address, pc: pc)
            return false
        }
        if pointWatch != nil {
            let reason: PendingAccess.Reason = inst.operation == .lr ? .loadReserved : inst.operation == .sc ? .storeConditional : .atomic
            guard checkPoint(offset: offset, lastOffset: offset &+ size &- 1, physical: physical, kind: .sync, reason: reason, pc: pc) else { return false }
        }
        // The line taken in M (coherence off: this core's copy written back and dropped first).
        if let memorySystem {
            drainsStoreBuffer = true
            guard charge(memorySystem.atomic(hart: id, offset: offset, size: size, pc: pc, now: cycle)) else { return false }
        }
        let old = loadLittleEndian(memory.bytes + offset, size: size)
        let loaded = size == 4 ? signExtend32(UInt32(truncatingIfNeeded: old)) : old
        switch inst.operation {
        case .lr:
            if let raceLog { logAtomic(raceLog, .loadReserved, inst, physical: physical, virtual: address, succeeded: true) }
            machine.setReservation(hart: self, physical: physical)
            x[rd] = loaded
            return true
        case .sc:
            let success = reservation == physical
            machine.clearReservation(hart: self)
            if success { physicalStore(physical, size: size, value: source) }
            if let raceLog { logAtomic(raceLog, .storeConditional, inst, physical: physical, virtual: address, succeeded: success) }
            x[rd] = success ? 0 : 1
            return true
        default: break
        }
        let operand = size == 4 ? signExtend32(UInt32(truncatingIfNeeded: source)) : source
        let result: UInt64 = switch inst.operation {
        case .amoswap: operand
        case .amoadd: loaded &+ operand
        case .amoxor: loaded ^ operand
        case .amoand: loaded & operand
        case .amoor: loaded | operand
        case .amomin: Int64(bitPattern: loaded) < Int64(bitPattern: operand) ? loaded : operand
        case .amomax: Int64(bitPattern: loaded) > Int64(bitPattern: operand) ? loaded : operand
        case .amominu: (size == 4 ? loaded & 0xFFFF_FFFF : loaded) < (size == 4 ? operand & 0xFFFF_FFFF : operand) ? loaded : operand
        default: (size == 4 ? loaded & 0xFFFF_FFFF : loaded) > (size == 4 ? operand & 0xFFFF_FFFF : operand) ? loaded : operand
        }
        if let raceLog { logAtomic(raceLog, .atomic, inst, physical: physical, virtual: address, succeeded: true) }
        physicalStore(physical, size: size, value: result)
        x[rd] = loaded
        return true
    }
}

@inline(__always) func signExtend(_ value: UInt64, bytes: Int) -> UInt64 {
    let shift = UInt64(64 - 8 * bytes)
    return UInt64(bitPattern: Int64(bitPattern: value << shift) >> Int64(shift))
}
