// What the run loop (Execute.swift) needs around its switch: reading a decoded record's
// fields through a pointer, only where a case uses them, so the loop does not unpack
// all sixteen bytes (and spill them) for every instruction; the fetch slow path handing
// back a pointer too; and the rule that keeps the fetch block valid without a page check
// per instruction.

extension UnsafeMutablePointer where Pointee == DecodedInstruction {
    @inline(__always) var rd: Int { Int(truncatingIfNeeded: pointee.rd) }
    @inline(__always) var rs1: Int { Int(truncatingIfNeeded: pointee.rs1) }
    @inline(__always) var rs2: Int { Int(truncatingIfNeeded: pointee.rs2) }
    /// The immediate as the unsigned bits the arithmetic wraps on.
    @inline(__always) var imm: UInt64 { UInt64(bitPattern: pointee.imm) }
    /// The PC of the instruction after this one.
    @inline(__always) func next(_ pc: UInt64) -> UInt64 { pc &+ UInt64(truncatingIfNeeded: pointee.length) }
}

extension Hart {
    /// `fetchSlow`, with the record left where the loop can point at it: its slot in the
    /// block, or this hart's scratch record (a 32-bit instruction straddling two pages is
    /// never cached). Nil after a fetch fault, as `fetchSlow`.
    @inline(__always)
    func fetchSlowRecord() -> UnsafeMutablePointer<DecodedInstruction>? {
        guard let fetched = fetchSlow() else { return nil }
        rememberFetchPage()
        fetchScratch.pointee = fetched
        return fetchScratch
    }
}

/// The run loop's fetch block as one number: the host address of the slot for PC 0 if
/// the block served the whole address space, so the record for `pc` is at
/// `slotBase + (pc / 2) * 16` — one shift and one add per instruction, no page base.
@inline(__always)
func fetchSlotBase(_ block: UnsafeMutablePointer<DecodedInstruction>, pageBase: UInt64) -> UInt {
    UInt(bitPattern: block) &- UInt(truncatingIfNeeded: pageBase >> 1) &* UInt(MemoryLayout<DecodedInstruction>.stride)
}

/// The record for `pc` in the block `slotBase` stands for. Valid while `pc - pageBase` is
/// at most 4098 (see `keepFetchBlock`), which is all the run loop ever asks.
@inline(__always)
func fetchSlot(_ slotBase: UInt, pc: UInt64) -> UnsafeMutablePointer<DecodedInstruction> {
    UnsafeMutablePointer<DecodedInstruction>(
        bitPattern: slotBase &+ UInt(truncatingIfNeeded: pc >> 1) &* UInt(MemoryLayout<DecodedInstruction>.stride)
    ).unsafelyUnwrapped
}

/// Keeps the run loop's fetch block usable without a page check per instruction: the
/// loop reads the slot for `pc` unchecked, which is safe while `pc - pageBase` is at
/// most 4098 (a block has two sentinel slots past the page that say "refetch", for the
/// instruction after the page's last one, 32-bit or not). Whatever moves the PC other
/// than to the next instruction — a taken branch or jump, a trap, the slow path — calls
/// this: a PC outside the block's page gets the all-"refetch" block for its own page, so
/// the next fetch looks the page up.
@inline(__always)
func keepFetchBlock(pc: UInt64, slotBase: inout UInt, pageBase: inout UInt64,
                    refetchBlock: UnsafeMutablePointer<DecodedInstruction>) {
    if _slowPath(pc &- pageBase >= 4096) {
        pageBase = pc & ~0xFFF
        slotBase = fetchSlotBase(refetchBlock, pageBase: pageBase)
    }
}
