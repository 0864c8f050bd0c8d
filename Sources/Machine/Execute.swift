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
        if !modelsTiming {
            // With the race log every data access is logged (RaceLoggedTiming.swift).
            if let raceLog {
                return runInstructions(limit: limit, memoryLimit: memoryLimit, timing: RaceLoggedTiming(log: raceLog, ramBase: memory.base, hart: id))
            }
            return runInstructions(limit: limit, memoryLimit: memoryLimit, timing: FlatTiming())
        }
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
        var pageBase = fetchPageBase
        var slotBase = fetchSlotBase(fetchBlock, pageBase: pageBase)
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

        let refetchBlock = memory.refetchBlock
        keepFetchBlock(pc: pc, slotBase: &slotBase, pageBase: &pageBase, refetchBlock: refetchBlock)
        /// After a slow fetch, a trap or the slow path: the record pointers follow `self`'s fetch block.
        @inline(__always) func followFetchBlock() {
            pageBase = fetchPageBase
            slotBase = fetchSlotBase(fetchBlock, pageBase: pageBase)
            keepFetchBlock(pc: pc, slotBase: &slotBase, pageBase: &pageBase, refetchBlock: refetchBlock)
        }

        // The record is read through `ip`, field by field where a case needs it.
        var ip = fetchScratch
        // Flat timing: the record the slow fetch returned when it is not in its slot (a
        // 32-bit instruction across a page end, a page PMP splits); run at once.
        var fetchedRecord: UnsafeMutablePointer<DecodedInstruction>? = nil
        var needsFetch = false
        // Two loops: `inner` runs the instructions that finish inline and calls nothing, so
        // the registers it keeps (pc, x, the block, the count) are not spilled around calls;
        // everything that calls out — the slow fetch, the slow path, host floating point —
        // breaks out to `outer`, which does it and goes back in.
        outer: while true {
            inner: while true {
                guard stepped < limit else { break outer }
                if Timing.issuesBeforeReadingRecord {
                    // With caches the instruction issues (and may call into the memory system)
                    // before its record is read, so its fields are not kept across that call.
                    // No page check: past the page the sentinel slots say "refetch" (keepFetchBlock).
                    if fetchSlot(slotBase, pc: pc).pointee.operation.rawValue > Operation.refetch.rawValue {
                        stepped &+= 1
                        if !timing.issue(pc: pc, stepped: stepped, memoryLimit: memoryLimit) {
                            // Its fetch would come before another hart's earlier access, or it
                            // would issue past a timer deadline: stop before it.
                            stepped &-= 1
                            reachedHorizon = true
                            break outer
                        }
                        ip = fetchSlot(slotBase, pc: pc)
                    } else {
                        // A page fetched from lately (RecentCodePages.swift) needs no slow fetch.
                        if recallFetchPage(pc: pc) {
                            followFetchBlock()
                            continue inner
                        }
                        self.pc = pc
                        guard let fetched = fetchSlowRecord() else {
                            // The fetch trapped; the trap handler's PC is in self.pc.
                            stepped &+= 1
                            timing.fetchTrapped()
                            pc = self.pc
                            followFetchBlock()
                            if breakRequested { break outer }
                            continue inner
                        }
                        followFetchBlock()
                        stepped &+= 1
                        if !timing.issue(pc: pc, stepped: stepped, memoryLimit: memoryLimit) {
                            stepped &-= 1
                            reachedHorizon = true
                            break outer
                        }
                        ip = fetched
                    }
                } else {
                    // One cycle per instruction. `pc - pageBase` is at most 4098 here
                    // (keepFetchBlock), so the slot needs no page check: past the page's last
                    // instruction the sentinel slots say "refetch".
                    // A slot that says "decode" or "refetch" is found by the switch's jump
                    // table (its case below), not by a test of its own per instruction.
                    ip = fetchSlot(slotBase, pc: pc)
                    stepped &+= 1
                    if !timing.issue(pc: pc, stepped: stepped, memoryLimit: memoryLimit) {
                        stepped &-= 1
                        reachedHorizon = true
                        break outer
                    }
                }
                // How far this instruction is from the batch's start, against `memoryLimit`.
                let position = timing.position(stepped: stepped)

                // Runs once per instruction; again only for a record the slow fetch handed over.
                dispatch: while true {
                switch ip.pointee.operation {
                case .decode, .refetch:
                    // Flat timing only (the modelled loop above never dispatches these): the
                    // slot has no record yet, or the PC left the block's page.
                    if Timing.issuesBeforeReadingRecord { break }
                    if let record = fetchedRecord {
                        // The record the slow fetch returned when it is not in its slot.
                        ip = record
                        fetchedRecord = nil
                        continue dispatch
                    }
                    stepped &-= 1
                    needsFetch = true
                    break inner
                // MARK: RV64I — upper immediates, jumps, branches
                // Branches are real host branches, not selects, so the host predicts the guest's
                // branch and starts on the next instruction without waiting for the registers.
                case .lui: x[ip.rd] = ip.imm; pc = ip.next(pc); continue inner
                case .auipc: x[ip.rd] = pc &+ ip.imm; pc = ip.next(pc); continue inner
                case .jal: x[ip.rd] = ip.next(pc); pc = pc &+ ip.imm; keepFetchBlock(pc: pc, slotBase: &slotBase, pageBase: &pageBase, refetchBlock: refetchBlock); continue inner
                case .jalr:
                    let target = (x[ip.rs1] &+ ip.imm) & ~1
                    x[ip.rd] = ip.next(pc)
                    pc = target
                    keepFetchBlock(pc: pc, slotBase: &slotBase, pageBase: &pageBase, refetchBlock: refetchBlock)
                    continue inner
                case .beq: if _fastPath(x[ip.rs1] == x[ip.rs2]) { pc = pc &+ ip.imm; keepFetchBlock(pc: pc, slotBase: &slotBase, pageBase: &pageBase, refetchBlock: refetchBlock); continue inner }; pc = ip.next(pc); continue inner
                case .bne: if _fastPath(x[ip.rs1] != x[ip.rs2]) { pc = pc &+ ip.imm; keepFetchBlock(pc: pc, slotBase: &slotBase, pageBase: &pageBase, refetchBlock: refetchBlock); continue inner }; pc = ip.next(pc); continue inner
                case .blt: if _fastPath(Int64(bitPattern: x[ip.rs1]) < Int64(bitPattern: x[ip.rs2])) { pc = pc &+ ip.imm; keepFetchBlock(pc: pc, slotBase: &slotBase, pageBase: &pageBase, refetchBlock: refetchBlock); continue inner }; pc = ip.next(pc); continue inner
                case .bge: if _fastPath(Int64(bitPattern: x[ip.rs1]) >= Int64(bitPattern: x[ip.rs2])) { pc = pc &+ ip.imm; keepFetchBlock(pc: pc, slotBase: &slotBase, pageBase: &pageBase, refetchBlock: refetchBlock); continue inner }; pc = ip.next(pc); continue inner
                case .bltu: if _fastPath(x[ip.rs1] < x[ip.rs2]) { pc = pc &+ ip.imm; keepFetchBlock(pc: pc, slotBase: &slotBase, pageBase: &pageBase, refetchBlock: refetchBlock); continue inner }; pc = ip.next(pc); continue inner
                case .bgeu: if _fastPath(x[ip.rs1] >= x[ip.rs2]) { pc = pc &+ ip.imm; keepFetchBlock(pc: pc, slotBase: &slotBase, pageBase: &pageBase, refetchBlock: refetchBlock); continue inner }; pc = ip.next(pc); continue inner

                // MARK: Loads and stores (inline when untranslated RAM)
                case .lb:
                    let rd = ip.rd
                    if let offset = fastLoadOffset(x[ip.rs1] &+ ip.imm, 1, position), timing.load(offset: offset, address: x[ip.rs1] &+ ip.imm, size: 1, pc: pc, position: position) {
                        x[rd] = UInt64(bitPattern: Int64(ram.load(fromByteOffset: offset, as: Int8.self))); pc = ip.next(pc); continue inner
                    }
                case .lh:
                    let rd = ip.rd
                    if let offset = fastLoadOffset(x[ip.rs1] &+ ip.imm, 2, position), timing.load(offset: offset, address: x[ip.rs1] &+ ip.imm, size: 2, pc: pc, position: position) {
                        x[rd] = UInt64(bitPattern: Int64(ram.loadUnaligned(fromByteOffset: offset, as: Int16.self))); pc = ip.next(pc); continue inner
                    }
                case .lw:
                    let rd = ip.rd
                    if let offset = fastLoadOffset(x[ip.rs1] &+ ip.imm, 4, position), timing.load(offset: offset, address: x[ip.rs1] &+ ip.imm, size: 4, pc: pc, position: position) {
                        x[rd] = UInt64(bitPattern: Int64(ram.loadUnaligned(fromByteOffset: offset, as: Int32.self))); pc = ip.next(pc); continue inner
                    }
                case .ld:
                    let rd = ip.rd
                    if let offset = fastLoadOffset(x[ip.rs1] &+ ip.imm, 8, position), timing.load(offset: offset, address: x[ip.rs1] &+ ip.imm, size: 8, pc: pc, position: position) {
                        x[rd] = ram.loadUnaligned(fromByteOffset: offset, as: UInt64.self); pc = ip.next(pc); continue inner
                    }
                case .lbu:
                    let rd = ip.rd
                    if let offset = fastLoadOffset(x[ip.rs1] &+ ip.imm, 1, position), timing.load(offset: offset, address: x[ip.rs1] &+ ip.imm, size: 1, pc: pc, position: position) {
                        x[rd] = UInt64(ram.load(fromByteOffset: offset, as: UInt8.self)); pc = ip.next(pc); continue inner
                    }
                case .lhu:
                    let rd = ip.rd
                    if let offset = fastLoadOffset(x[ip.rs1] &+ ip.imm, 2, position), timing.load(offset: offset, address: x[ip.rs1] &+ ip.imm, size: 2, pc: pc, position: position) {
                        x[rd] = UInt64(ram.loadUnaligned(fromByteOffset: offset, as: UInt16.self)); pc = ip.next(pc); continue inner
                    }
                case .lwu:
                    let rd = ip.rd
                    if let offset = fastLoadOffset(x[ip.rs1] &+ ip.imm, 4, position), timing.load(offset: offset, address: x[ip.rs1] &+ ip.imm, size: 4, pc: pc, position: position) {
                        x[rd] = UInt64(ram.loadUnaligned(fromByteOffset: offset, as: UInt32.self)); pc = ip.next(pc); continue inner
                    }
                case .sb:
                    let rs2 = ip.rs2
                    if let offset = fastStoreOffset(x[ip.rs1] &+ ip.imm, 1, position), timing.store(offset: offset, address: x[ip.rs1] &+ ip.imm, size: 1, pc: pc, position: position) {
                        ram.storeBytes(of: UInt8(truncatingIfNeeded: x[rs2]), toByteOffset: offset, as: UInt8.self); pc = ip.next(pc); continue inner
                    }
                case .sh:
                    let rs2 = ip.rs2
                    if let offset = fastStoreOffset(x[ip.rs1] &+ ip.imm, 2, position), timing.store(offset: offset, address: x[ip.rs1] &+ ip.imm, size: 2, pc: pc, position: position) {
                        ram.storeBytes(of: UInt16(truncatingIfNeeded: x[rs2]), toByteOffset: offset, as: UInt16.self); pc = ip.next(pc); continue inner
                    }
                case .sw:
                    let rs2 = ip.rs2
                    if let offset = fastStoreOffset(x[ip.rs1] &+ ip.imm, 4, position), timing.store(offset: offset, address: x[ip.rs1] &+ ip.imm, size: 4, pc: pc, position: position) {
                        ram.storeBytes(of: UInt32(truncatingIfNeeded: x[rs2]), toByteOffset: offset, as: UInt32.self); pc = ip.next(pc); continue inner
                    }
                case .sd:
                    let rs2 = ip.rs2
                    if let offset = fastStoreOffset(x[ip.rs1] &+ ip.imm, 8, position), timing.store(offset: offset, address: x[ip.rs1] &+ ip.imm, size: 8, pc: pc, position: position) {
                        ram.storeBytes(of: x[rs2], toByteOffset: offset, as: UInt64.self); pc = ip.next(pc); continue inner
                    }
                case .fld:
                    let rd = ip.rd
                    if mstatus & CSRBits.fs != 0, let offset = fastLoadOffset(x[ip.rs1] &+ ip.imm, 8, position), timing.load(offset: offset, address: x[ip.rs1] &+ ip.imm, size: 8, pc: pc, position: position) {
                        f[rd] = ram.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                        mstatus |= CSRBits.fs
                        pc = ip.next(pc); continue inner
                    }
                case .fsd:
                    let rs2 = ip.rs2
                    if mstatus & CSRBits.fs != 0, let offset = fastStoreOffset(x[ip.rs1] &+ ip.imm, 8, position), timing.store(offset: offset, address: x[ip.rs1] &+ ip.imm, size: 8, pc: pc, position: position) {
                        ram.storeBytes(of: f[rs2], toByteOffset: offset, as: UInt64.self); pc = ip.next(pc); continue inner
                    }

                // MARK: RV64I — register-immediate and register-register
                case .addi: x[ip.rd] = x[ip.rs1] &+ ip.imm; pc = ip.next(pc); continue inner
                case .slti: x[ip.rd] = Int64(bitPattern: x[ip.rs1]) < ip.pointee.imm ? 1 : 0; pc = ip.next(pc); continue inner
                case .sltiu: x[ip.rd] = x[ip.rs1] < ip.imm ? 1 : 0; pc = ip.next(pc); continue inner
                case .xori: x[ip.rd] = x[ip.rs1] ^ ip.imm; pc = ip.next(pc); continue inner
                case .ori: x[ip.rd] = x[ip.rs1] | ip.imm; pc = ip.next(pc); continue inner
                case .andi: x[ip.rd] = x[ip.rs1] & ip.imm; pc = ip.next(pc); continue inner
                case .slli: x[ip.rd] = x[ip.rs1] &<< ip.imm; pc = ip.next(pc); continue inner
                case .srli: x[ip.rd] = x[ip.rs1] &>> ip.imm; pc = ip.next(pc); continue inner
                case .srai: x[ip.rd] = UInt64(bitPattern: Int64(bitPattern: x[ip.rs1]) &>> Int64(bitPattern: ip.imm)); pc = ip.next(pc); continue inner
                case .add: x[ip.rd] = x[ip.rs1] &+ x[ip.rs2]; pc = ip.next(pc); continue inner
                case .sub: x[ip.rd] = x[ip.rs1] &- x[ip.rs2]; pc = ip.next(pc); continue inner
                case .sll: x[ip.rd] = x[ip.rs1] &<< (x[ip.rs2] & 63); pc = ip.next(pc); continue inner
                case .slt: x[ip.rd] = Int64(bitPattern: x[ip.rs1]) < Int64(bitPattern: x[ip.rs2]) ? 1 : 0; pc = ip.next(pc); continue inner
                case .sltu: x[ip.rd] = x[ip.rs1] < x[ip.rs2] ? 1 : 0; pc = ip.next(pc); continue inner
                case .xor: x[ip.rd] = x[ip.rs1] ^ x[ip.rs2]; pc = ip.next(pc); continue inner
                case .srl: x[ip.rd] = x[ip.rs1] &>> (x[ip.rs2] & 63); pc = ip.next(pc); continue inner
                case .sra: x[ip.rd] = UInt64(bitPattern: Int64(bitPattern: x[ip.rs1]) &>> Int64(x[ip.rs2] & 63)); pc = ip.next(pc); continue inner
                case .or: x[ip.rd] = x[ip.rs1] | x[ip.rs2]; pc = ip.next(pc); continue inner
                case .and: x[ip.rd] = x[ip.rs1] & x[ip.rs2]; pc = ip.next(pc); continue inner
                case .addiw: x[ip.rd] = signExtend32(UInt32(truncatingIfNeeded: x[ip.rs1] &+ ip.imm)); pc = ip.next(pc); continue inner
                case .slliw: x[ip.rd] = signExtend32(UInt32(truncatingIfNeeded: x[ip.rs1]) &<< UInt32(ip.imm)); pc = ip.next(pc); continue inner
                case .srliw: x[ip.rd] = signExtend32(UInt32(truncatingIfNeeded: x[ip.rs1]) &>> UInt32(ip.imm)); pc = ip.next(pc); continue inner
                case .sraiw:
                    x[ip.rd] = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: x[ip.rs1]) &>> Int32(ip.imm))); pc = ip.next(pc); continue inner
                case .addw: x[ip.rd] = signExtend32(UInt32(truncatingIfNeeded: x[ip.rs1] &+ x[ip.rs2])); pc = ip.next(pc); continue inner
                case .subw: x[ip.rd] = signExtend32(UInt32(truncatingIfNeeded: x[ip.rs1] &- x[ip.rs2])); pc = ip.next(pc); continue inner
                case .sllw: x[ip.rd] = signExtend32(UInt32(truncatingIfNeeded: x[ip.rs1]) &<< UInt32(x[ip.rs2] & 31)); pc = ip.next(pc); continue inner
                case .srlw: x[ip.rd] = signExtend32(UInt32(truncatingIfNeeded: x[ip.rs1]) &>> UInt32(x[ip.rs2] & 31)); pc = ip.next(pc); continue inner
                case .sraw:
                    x[ip.rd] = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: x[ip.rs1]) &>> Int32(x[ip.rs2] & 31))); pc = ip.next(pc); continue inner

                // MARK: M
                case .mul: x[ip.rd] = x[ip.rs1] &* x[ip.rs2]; pc = ip.next(pc); continue inner
                case .mulh:
                    x[ip.rd] = UInt64(bitPattern: Int64(bitPattern: x[ip.rs1]).multipliedFullWidth(by: Int64(bitPattern: x[ip.rs2])).high)
                    pc = ip.next(pc); continue inner
                case .mulhsu: x[ip.rd] = multiplyHighSignedUnsigned(x[ip.rs1], x[ip.rs2]); pc = ip.next(pc); continue inner
                case .mulhu: x[ip.rd] = x[ip.rs1].multipliedFullWidth(by: x[ip.rs2]).high; pc = ip.next(pc); continue inner
                case .div: x[ip.rd] = divideSigned(x[ip.rs1], x[ip.rs2]); pc = ip.next(pc); continue inner
                case .divu: x[ip.rd] = x[ip.rs2] == 0 ? .max : x[ip.rs1] / x[ip.rs2]; pc = ip.next(pc); continue inner
                case .rem: x[ip.rd] = remainderSigned(x[ip.rs1], x[ip.rs2]); pc = ip.next(pc); continue inner
                case .remu: x[ip.rd] = x[ip.rs2] == 0 ? x[ip.rs1] : x[ip.rs1] % x[ip.rs2]; pc = ip.next(pc); continue inner
                case .mulw: x[ip.rd] = signExtend32(UInt32(truncatingIfNeeded: x[ip.rs1] &* x[ip.rs2])); pc = ip.next(pc); continue inner
                case .divw: x[ip.rd] = divideSigned32(x[ip.rs1], x[ip.rs2]); pc = ip.next(pc); continue inner
                case .divuw:
                    let a = UInt32(truncatingIfNeeded: x[ip.rs1]), b = UInt32(truncatingIfNeeded: x[ip.rs2])
                    x[ip.rd] = signExtend32(b == 0 ? .max : a / b); pc = ip.next(pc); continue inner
                case .remw: x[ip.rd] = remainderSigned32(x[ip.rs1], x[ip.rs2]); pc = ip.next(pc); continue inner
                case .remuw:
                    let a = UInt32(truncatingIfNeeded: x[ip.rs1]), b = UInt32(truncatingIfNeeded: x[ip.rs2])
                    x[ip.rd] = signExtend32(b == 0 ? a : a % b); pc = ip.next(pc); continue inner

                // MARK: Fused pairs — addi, then a branch on its result (Fusion.swift)
                case .addiBeq:
                    let value = x[ip.rs1] &+ ip.firstImmediate
                    x[ip.rd] = value
                    // Only the addi when the batch has room for one more, or each instruction issues alone.
                    if Timing.issuesBeforeReadingRecord || stepped >= limit { pc = pc &+ ip.firstLength; continue inner }
                    stepped &+= 1
                    if _fastPath(value == x[ip.rs2]) { pc = pc &+ ip.imm; keepFetchBlock(pc: pc, slotBase: &slotBase, pageBase: &pageBase, refetchBlock: refetchBlock); continue inner }
                    pc = ip.next(pc); continue inner
                case .addiBne:
                    let value = x[ip.rs1] &+ ip.firstImmediate
                    x[ip.rd] = value
                    // Only the addi when the batch has room for one more, or each instruction issues alone.
                    if Timing.issuesBeforeReadingRecord || stepped >= limit { pc = pc &+ ip.firstLength; continue inner }
                    stepped &+= 1
                    if _fastPath(value != x[ip.rs2]) { pc = pc &+ ip.imm; keepFetchBlock(pc: pc, slotBase: &slotBase, pageBase: &pageBase, refetchBlock: refetchBlock); continue inner }
                    pc = ip.next(pc); continue inner
                case .addiBlt:
                    let value = x[ip.rs1] &+ ip.firstImmediate
                    x[ip.rd] = value
                    // Only the addi when the batch has room for one more, or each instruction issues alone.
                    if Timing.issuesBeforeReadingRecord || stepped >= limit { pc = pc &+ ip.firstLength; continue inner }
                    stepped &+= 1
                    if _fastPath(Int64(bitPattern: value) < Int64(bitPattern: x[ip.rs2])) { pc = pc &+ ip.imm; keepFetchBlock(pc: pc, slotBase: &slotBase, pageBase: &pageBase, refetchBlock: refetchBlock); continue inner }
                    pc = ip.next(pc); continue inner
                case .addiBge:
                    let value = x[ip.rs1] &+ ip.firstImmediate
                    x[ip.rd] = value
                    // Only the addi when the batch has room for one more, or each instruction issues alone.
                    if Timing.issuesBeforeReadingRecord || stepped >= limit { pc = pc &+ ip.firstLength; continue inner }
                    stepped &+= 1
                    if _fastPath(Int64(bitPattern: value) >= Int64(bitPattern: x[ip.rs2])) { pc = pc &+ ip.imm; keepFetchBlock(pc: pc, slotBase: &slotBase, pageBase: &pageBase, refetchBlock: refetchBlock); continue inner }
                    pc = ip.next(pc); continue inner
                case .addiBltu:
                    let value = x[ip.rs1] &+ ip.firstImmediate
                    x[ip.rd] = value
                    // Only the addi when the batch has room for one more, or each instruction issues alone.
                    if Timing.issuesBeforeReadingRecord || stepped >= limit { pc = pc &+ ip.firstLength; continue inner }
                    stepped &+= 1
                    if _fastPath(value < x[ip.rs2]) { pc = pc &+ ip.imm; keepFetchBlock(pc: pc, slotBase: &slotBase, pageBase: &pageBase, refetchBlock: refetchBlock); continue inner }
                    pc = ip.next(pc); continue inner
                case .addiBgeu:
                    let value = x[ip.rs1] &+ ip.firstImmediate
                    x[ip.rd] = value
                    // Only the addi when the batch has room for one more, or each instruction issues alone.
                    if Timing.issuesBeforeReadingRecord || stepped >= limit { pc = pc &+ ip.firstLength; continue inner }
                    stepped &+= 1
                    if _fastPath(value >= x[ip.rs2]) { pc = pc &+ ip.imm; keepFetchBlock(pc: pc, slotBase: &slotBase, pageBase: &pageBase, refetchBlock: refetchBlock); continue inner }
                    pc = ip.next(pc); continue inner

                // MARK: Fused pair — srli and slli of one source (Fusion.swift)
                case .srliSlli:
                    let value = x[ip.rs1]
                    x[ip.rd] = value &>> UInt64(ip.pointee.funct)
                    // Only the srli when the batch has room for one more, or each instruction issues alone.
                    if Timing.issuesBeforeReadingRecord || stepped >= limit { pc = pc &+ ip.firstLength; continue inner }
                    stepped &+= 1
                    x[ip.rs2] = value &<< ip.imm
                    pc = ip.next(pc); continue inner

                // MARK: fence — nothing to order without caches (one sequentially consistent
                // copy of memory; flat timing has no memory system), so no slow path.
                case .fence:
                    if Timing.issuesBeforeReadingRecord || Timing.fencesThroughSlowPath { break }
                    pc = ip.next(pc); continue inner

                // MARK: F/D — double precision with the host's arithmetic when it is exact to do so
                // (HostFloat64.swift). Add, subtract, multiply, divide and square root inline with
                // flat timing when FS is dirty and rounding is to nearest; anything else, and an
                // operand HostFloat64 does not take, goes to `outer` (executeFloatFast, then the slow path).
                case .fadd:
                    guard !Timing.issuesBeforeReadingRecord, ip.pointee.imm != 0, doubleArithmeticInline(funct: ip.pointee.funct),
                          let result = HostFloat64.add(f[ip.rs1], f[ip.rs2], decidesInexact: !inexactAccrued) else { break }
                    f[ip.rd] = result.bits
                    if result.inexact { fflags |= FloatFlags.inexact.rawValue }
                    pc = ip.next(pc); continue inner
                case .fsub:
                    guard !Timing.issuesBeforeReadingRecord, ip.pointee.imm != 0, doubleArithmeticInline(funct: ip.pointee.funct),
                          let result = HostFloat64.add(f[ip.rs1], f[ip.rs2] ^ (1 << 63), decidesInexact: !inexactAccrued) else { break }
                    f[ip.rd] = result.bits
                    if result.inexact { fflags |= FloatFlags.inexact.rawValue }
                    pc = ip.next(pc); continue inner
                case .fmul:
                    guard !Timing.issuesBeforeReadingRecord, ip.pointee.imm != 0, doubleArithmeticInline(funct: ip.pointee.funct),
                          let result = HostFloat64.mul(f[ip.rs1], f[ip.rs2], decidesInexact: !inexactAccrued) else { break }
                    f[ip.rd] = result.bits
                    if result.inexact { fflags |= FloatFlags.inexact.rawValue }
                    pc = ip.next(pc); continue inner
                case .fdiv:
                    guard !Timing.issuesBeforeReadingRecord, ip.pointee.imm != 0, doubleArithmeticInline(funct: ip.pointee.funct),
                          let result = HostFloat64.div(f[ip.rs1], f[ip.rs2], decidesInexact: !inexactAccrued) else { break }
                    f[ip.rd] = result.bits
                    if result.inexact { fflags |= FloatFlags.inexact.rawValue }
                    pc = ip.next(pc); continue inner
                case .fsqrt:
                    guard !Timing.issuesBeforeReadingRecord, ip.pointee.imm != 0, doubleArithmeticInline(funct: ip.pointee.funct),
                          let result = HostFloat64.sqrt(f[ip.rs1], decidesInexact: !inexactAccrued) else { break }
                    f[ip.rd] = result.bits
                    if result.inexact { fflags |= FloatFlags.inexact.rawValue }
                    pc = ip.next(pc); continue inner
                case .fsgnj, .fsgnjn, .fsgnjx, .feq, .flt, .fle, .fmvXD, .fmvDX:
                    break   // a call: done in `outer`
                case .flw, .fsw, .fenceI, .ecall, .ebreak, .mret, .sret, .wfi, .sfenceVMA,
                     .csrrw, .csrrs, .csrrc, .csrrwi, .csrrsi, .csrrci,
                     .lr, .sc, .amoswap, .amoadd, .amoxor, .amoand, .amoor, .amomin, .amomax, .amominu, .amomaxu,
                     .fmadd, .fmsub, .fnmsub, .fnmadd, .fmin, .fmax, .fclass,
                     .fcvtWFromF, .fcvtWUFromF, .fcvtLFromF, .fcvtLUFromF, .fcvtFFromW, .fcvtFFromWU, .fcvtFFromL, .fcvtFFromLU,
                     .fcvtSFromD, .fcvtDFromS, .fmvXW, .fmvWX, .illegal:
                    // Listed rather than `default`, so the switch's jump table needs no range check.
                    break
                }
                break dispatch
                }

                break inner
            }

            // MARK: The slow fetch (flat timing): the record is decoded, then run by `inner`.
            if needsFetch {
                needsFetch = false
                // A page fetched from lately (RecentCodePages.swift) needs no slow fetch.
                if recallFetchPage(pc: pc) {
                    followFetchBlock()
                    continue outer
                }
                self.pc = pc
                guard let fetched = fetchSlowRecord() else {
                    // The fetch trapped; the trap handler's PC is in self.pc.
                    stepped &+= 1
                    timing.fetchTrapped()
                    pc = self.pc
                    followFetchBlock()
                    if breakRequested { break outer }
                    continue outer
                }
                followFetchBlock()
                // Cached in its slot (the usual case), `inner` finds it there; if not, it is
                // handed over, and `inner`'s first step reads that same slot and takes it.
                if fetchSlot(slotBase, pc: pc).pointee.operation.rawValue <= Operation.refetch.rawValue {
                    fetchedRecord = fetched
                }
                continue outer
            }

            // MARK: Host floating point (a call), when exact.
            let position = timing.position(stepped: stepped)
            switch ip.pointee.operation {
            case .fadd, .fsub, .fmul, .fdiv, .fsqrt, .fsgnj, .fsgnjn, .fsgnjx, .feq, .flt, .fle, .fmvXD, .fmvDX:
                let next = ip.next(pc)
                if position <= memoryLimit,
                   executeFloatFast(ip.pointee.operation, rd: ip.rd, rs1: ip.rs1, rs2: ip.rs2, funct: ip.pointee.funct, double: ip.pointee.imm != 0) {
                    pc = next; continue outer
                }
            default: break
            }

            // MARK: Slow path — every operation, in full.
            if timing.takeWait() {
                // A fast-path access must first wait for its line: issue it again after the wait.
                stepped &-= 1
                reachedHorizon = true
                break outer
            }
            if position > memoryLimit {
                // Another hart's earlier access must come first: stop before this instruction.
                timing.undoIssue(stepped: stepped)
                stepped &-= 1
                reachedHorizon = true
                break outer
            }
            self.pc = pc
            let delta = UInt64(truncatingIfNeeded: stepped &- accounted)
            cycle &+= delta &+ timing.takeExtra()
            instret &+= delta
            accounted = stepped
            executeSlow(ip.pointee)
            timing.resynchronize(cycle: cycle, stepped: stepped)
            pc = self.pc
            followFetchBlock()
            if breakRequested { break outer }
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
