// Control and status registers: their numbers, which bits exist and are writable,
// and the access rules of the privileged specification (the lowest privilege encoded in
// bits 9:8 of the number, read-only registers in 0xC00-0xFFF and the like, FS for the
// floating-point CSRs, counter enables, TVM for satp, Sstc for stimecmp).

enum CSRNumber {
    static let fflags: UInt16 = 0x001, frm: UInt16 = 0x002, fcsr: UInt16 = 0x003
    static let cycle: UInt16 = 0xC00, time: UInt16 = 0xC01, instret: UInt16 = 0xC02
    static let sstatus: UInt16 = 0x100, sie: UInt16 = 0x104, stvec: UInt16 = 0x105, scounteren: UInt16 = 0x106
    static let senvcfg: UInt16 = 0x10A, sscratch: UInt16 = 0x140, sepc: UInt16 = 0x141, scause: UInt16 = 0x142
    static let stval: UInt16 = 0x143, sip: UInt16 = 0x144, stimecmp: UInt16 = 0x14D, satp: UInt16 = 0x180
    static let mvendorid: UInt16 = 0xF11, marchid: UInt16 = 0xF12, mimpid: UInt16 = 0xF13, mhartid: UInt16 = 0xF14
    static let mconfigptr: UInt16 = 0xF15
    static let mstatus: UInt16 = 0x300, misa: UInt16 = 0x301, medeleg: UInt16 = 0x302, mideleg: UInt16 = 0x303
    static let mie: UInt16 = 0x304, mtvec: UInt16 = 0x305, mcounteren: UInt16 = 0x306, menvcfg: UInt16 = 0x30A
    static let mcountinhibit: UInt16 = 0x320, mscratch: UInt16 = 0x340, mepc: UInt16 = 0x341
    static let mcause: UInt16 = 0x342, mtval: UInt16 = 0x343, mip: UInt16 = 0x344
    static let mcycle: UInt16 = 0xB00, minstret: UInt16 = 0xB02
    static let tselect: UInt16 = 0x7A0, tdata1: UInt16 = 0x7A1, tdata3: UInt16 = 0x7A3
}

enum CSRBits {
    static let sie: UInt64 = 1 << 1, mie: UInt64 = 1 << 3, spie: UInt64 = 1 << 5, mpie: UInt64 = 1 << 7
    static let spp: UInt64 = 1 << 8, mpp: UInt64 = 3 << 11, fs: UInt64 = 3 << 13
    static let mprv: UInt64 = 1 << 17, sum: UInt64 = 1 << 18, mxr: UInt64 = 1 << 19
    static let tvm: UInt64 = 1 << 20, tw: UInt64 = 1 << 21, tsr: UInt64 = 1 << 22, sd: UInt64 = 1 << 63
    /// UXL = SXL = 2 (64-bit), read-only.
    static let mstatusXLFields: UInt64 = (2 << 32) | (2 << 34)
    static let mstatusWritable: UInt64 = sie | mie | spie | mpie | spp | mpp | fs | mprv | sum | mxr | tvm | tw | tsr
    static let sstatusVisible: UInt64 = sie | spie | spp | fs | sum | mxr | (3 << 32) | sd
    static let sstatusWritable: UInt64 = sie | spie | spp | fs | sum | mxr

    // Interrupt bits of mip/mie.
    static let ssip: UInt64 = 1 << 1, msip: UInt64 = 1 << 3, stip: UInt64 = 1 << 5, mtip: UInt64 = 1 << 7
    static let seip: UInt64 = 1 << 9, meip: UInt64 = 1 << 11
    static let supervisorInterrupts: UInt64 = ssip | stip | seip
    static let allInterrupts: UInt64 = supervisorInterrupts | msip | mtip | meip
    /// Exceptions that may be delegated: all but ecall from M-mode (11) and the reserved codes.
    static let delegableExceptions: UInt64 = 0xB3FF

    /// RV64 (MXL=2) with A, C, D, F, I, M, S, U.
    static let misa: UInt64 = (2 << 62) | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20)
    /// menvcfg: FIOM (bit 0), STCE (bit 63, enables Sstc's stimecmp) and, with Svadu,
    /// ADUE (bit 61, the walker sets A and D).
    static let menvcfgWritable: UInt64 = 1 | (1 << 63)
    static let stce: UInt64 = 1 << 63
    static let adue: UInt64 = 1 << 61
}

extension Hart {
    /// The value of `mip` as the hart sees it: software bits plus device lines.
    var mip: UInt64 { pendingBits(among: ~0) }

    /// The bits of `mip` within `mask`, asking only the devices behind those bits: taking
    /// an interrupt checks just the enabled ones (a host kernel's timer and IPI, say).
    func pendingBits(among mask: UInt64) -> UInt64 {
        var pending = mipSoftware & mask
        if mask & CSRBits.msip != 0, machine.clint.msip[id] { pending |= CSRBits.msip }
        if mask & CSRBits.mtip != 0, time >= machine.clint.mtimecmp[id] { pending |= CSRBits.mtip }
        if mask & CSRBits.stip != 0, menvcfg & CSRBits.stce != 0 {
            pending &= ~CSRBits.stip
            if time >= stimecmp { pending |= CSRBits.stip }
        }
        if mask & CSRBits.meip != 0, machine.externalInterruptPending(hart: id, supervisor: false) { pending |= CSRBits.meip }
        if mask & CSRBits.seip != 0, machine.externalInterruptPending(hart: id, supervisor: true) { pending |= CSRBits.seip }
        return pending
    }

    /// The status register with SD recomputed from FS.
    var mstatusValue: UInt64 {
        var value = mstatus
        if value & CSRBits.fs == CSRBits.fs { value |= CSRBits.sd } else { value &= ~CSRBits.sd }
        return value
    }

    /// `instret` as a CSR read sees it (Zicsr, "CSR Access Ordering"): the count before the reading
    /// instruction. The run loop has already counted the current instruction, and subtracts
    /// the instructions of the batch that trapped instead of retiring only when the batch ends.
    var retiredBeforeCurrent: UInt64 { instret &- trappedInBatch &- 1 }

    /// Whether a counter (bit `index` of the counter-enable CSRs) may be read at the current privilege.
    func counterAccessible(_ index: Int) -> Bool {
        switch privilege {
        case .machine: return true
        case .supervisor: return (mcounteren >> UInt64(index)) & 1 != 0
        case .user: return (mcounteren >> UInt64(index)) & 1 != 0 && (scounteren >> UInt64(index)) & 1 != 0
        }
    }

    /// Reads a CSR for an instruction, or nil if the access is illegal from the current state.
    func readCSR(_ number: UInt16) -> UInt64? {
        guard UInt8((number >> 8) & 3) <= privilege.rawValue else { return nil }
        switch number {
        case CSRNumber.fflags, CSRNumber.frm, CSRNumber.fcsr:
            guard mstatus & CSRBits.fs != 0 else { return nil }
            if number == CSRNumber.fflags { return UInt64(fflags) }
            if number == CSRNumber.frm { return UInt64(frm) }
            return UInt64(frm) << 5 | UInt64(fflags)
        case 0xC00...0xC1F:
            guard counterAccessible(Int(number - 0xC00)) else { return nil }
            switch number {
            case CSRNumber.cycle: return cycle
            case CSRNumber.time: return time
            case CSRNumber.instret: return retiredBeforeCurrent
            default: return 0
            }
        case CSRNumber.mcycle: return cycle
        case CSRNumber.minstret: return retiredBeforeCurrent
        case 0xB03...0xB1F, 0x323...0x33F: return 0   // hpm counters and events: present, hard-wired to zero
        case CSRNumber.sstatus: return mstatusValue & CSRBits.sstatusVisible
        case CSRNumber.sie: return mie & mideleg
        case CSRNumber.stvec: return stvec
        case CSRNumber.scounteren: return scounteren
        case CSRNumber.senvcfg: return senvcfg
        case CSRNumber.sscratch: return sscratch
        case CSRNumber.sepc: return sepc
        case CSRNumber.scause: return scause
        case CSRNumber.stval: return stval
        case CSRNumber.sip: return mip & mideleg
        case CSRNumber.stimecmp:
            guard stimecmpAccessible else { return nil }
            return stimecmp
        case CSRNumber.satp:
            if privilege == .supervisor && mstatus & CSRBits.tvm != 0 { return nil }
            return satp
        case CSRNumber.mvendorid, CSRNumber.marchid, CSRNumber.mimpid, CSRNumber.mconfigptr: return 0
        case CSRNumber.mhartid: return UInt64(id)
        case CSRNumber.mstatus: return mstatusValue
        case CSRNumber.misa: return CSRBits.misa
        case CSRNumber.medeleg: return medeleg
        case CSRNumber.mideleg: return mideleg
        case CSRNumber.mie: return mie
        case CSRNumber.mtvec: return mtvec
        case CSRNumber.mcounteren: return mcounteren
        case CSRNumber.menvcfg: return menvcfg
        case CSRNumber.mcountinhibit: return mcountinhibit
        case CSRNumber.mscratch: return mscratch
        case CSRNumber.mepc: return mepc
        case CSRNumber.mcause: return mcause
        case CSRNumber.mtval: return mtval
        case CSRNumber.mip: return mip
        case 0x3A0...0x3AF: return pmp.readConfig(number)   // pmpcfg (even numbers on RV64)
        case 0x3B0...0x3EF: return pmp.readAddress(Int(number - 0x3B0))
        case CSRNumber.tselect: return tselect
        case CSRNumber.tdata1...CSRNumber.tdata3: return 0    // no triggers: type 0
        default: return nil
        }
    }

    var stimecmpAccessible: Bool {
        switch privilege {
        case .machine: return true
        case .supervisor: return menvcfg & CSRBits.stce != 0 && mcounteren & 2 != 0
        case .user: return false
        }
    }

    /// Writes a CSR for an instruction; false if the write is illegal. Read-only numbers
    /// (bits 11:10 = 0b11) are rejected by the caller before any read side effect.
    func writeCSR(_ number: UInt16, _ value: UInt64) -> Bool {
        guard UInt8((number >> 8) & 3) <= privilege.rawValue, number >> 10 != 3 else { return false }
        switch number {
        case CSRNumber.fflags, CSRNumber.frm, CSRNumber.fcsr:
            guard mstatus & CSRBits.fs != 0 else { return false }
            switch number {
            case CSRNumber.fflags: fflags = UInt8(value & 0x1F)
            case CSRNumber.frm: frm = UInt8(value & 7)
            default:
                fflags = UInt8(value & 0x1F)
                frm = UInt8((value >> 5) & 7)
            }
            mstatus |= CSRBits.fs
        case CSRNumber.mcycle: cycle = value
        case CSRNumber.minstret:
            // The value written is what the next instruction reads: the writing instruction is
            // already counted, and the batch's trapped instructions are subtracted at its end.
            instret = value &+ trappedInBatch
        case 0xB03...0xB1F, 0x323...0x33F: break
        case CSRNumber.sstatus:
            mstatus = (mstatus & ~CSRBits.sstatusWritable) | (value & CSRBits.sstatusWritable)
            afterStatusChange()
        case CSRNumber.sie:
            mie = (mie & ~mideleg) | (value & mideleg & CSRBits.allInterrupts)
            breakRequested = true
        case CSRNumber.stvec: stvec = legalTrapVector(value)
        case CSRNumber.scounteren: scounteren = value & 0xFFFF_FFFF
        case CSRNumber.senvcfg: senvcfg = value & 1
        case CSRNumber.sscratch: sscratch = value
        case CSRNumber.sepc: sepc = value & ~1
        case CSRNumber.scause: scause = value
        case CSRNumber.stval: stval = value
        case CSRNumber.sip:
            let writable = CSRBits.ssip & mideleg
            mipSoftware = (mipSoftware & ~writable) | (value & writable)
            breakRequested = true
        case CSRNumber.stimecmp:
            guard stimecmpAccessible else { return false }
            stimecmp = value
            breakRequested = true
        case CSRNumber.satp:
            if privilege == .supervisor && mstatus & CSRBits.tvm != 0 { return false }
            let mode = value >> 60
            // Writes with an unsupported MODE have no effect at all (privileged spec, satp).
            guard mode == 0 || mode == 8 else { return true }
            satp = value & ((0xF << 60) | (0xFFFF << 44) | ((1 << 44) - 1))
            flushFastTLB()
            updateTranslation()
            breakRequested = true
        case CSRNumber.mstatus:
            var writable = CSRBits.mstatusWritable
            let newMPP = (value >> 11) & 3
            if newMPP == 2 { writable &= ~CSRBits.mpp }   // MPP is WARL: keep the old, legal value
            mstatus = (mstatus & ~writable) | (value & writable)
            afterStatusChange()
        case CSRNumber.misa: break
        case CSRNumber.medeleg: medeleg = value & CSRBits.delegableExceptions
        case CSRNumber.mideleg:
            mideleg = value & CSRBits.supervisorInterrupts
            breakRequested = true
        case CSRNumber.mie:
            mie = value & CSRBits.allInterrupts
            breakRequested = true
        case CSRNumber.mtvec: mtvec = legalTrapVector(value)
        case CSRNumber.mcounteren: mcounteren = value & 0xFFFF_FFFF
        case CSRNumber.menvcfg:
            let writable = CSRBits.menvcfgWritable | (machine.configuration.accessDirtyUpdates == .hardware ? CSRBits.adue : 0)
            menvcfg = value & writable
            breakRequested = true
        case CSRNumber.mcountinhibit: mcountinhibit = value & 0xFFFF_FFFD
        case CSRNumber.mscratch: mscratch = value
        case CSRNumber.mepc: mepc = value & ~1
        case CSRNumber.mcause: mcause = value
        case CSRNumber.mtval: mtval = value
        case CSRNumber.mip:
            var writable = CSRBits.supervisorInterrupts
            if menvcfg & CSRBits.stce != 0 { writable &= ~CSRBits.stip }
            mipSoftware = (mipSoftware & ~writable) | (value & writable)
            breakRequested = true
        case 0x3A0...0x3AF:
            guard pmp.writeConfig(number, value) else { return false }
            pmpChanged()
        case 0x3B0...0x3EF:
            pmp.writeAddress(Int(number - 0x3B0), value)
            pmpChanged()
        case CSRNumber.tselect: tselect = 0
        case CSRNumber.tdata1...CSRNumber.tdata3: break
        default: return false
        }
        return true
    }

    /// mtvec/stvec: MODE 0 (direct) and 1 (vectored) exist; other modes are WARL-mapped to direct.
    func legalTrapVector(_ value: UInt64) -> UInt64 {
        let mode = value & 3
        return (value & ~3) | (mode == 1 ? 1 : 0)
    }

    func afterStatusChange() {
        updateTranslation()
        breakRequested = true
    }
}
