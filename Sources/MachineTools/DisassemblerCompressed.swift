// Disassembly of 16-bit compressed (RVC) instructions under their own `c.` mnemonics, as
// `objdump -M no-aliases` shows them (`c.addi a0, 1`, `c.ldsp ra, 8(sp)`, `c.j 0x80000010`).
// Fields come from `CompressedParcel` and legality from `Compressed.expand`, so a parcel is
// listed exactly when the hart would execute it; HINTs are listed as the instruction they
// are a variant of (`c.li zero, 5`, `c.slli a0, 0`).

import Machine

extension Disassembler {
    /// The listing of the compressed instruction `half` at `pc`, or nil if it is illegal or reserved.
    static func compressedText(_ half: UInt16, pc: UInt64) -> String? {
        guard Compressed.expand(half) != nil else { return nil }
        let c = CompressedParcel(half)
        let x = { (index: UInt32) in registerName(Int(index)) }
        let f = { (index: UInt32) in floatRegisterName(Int(index)) }
        let offset = { (value: UInt32, base: UInt32) in "\(value)(\(registerName(Int(base))))" }
        let destination = { (value: Int32) in target(pc, Int64(value)) }

        switch (c.quadrant, c.funct3) {
        // Quadrant 0
        case (0b00, 0b000): return line("c.addi4spn", x(c.rdPrime), "sp", "\(c.addi4spnImmediate)")
        case (0b00, 0b001): return line("c.fld", f(c.rdPrime), offset(c.registerDoubleOffset, c.rs1Prime))
        case (0b00, 0b010): return line("c.lw", x(c.rdPrime), offset(c.registerWordOffset, c.rs1Prime))
        case (0b00, 0b011): return line("c.ld", x(c.rdPrime), offset(c.registerDoubleOffset, c.rs1Prime))
        case (0b00, 0b101): return line("c.fsd", f(c.rs2Prime), offset(c.registerDoubleOffset, c.rs1Prime))
        case (0b00, 0b110): return line("c.sw", x(c.rs2Prime), offset(c.registerWordOffset, c.rs1Prime))
        case (0b00, 0b111): return line("c.sd", x(c.rs2Prime), offset(c.registerDoubleOffset, c.rs1Prime))

        // Quadrant 1
        case (0b01, 0b000):
            if c.rd == 0 {
                return c.signedImmediate6 == 0 ? "c.nop" : line("c.nop", "\(c.signedImmediate6)")
            }
            return line("c.addi", x(c.rd), "\(c.signedImmediate6)")
        case (0b01, 0b001): return line("c.addiw", x(c.rd), "\(c.signedImmediate6)")
        case (0b01, 0b010): return line("c.li", x(c.rd), "\(c.signedImmediate6)")
        case (0b01, 0b011):
            if c.rd == 2 { return line("c.addi16sp", "sp", "\(c.addi16spImmediate)") }
            let upper = UInt32(bitPattern: c.signedImmediate6) & 0xF_FFFF  // nzimm[17:12] as lui's 20-bit field
            return line("c.lui", x(c.rd), hex(UInt64(upper)))
        case (0b01, 0b100): return miscALUText(c)
        case (0b01, 0b101): return line("c.j", destination(c.jumpOffset))
        case (0b01, 0b110): return line("c.beqz", x(c.rs1Prime), destination(c.branchOffset))
        case (0b01, 0b111): return line("c.bnez", x(c.rs1Prime), destination(c.branchOffset))

        // Quadrant 2
        case (0b10, 0b000): return line("c.slli", x(c.rd), "\(c.shiftAmount)")
        case (0b10, 0b001): return line("c.fldsp", f(c.rd), offset(c.stackLoadDoubleOffset, 2))
        case (0b10, 0b010): return line("c.lwsp", x(c.rd), offset(c.stackLoadWordOffset, 2))
        case (0b10, 0b011): return line("c.ldsp", x(c.rd), offset(c.stackLoadDoubleOffset, 2))
        case (0b10, 0b100):
            switch (c.bit(12), c.rd, c.rs2) {
            case (0, _, 0): return line("c.jr", x(c.rd))
            case (0, _, _): return line("c.mv", x(c.rd), x(c.rs2))
            case (_, 0, 0): return "c.ebreak"
            case (_, _, 0): return line("c.jalr", x(c.rd))
            default: return line("c.add", x(c.rd), x(c.rs2))
            }
        case (0b10, 0b101): return line("c.fsdsp", f(c.rs2), offset(c.stackStoreDoubleOffset, 2))
        case (0b10, 0b110): return line("c.swsp", x(c.rs2), offset(c.stackStoreWordOffset, 2))
        case (0b10, 0b111): return line("c.sdsp", x(c.rs2), offset(c.stackStoreDoubleOffset, 2))
        default: return nil
        }
    }

    /// Quadrant 1, funct3 = 100: c.srli, c.srai, c.andi and the register-register CA group.
    private static func miscALUText(_ c: CompressedParcel) -> String? {
        let rd = registerName(Int(c.rs1Prime))
        switch c.field(11, 10) {
        case 0b00: return line("c.srli", rd, "\(c.shiftAmount)")
        case 0b01: return line("c.srai", rd, "\(c.shiftAmount)")
        case 0b10: return line("c.andi", rd, "\(c.signedImmediate6)")
        default:
            let names = ["c.sub", "c.xor", "c.or", "c.and", "c.subw", "c.addw"]
            let index = Int(c.bit(12) << 2 | c.field(6, 5))
            guard index < names.count else { return nil }
            return line(names[index], rd, registerName(Int(c.rs2Prime)))
        }
    }
}
