// The run loop: the product's engine. It fetches pre-decoded instructions from the
// per-page cache and executes the common integer, branch, load and store operations
// inline. Anything else — and any fast path that does not apply (MMIO, translation,
// a page that needs watching) — falls through to `executeSlow`, which handles every
// operation in full. Registers and RAM are flat buffers; nothing here allocates,
// retains or looks anything up in a dictionary.

extension Hart {
    /// Runs at most `limit` instructions, stopping early when a slow path asks for it
    /// (a trap to the host, an interrupt-enable change, a device event, `wfi`).
    /// Instructions that other harts can observe or influence — memory accesses and every
    /// slow-path operation — run only while at most `memoryLimit` cycles have passed (one
    /// per instruction without caches or SMT; with them, the cycle it issues in counts, and a
    /// fetch from a new line is such an access too); the batch stops before the first one
    /// beyond it (`reachedHorizon`), so harts may run ahead through register-only code
    /// without changing any observable order.
    /// Returns the number of instructions stepped (retired or trapped).
    /// With caches or SMT the batch also ends before an instruction that would issue at or
    /// after `cycleLimit` (a timer deadline), since instructions then cost more than a cycle.
    func runBatch(limit: Int, memoryLimit: Int = .max, cycleLimit: UInt64 = .max) -> Int {
        if !modelsTiming { return runInstructions(limit: limit, memoryLimit: memoryLimit, timing: FlatTiming()) }
        return modelsCachesOnly && storeCredit == 0
            ? runInstructions(limit: limit, memoryLimit: memoryLimit, timing: ModelledTiming<CachesOnly>(hart: self, cycleLimit: cycleLimit))
            : runInstructions(limit: limit, memoryLimit: memoryLimit, timing: ModelledTiming<AnyModel>(hart: self, cycleLimit: cycleLimit))
    }

    /// `runBatch` for one way of accounting time; specialised for each (InstructionTiming.swift).
    @inline(never)
    func runInstructions<Timing: InstructionTiming>(limit: Int, memoryLimit: Int, timing: Timing) -> Int {
        var timing = timing
        // A copy the inline helpers below read, so they do not capture `timing` itself.
        let dataThroughSlowPath = timing.dataThroughSlowPath
        let x = self.x
        let f = self.f
        let ram = memory.bytes
        let ramBase = memory.base
        let ramSize = memory.size
        let pageFlags = memory.pageFlags
        var pc = self.pc
        var block = fetchBlock
        var pageBase = fetchPageBase
        var stepped = 0
        var accounted = 0
        breakRequested = false
        reachedHorizon = false
        trappedInBatch = 0

        // Offset of `[address, address+size)` in RAM when the access can be done inline:
        // untranslated, inside RAM, not crossing a page, and the page needs no watching.
        // With translation (or PMP) on, one compare against the fast TLB (FastTLB.swift)
        // answers all of that for pages already translated.
        let fastTLB = fastLoadTag
        let tlbMask = UInt64(Hart.fastTLBSize - 1), storeTags = Hart.fastTLBSize, deltas = 2 * Hart.fastTLBSize
        @inline(__always) func fastLoadOffset(_ address: UInt64, _ size: UInt64, _ position: Int) -> Int? {
            guard !dataThroughSlowPath, position <= memoryLimit else { return nil }
            if !dataUsesFastTLB {
                let offset = address &- ramBase
                guard offset <= ramSize &- size else { return nil }
                return Int(truncatingIfNeeded: offset)
            }
            let index = Int(truncatingIfNeeded: (address >> 12) & tlbMask)
            guard fastTLB[index] == (address &+ (size &- 1)) >> 12 else { return nil }
            return Int(truncatingIfNeeded: address &+ fastTLB[deltas &+ index])
        }
        @inline(__always) func fastStoreOffset(_ address: UInt64, _ size: UInt64, _ position: Int) -> Int? {
            guard !dataThroughSlowPath, position <= memoryLimit else { return nil }
            if !dataUsesFastTLB {
                let offset = address &- ramBase
                guard offset <= ramSize &- size, offset & 0xFFF <= 4096 &- size,
                      pageFlags[Int(truncatingIfNeeded: offset >> 12)] == 0 else { return nil }
                return Int(truncatingIfNeeded: offset)
            }
            let index = Int(truncatingIfNeeded: (address >> 12) & tlbMask)
            guard fastTLB[storeTags &+ index] == (address &+ (size &- 1)) >> 12 else { return nil }
            return Int(truncatingIfNeeded: address &+ fastTLB[deltas &+ index])
        }

        loop: while stepped < limit {
            let pageOffset = pc &- pageBase
            var inst: DecodedInstruction
            if Timing.issuesBeforeReadingRecord {
                // With caches the instruction issues (and may call into the memory system)
                // before its record is read, so its fields are not kept across that call.
                let slot = Int(truncatingIfNeeded: pageOffset >> 1)
                if pageOffset < 4096 && block[slot].operation.rawValue > Operation.refetch.rawValue {
                    stepped &+= 1
                    if !timing.issue(pc: pc, stepped: stepped, memoryLimit: memoryLimit) {
                        // Its fetch would come before another hart's earlier access, or it
                        // would issue past a timer deadline: stop before it.
                        stepped &-= 1
                        reachedHorizon = true
                        break loop
                    }
                    inst = block[slot]
                } else {
                    self.pc = pc
                    guard let fetched = fetchSlow() else {
                        // The fetch trapped; the trap handler's PC is in self.pc.
                        stepped &+= 1
                        timing.fetchTrapped()
                        pc = self.pc
                        block = fetchBlock
                        pageBase = fetchPageBase
                        if breakRequested { break loop }
                        continue loop
                    }
                    block = fetchBlock
                    pageBase = fetchPageBase
                    stepped &+= 1
                    if !timing.issue(pc: pc, stepped: stepped, memoryLimit: memoryLimit) {
                        stepped &-= 1
                        reachedHorizon = true
                        break loop
                    }
                    inst = fetched
                }
            } else {
                // One cycle per instruction: the loop exactly as it was before caches existed.
                inst = pageOffset < 4096 ? block[Int(truncatingIfNeeded: pageOffset >> 1)] : DecodedInstruction(operation: .refetch)
                if inst.operation.rawValue <= Operation.refetch.rawValue {
                    self.pc = pc
                    guard let fetched = fetchSlow() else {
                        stepped &+= 1
                        timing.fetchTrapped()
                        pc = self.pc
                        block = fetchBlock
                        pageBase = fetchPageBase
                        if breakRequested { break loop }
                        continue loop
                    }
                    inst = fetched
                    block = fetchBlock
                    pageBase = fetchPageBase
                }
                stepped &+= 1
                if !timing.issue(pc: pc, stepped: stepped, memoryLimit: memoryLimit) {
                    stepped &-= 1
                    reachedHorizon = true
                    break loop
                }
            }
            // How far this instruction is from the batch's start, against `memoryLimit`.
            let position = timing.position(stepped: stepped)
            let rd = Int(truncatingIfNeeded: inst.rd)
            let rs1 = Int(truncatingIfNeeded: inst.rs1)
            let rs2 = Int(truncatingIfNeeded: inst.rs2)
            let imm = UInt64(bitPattern: inst.imm)
            let next = pc &+ UInt64(truncatingIfNeeded: inst.length)

            switch inst.operation {
            // MARK: RV64I — upper immediates, jumps, branches
            // Branches are real host branches, not selects, so the host predicts the guest's
            // branch and starts on the next instruction without waiting for the registers.
            case .lui: x[rd] = imm; pc = next; continue loop
            case .auipc: x[rd] = pc &+ imm; pc = next; continue loop
            case .jal: x[rd] = next; pc = pc &+ imm; continue loop
            case .jalr:
                let target = (x[rs1] &+ imm) & ~1
                x[rd] = next
                pc = target
                continue loop
            case .beq: if _fastPath(x[rs1] == x[rs2]) { pc = pc &+ imm; continue loop }; pc = next; continue loop
            case .bne: if _fastPath(x[rs1] != x[rs2]) { pc = pc &+ imm; continue loop }; pc = next; continue loop
            case .blt: if _fastPath(Int64(bitPattern: x[rs1]) < Int64(bitPattern: x[rs2])) { pc = pc &+ imm; continue loop }; pc = next; continue loop
            case .bge: if _fastPath(Int64(bitPattern: x[rs1]) >= Int64(bitPattern: x[rs2])) { pc = pc &+ imm; continue loop }; pc = next; continue loop
            case .bltu: if _fastPath(x[rs1] < x[rs2]) { pc = pc &+ imm; continue loop }; pc = next; continue loop
            case .bgeu: if _fastPath(x[rs1] >= x[rs2]) { pc = pc &+ imm; continue loop }; pc = next; continue loop

            // MARK: Loads and stores (inline when untranslated RAM)
            case .lb:
                if let offset = fastLoadOffset(x[rs1] &+ imm, 1, position), timing.load(offset: offset, size: 1, pc: pc, position: position) {
                    x[rd] = UInt64(bitPattern: Int64(ram.load(fromByteOffset: offset, as: Int8.self))); pc = next; continue loop
                }
            case .lh:
                if let offset = fastLoadOffset(x[rs1] &+ imm, 2, position), timing.load(offset: offset, size: 2, pc: pc, position: position) {
                    x[rd] = UInt64(bitPattern: Int64(ram.loadUnaligned(fromByteOffset: offset, as: Int16.self))); pc = next; continue loop
                }
            case .lw:
                if let offset = fastLoadOffset(x[rs1] &+ imm, 4, position), timing.load(offset: offset, size: 4, pc: pc, position: position) {
                    x[rd] = UInt64(bitPattern: Int64(ram.loadUnaligned(fromByteOffset: offset, as: Int32.self))); pc = next; continue loop
                }
            case .ld:
                if let offset = fastLoadOffset(x[rs1] &+ imm, 8, position), timing.load(offset: offset, size: 8, pc: pc, position: position) {
                    x[rd] = ram.loadUnaligned(fromByteOffset: offset, as: UInt64.self); pc = next; continue loop
                }
            case .lbu:
                if let offset = fastLoadOffset(x[rs1] &+ imm, 1, position), timing.load(offset: offset, size: 1, pc: pc, position: position) {
                    x[rd] = UInt64(ram.load(fromByteOffset: offset, as: UInt8.self)); pc = next; continue loop
                }
            case .lhu:
                if let offset = fastLoadOffset(x[rs1] &+ imm, 2, position), timing.load(offset: offset, size: 2, pc: pc, position: position) {
                    x[rd] = UInt64(ram.loadUnaligned(fromByteOffset: offset, as: UInt16.self)); pc = next; continue loop
                }
            case .lwu:
                if let offset = fastLoadOffset(x[rs1] &+ imm, 4, position), timing.load(offset: offset, size: 4, pc: pc, position: position) {
                    x[rd] = UInt64(ram.loadUnaligned(fromByteOffset: offset, as: UInt32.self)); pc = next; continue loop
                }
            case .sb:
                if let offset = fastStoreOffset(x[rs1] &+ imm, 1, position), timing.store(offset: offset, size: 1, pc: pc, position: position) {
                    ram.storeBytes(of: UInt8(truncatingIfNeeded: x[rs2]), toByteOffset: offset, as: UInt8.self); pc = next; continue loop
                }
            case .sh:
                if let offset = fastStoreOffset(x[rs1] &+ imm, 2, position), timing.store(offset: offset, size: 2, pc: pc, position: position) {
                    ram.storeBytes(of: UInt16(truncatingIfNeeded: x[rs2]), toByteOffset: offset, as: UInt16.self); pc = next; continue loop
                }
            case .sw:
                if let offset = fastStoreOffset(x[rs1] &+ imm, 4, position), timing.store(offset: offset, size: 4, pc: pc, position: position) {
                    ram.storeBytes(of: UInt32(truncatingIfNeeded: x[rs2]), toByteOffset: offset, as: UInt32.self); pc = next; continue loop
                }
            case .sd:
                if let offset = fastStoreOffset(x[rs1] &+ imm, 8, position), timing.store(offset: offset, size: 8, pc: pc, position: position) {
                    ram.storeBytes(of: x[rs2], toByteOffset: offset, as: UInt64.self); pc = next; continue loop
                }
            case .fld:
                if mstatus & CSRBits.fs != 0, let offset = fastLoadOffset(x[rs1] &+ imm, 8, position), timing.load(offset: offset, size: 8, pc: pc, position: position) {
                    f[rd] = ram.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    mstatus |= CSRBits.fs
                    pc = next; continue loop
                }
            case .fsd:
                if mstatus & CSRBits.fs != 0, let offset = fastStoreOffset(x[rs1] &+ imm, 8, position), timing.store(offset: offset, size: 8, pc: pc, position: position) {
                    ram.storeBytes(of: f[rs2], toByteOffset: offset, as: UInt64.self); pc = next; continue loop
                }

            // MARK: RV64I — register-immediate and register-register
            case .addi: x[rd] = x[rs1] &+ imm; pc = next; continue loop
            case .slti: x[rd] = Int64(bitPattern: x[rs1]) < inst.imm ? 1 : 0; pc = next; continue loop
            case .sltiu: x[rd] = x[rs1] < imm ? 1 : 0; pc = next; continue loop
            case .xori: x[rd] = x[rs1] ^ imm; pc = next; continue loop
            case .ori: x[rd] = x[rs1] | imm; pc = next; continue loop
            case .andi: x[rd] = x[rs1] & imm; pc = next; continue loop
            case .slli: x[rd] = x[rs1] &<< imm; pc = next; continue loop
            case .srli: x[rd] = x[rs1] &>> imm; pc = next; continue loop
            case .srai: x[rd] = UInt64(bitPattern: Int64(bitPattern: x[rs1]) &>> Int64(bitPattern: imm)); pc = next; continue loop
            case .add: x[rd] = x[rs1] &+ x[rs2]; pc = next; continue loop
            case .sub: x[rd] = x[rs1] &- x[rs2]; pc = next; continue loop
            case .sll: x[rd] = x[rs1] &<< (x[rs2] & 63); pc = next; continue loop
            case .slt: x[rd] = Int64(bitPattern: x[rs1]) < Int64(bitPattern: x[rs2]) ? 1 : 0; pc = next; continue loop
            case .sltu: x[rd] = x[rs1] < x[rs2] ? 1 : 0; pc = next; continue loop
            case .xor: x[rd] = x[rs1] ^ x[rs2]; pc = next; continue loop
            case .srl: x[rd] = x[rs1] &>> (x[rs2] & 63); pc = next; continue loop
            case .sra: x[rd] = UInt64(bitPattern: Int64(bitPattern: x[rs1]) &>> Int64(x[rs2] & 63)); pc = next; continue loop
            case .or: x[rd] = x[rs1] | x[rs2]; pc = next; continue loop
            case .and: x[rd] = x[rs1] & x[rs2]; pc = next; continue loop
            case .addiw: x[rd] = signExtend32(UInt32(truncatingIfNeeded: x[rs1] &+ imm)); pc = next; continue loop
            case .slliw: x[rd] = signExtend32(UInt32(truncatingIfNeeded: x[rs1]) &<< UInt32(imm)); pc = next; continue loop
            case .srliw: x[rd] = signExtend32(UInt32(truncatingIfNeeded: x[rs1]) &>> UInt32(imm)); pc = next; continue loop
            case .sraiw:
                x[rd] = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: x[rs1]) &>> Int32(imm))); pc = next; continue loop
            case .addw: x[rd] = signExtend32(UInt32(truncatingIfNeeded: x[rs1] &+ x[rs2])); pc = next; continue loop
            case .subw: x[rd] = signExtend32(UInt32(truncatingIfNeeded: x[rs1] &- x[rs2])); pc = next; continue loop
            case .sllw: x[rd] = signExtend32(UInt32(truncatingIfNeeded: x[rs1]) &<< UInt32(x[rs2] & 31)); pc = next; continue loop
            case .srlw: x[rd] = signExtend32(UInt32(truncatingIfNeeded: x[rs1]) &>> UInt32(x[rs2] & 31)); pc = next; continue loop
            case .sraw:
                x[rd] = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: x[rs1]) &>> Int32(x[rs2] & 31))); pc = next; continue loop

            // MARK: M
            case .mul: x[rd] = x[rs1] &* x[rs2]; pc = next; continue loop
            case .mulh:
                x[rd] = UInt64(bitPattern: Int64(bitPattern: x[rs1]).multipliedFullWidth(by: Int64(bitPattern: x[rs2])).high)
                pc = next; continue loop
            case .mulhsu: x[rd] = multiplyHighSignedUnsigned(x[rs1], x[rs2]); pc = next; continue loop
            case .mulhu: x[rd] = x[rs1].multipliedFullWidth(by: x[rs2]).high; pc = next; continue loop
            case .div: x[rd] = divideSigned(x[rs1], x[rs2]); pc = next; continue loop
            case .divu: x[rd] = x[rs2] == 0 ? .max : x[rs1] / x[rs2]; pc = next; continue loop
            case .rem: x[rd] = remainderSigned(x[rs1], x[rs2]); pc = next; continue loop
            case .remu: x[rd] = x[rs2] == 0 ? x[rs1] : x[rs1] % x[rs2]; pc = next; continue loop
            case .mulw: x[rd] = signExtend32(UInt32(truncatingIfNeeded: x[rs1] &* x[rs2])); pc = next; continue loop
            case .divw: x[rd] = divideSigned32(x[rs1], x[rs2]); pc = next; continue loop
            case .divuw:
                let a = UInt32(truncatingIfNeeded: x[rs1]), b = UInt32(truncatingIfNeeded: x[rs2])
                x[rd] = signExtend32(b == 0 ? .max : a / b); pc = next; continue loop
            case .remw: x[rd] = remainderSigned32(x[rs1], x[rs2]); pc = next; continue loop
            case .remuw:
                let a = UInt32(truncatingIfNeeded: x[rs1]), b = UInt32(truncatingIfNeeded: x[rs2])
                x[rd] = signExtend32(b == 0 ? a : a % b); pc = next; continue loop

            // MARK: F/D — double precision with the host's arithmetic when it is exact to do so
            case .fadd, .fsub, .fmul, .fdiv, .fsqrt, .fsgnj, .fsgnjn, .fsgnjx, .feq, .flt, .fle, .fmvXD, .fmvDX:
                if position <= memoryLimit,
                   executeFloatFast(inst.operation, rd: rd, rs1: rs1, rs2: rs2, funct: inst.funct, double: inst.imm != 0) {
                    pc = next; continue loop
                }
            default: break
            }

            // MARK: Slow path — every operation, in full.
            if timing.takeWait() {
                // A fast-path access must first wait for its line: issue it again after the wait.
                stepped &-= 1
                reachedHorizon = true
                break loop
            }
            if position > memoryLimit {
                // Another hart's earlier access must come first: stop before this instruction.
                timing.undoIssue(stepped: stepped)
                stepped &-= 1
                reachedHorizon = true
                break loop
            }
            self.pc = pc
            let delta = UInt64(truncatingIfNeeded: stepped &- accounted)
            cycle &+= delta &+ timing.takeExtra()
            instret &+= delta
            accounted = stepped
            executeSlow(inst)
            timing.resynchronize(cycle: cycle, stepped: stepped)
            pc = self.pc
            block = fetchBlock
            pageBase = fetchPageBase
            if breakRequested { break loop }
        }

        self.pc = pc
        let delta = UInt64(truncatingIfNeeded: stepped &- accounted)
        cycle &+= delta &+ timing.takeExtra()
        instret &+= delta
        instret &-= trappedInBatch
        timing.finish(stepped: stepped)
        return stepped
    }
}

// MARK: Integer helpers, as the M extension defines division by zero and overflow.

@inline(__always) func signExtend32(_ value: UInt32) -> UInt64 { UInt64(bitPattern: Int64(Int32(bitPattern: value))) }

@inline(__always) func multiplyHighSignedUnsigned(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let high = a.multipliedFullWidth(by: b).high
    return Int64(bitPattern: a) < 0 ? high &- b : high
}

@inline(__always) func divideSigned(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let dividend = Int64(bitPattern: a), divisor = Int64(bitPattern: b)
    if divisor == 0 { return .max }
    if dividend == .min && divisor == -1 { return a }
    return UInt64(bitPattern: dividend / divisor)
}

@inline(__always) func remainderSigned(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let dividend = Int64(bitPattern: a), divisor = Int64(bitPattern: b)
    if divisor == 0 { return a }
    if dividend == .min && divisor == -1 { return 0 }
    return UInt64(bitPattern: dividend % divisor)
}

@inline(__always) func divideSigned32(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let dividend = Int32(truncatingIfNeeded: a), divisor = Int32(truncatingIfNeeded: b)
    if divisor == 0 { return .max }
    if dividend == .min && divisor == -1 { return UInt64(bitPattern: Int64(dividend)) }
    return UInt64(bitPattern: Int64(dividend / divisor))
}

@inline(__always) func remainderSigned32(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let dividend = Int32(truncatingIfNeeded: a), divisor = Int32(truncatingIfNeeded: b)
    if divisor == 0 { return UInt64(bitPattern: Int64(dividend)) }
    if dividend == .min && divisor == -1 { return 0 }
    return UInt64(bitPattern: Int64(dividend % divisor))
}
