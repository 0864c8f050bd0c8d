// Fusing a pair of instructions at decode: an `addi` followed by a conditional branch
// that tests the register the `addi` just wrote — the counted loop's closing pair
// (`addi t0, t0, -1; bnez t0, loop`, `addi t1, t1, 8; bltu t1, t2, loop`) — becomes one
// record the run loop dispatches once. It still counts as two instructions; a batch
// with room for only one, and the modelled-timing loop (which issues and fetches each
// instruction on its own), run the `addi` alone and fetch the branch from its own slot.
// Both halves lie in one page, so a store into either invalidates the fused record with
// the page's decoded block; pages that PMP splits are never fused (each fetch is checked).

extension Operation {
    /// The fused form of `addi` followed by this branch, if it has one.
    var fusedWithAddi: Operation? {
        switch self {
        case .beq: .addiBeq
        case .bne: .addiBne
        case .blt: .addiBlt
        case .bge: .addiBge
        case .bltu: .addiBltu
        case .bgeu: .addiBgeu
        default: nil
        }
    }
}

extension UnsafeMutablePointer where Pointee == DecodedInstruction {
    /// A fused record's first instruction: its length, and (an `addi`) its immediate.
    @inline(__always) var firstLength: UInt64 { UInt64(truncatingIfNeeded: pointee.rs3) }
    @inline(__always) var firstImmediate: UInt64 {
        UInt64(bitPattern: Int64(Int16(bitPattern: pointee.funct)))
    }
}

enum Fusion {
    /// `first`, decoded from `bytes` at RAM offset `offset`, fused with the instruction after
    /// it when the pair fuses and both lie in the page; otherwise `first` unchanged.
    static func fuse(_ first: DecodedInstruction, bytes: UnsafeMutableRawPointer, offset: Int) -> DecodedInstruction {
        guard first.operation == .addi, first.rd != sinkRegister else { return first }
        let secondOffset = offset + Int(first.length)
        let room = 4096 - (secondOffset & 0xFFF)
        guard secondOffset & 0xFFF != 0, room >= 2 else { return first }   // the pair must not cross the page end
        let low = UInt16(truncatingIfNeeded: loadLittleEndian(bytes + secondOffset, size: 2))
        let second: DecodedInstruction
        if low & 3 != 3 {
            second = Decoder.decode(parcel: low)
        } else {
            guard room >= 4 else { return first }
            second = Decoder.decode(UInt32(truncatingIfNeeded: loadLittleEndian(bytes + secondOffset, size: 4)))
        }
        guard let fused = second.operation.fusedWithAddi else { return first }
        // The branch must test the addi's result as its first operand (either for beq/bne).
        let other: UInt8
        if second.rs1 == first.rd {
            other = second.rs2
        } else if second.rs2 == first.rd && (second.operation == .beq || second.operation == .bne) {
            other = second.rs1
        } else {
            return first
        }
        // A 12-bit immediate fits the 16-bit field; the branch offset is kept from the pair's PC.
        return DecodedInstruction(operation: fused, rd: first.rd, rs1: first.rs1, rs2: other, rs3: first.length,
                                  length: first.length &+ second.length,
                                  funct: UInt16(bitPattern: Int16(truncatingIfNeeded: first.imm)),
                                  imm: second.imm &+ Int64(first.length))
    }
}

extension Hart {
    /// The record to cache for `first` at RAM offset `offset`: fused with the next
    /// instruction unless PMP checks this hart's fetches (then each is checked alone).
    func fusedUnlessSplit(_ first: DecodedInstruction, offset: Int) -> DecodedInstruction {
        fetchChecksPMP ? first : Fusion.fuse(first, bytes: memory.bytes, offset: offset)
    }
}

extension Fusion {
    /// `record` if it is not fused; else its first instruction alone, decoded again from
    /// `bytes` at RAM offset `offset` (unchanged since, or the record would be gone).
    static func unfused(_ record: DecodedInstruction, bytes: UnsafeMutableRawPointer, offset: Int) -> DecodedInstruction {
        guard record.operation.rawValue >= Operation.addiBeq.rawValue && record.operation.rawValue <= Operation.addiBgeu.rawValue else {
            return record
        }
        let low = UInt16(truncatingIfNeeded: loadLittleEndian(bytes + offset, size: 2))
        if low & 3 != 3 { return Decoder.decode(parcel: low) }
        return Decoder.decode(UInt32(truncatingIfNeeded: loadLittleEndian(bytes + offset, size: 4)))
    }
}
