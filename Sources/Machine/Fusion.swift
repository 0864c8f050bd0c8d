// Fusing a pair of instructions at decode into one record the run loop dispatches once:
// - an `addi` followed by a conditional branch that tests the register the `addi` just
//   wrote — the counted loop's closing pair (`addi t0, t0, -1; bnez t0, loop`,
//   `addi t1, t1, 8; bltu t1, t2, loop`);
// - an `srli` followed by an `slli` of the same source into another register — two
//   thirds of a rotate (`srli s1, a2, 43; slli a2, a2, 21; or a2, a2, s1`), about a tenth
//   of the instructions a Swift Dictionary runs, in its SipHash.
// The pairs that other interpreters fuse (`lui`+`addi`, `auipc`+`addi`/`ld`/`jalr`, a
// zero-extending `slli`+`srli`) are under 1% of what the bench programs execute.
// A fused record still counts as two instructions; a batch with room for only one, and
// the modelled-timing loop (which issues and fetches each instruction on its own), run
// the first alone and fetch the second from its own slot. Both halves lie in one page,
// so a store into either invalidates the fused record with the page's decoded block;
// pages that PMP splits are never fused (each fetch is checked).

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

extension Operation {
    /// True for the records of two instructions (every case from `addiBeq` to `srliSlli`).
    var isFused: Bool { rawValue >= Operation.addiBeq.rawValue && rawValue <= Operation.srliSlli.rawValue }
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
        switch first.operation {
        case .addi where first.rd != sinkRegister:
            guard let second = instruction(after: first, bytes: bytes, offset: offset) else { return first }
            return fuseAddi(first, second)
        case .srli where first.rd != first.rs1:
            // The slli must read the source the srli left unchanged.
            guard let second = instruction(after: first, bytes: bytes, offset: offset),
                  second.operation == .slli, second.rs1 == first.rs1 else { return first }
            return DecodedInstruction(operation: .srliSlli, rd: first.rd, rs1: first.rs1, rs2: second.rd, rs3: first.length,
                                      length: first.length &+ second.length,
                                      funct: UInt16(truncatingIfNeeded: first.imm & 63), imm: second.imm & 63)
        default:
            return first
        }
    }

    /// The instruction after `first` (at RAM offset `offset`), if it lies wholly in the same page.
    static func instruction(after first: DecodedInstruction, bytes: UnsafeMutableRawPointer, offset: Int) -> DecodedInstruction? {
        let secondOffset = offset + Int(first.length)
        let room = 4096 - (secondOffset & 0xFFF)
        guard secondOffset & 0xFFF != 0, room >= 2 else { return nil }   // the pair must not cross the page end
        let low = UInt16(truncatingIfNeeded: loadLittleEndian(bytes + secondOffset, size: 2))
        if low & 3 != 3 { return Decoder.decode(parcel: low) }
        guard room >= 4 else { return nil }
        return Decoder.decode(UInt32(truncatingIfNeeded: loadLittleEndian(bytes + secondOffset, size: 4)))
    }

    /// `addi` and a branch on its result, fused; else the `addi` unchanged.
    static func fuseAddi(_ first: DecodedInstruction, _ second: DecodedInstruction) -> DecodedInstruction {
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
        guard record.operation.isFused else {
            return record
        }
        let low = UInt16(truncatingIfNeeded: loadLittleEndian(bytes + offset, size: 2))
        if low & 3 != 3 { return Decoder.decode(parcel: low) }
        return Decoder.decode(UInt32(truncatingIfNeeded: loadLittleEndian(bytes + offset, size: 4)))
    }
}
