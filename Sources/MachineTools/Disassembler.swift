// Turns one RV64GC instruction (32-bit, or a 16-bit compressed parcel) into assembler text
// for traces, the debugger and listings: ABI register names, absolute branch targets, CSR
// names and a few of objdump's aliases. Integer, atomic, fence and system instructions live
// here; floating point is in DisassemblerFloatingPoint.swift, the `c.` forms in
// DisassemblerCompressed.swift and the CSR names in CSRNames.swift.

import Machine

/// Assembler text for RV64GC instructions (RV64I, M, A, F, D, C, Zicsr, Zifencei and the
/// privileged mret, sret, wfi, sfence.vma and dret).
public enum Disassembler {
    /// The text of the instruction `bits` located at `pc`.
    ///
    /// If the low two bits of `bits` are not `0b11`, only the low 16 bits are used: they are a
    /// compressed instruction, shown with its `c.` mnemonic. Otherwise `bits` is a 32-bit
    /// instruction in standard syntax. Words that are not a legal RV64GC instruction come out as
    /// `.word 0x…` (or `.half 0x…`). The mnemonic is padded to 8 columns, operands are
    /// separated by ", ", immediates are decimal and branch/jump targets absolute hex.
    public static func disassemble(_ bits: UInt32, pc: UInt64) -> String {
        disassemble(bits, pc: pc, aliases: true)
    }

    /// As `disassemble(_:pc:)`; with `aliases: false` every instruction is shown under its own
    /// mnemonic (`addi zero, zero, 0` rather than `nop`), as `objdump -M no-aliases` does.
    static func disassemble(_ bits: UInt32, pc: UInt64, aliases: Bool) -> String {
        if bits & 0b11 != 0b11 {
            let half = UInt16(truncatingIfNeeded: bits)
            // 0x0000 is reserved as illegal; assemblers write it as `unimp` (Swift's trap at -Osize).
            if half == 0 && aliases { return "unimp" }
            return compressedText(half, pc: pc) ?? line(".half", hex(UInt64(half), digits: 4))
        }
        let word = FullWord(bits: bits, pc: pc, aliases: aliases)
        return word.text() ?? line(".word", hex(UInt64(bits), digits: 8))
    }

    /// The ABI name of integer register `index` (`zero`, `ra`, `sp`, … `t6`); `x<index>` when out of range.
    public static func registerName(_ index: Int) -> String { RegisterName.integer(index) }

    /// The ABI name of floating-point register `index` (`ft0`, … `fa0`, … `ft11`); `f<index>` when out of range.
    public static func floatRegisterName(_ index: Int) -> String { RegisterName.float(index) }

    // MARK: Text helpers shared by the 32-bit and compressed listings

    /// One line of listing: the mnemonic padded to 8 columns (at least one space), then the operands.
    static func line(_ mnemonic: String, _ operands: String...) -> String { line(mnemonic, operands) }

    static func line(_ mnemonic: String, _ operands: [String]) -> String {
        guard !operands.isEmpty else { return mnemonic }
        let padding = String(repeating: " ", count: max(1, 8 - mnemonic.count))
        return mnemonic + padding + operands.joined(separator: ", ")
    }

    /// `0x` and lower-case hex digits, zero-padded to `digits`.
    static func hex(_ value: UInt64, digits: Int = 1) -> String {
        let text = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// A memory operand, `offset(base)`.
    static func memory(_ offset: Int64, _ base: Int) -> String { "\(offset)(\(registerName(base)))" }

    /// The absolute address `pc + offset`, in hex (wrapping like the hardware does).
    static func target(_ pc: UInt64, _ offset: Int64) -> String { hex(pc &+ UInt64(bitPattern: offset)) }

    /// A CSR operand: its name if known, else its number in hex.
    static func csrOperand(_ number: UInt16) -> String { csrName(number) ?? hex(UInt64(number)) }
}

extension Disassembler {
    /// A 32-bit instruction being listed: its fields, where it is, and whether aliases are wanted.
    struct FullWord {
        let bits: UInt32
        let pc: UInt64
        let aliases: Bool

        var opcode: UInt32 { bits & 0x7F }
        var rd: Int { Int(bits >> 7 & 0x1F) }
        var funct3: UInt32 { bits >> 12 & 0x7 }
        var rs1: Int { Int(bits >> 15 & 0x1F) }
        var rs2: Int { Int(bits >> 20 & 0x1F) }
        var rs3: Int { Int(bits >> 27) }
        var funct7: UInt32 { bits >> 25 }
        /// I-type imm[11:0] in [31:20], sign-extended.
        var immediateI: Int64 { Int64(Int32(bitPattern: bits) >> 20) }
        /// S-type imm[11:5] in [31:25], imm[4:0] in [11:7], sign-extended.
        var immediateS: Int64 { Int64((Int32(bitPattern: bits) >> 25) << 5 | Int32(bits >> 7 & 0x1F)) }
        /// B-type imm[12|10:5] in [31:25], imm[4:1|11] in [11:7], sign-extended.
        var immediateB: Int64 {
            let sign = Int64(Int32(bitPattern: bits) >> 31) << 12
            return sign | Int64(bits >> 7 & 1) << 11 | Int64(bits >> 25 & 0x3F) << 5 | Int64(bits >> 8 & 0xF) << 1
        }
        /// J-type imm[20|10:1|11|19:12] in [31:12], sign-extended.
        var immediateJ: Int64 {
            let sign = Int64(Int32(bitPattern: bits) >> 31) << 20
            return sign | Int64(bits >> 12 & 0xFF) << 12 | Int64(bits >> 20 & 1) << 11 | Int64(bits >> 21 & 0x3FF) << 1
        }
        /// U-type: the 20-bit field in [31:12], shown unshifted as assemblers write it.
        var upperImmediate: UInt64 { UInt64(bits >> 12) }

        func x(_ index: Int) -> String { Disassembler.registerName(index) }
        func f(_ index: Int) -> String { Disassembler.floatRegisterName(index) }
        func line(_ mnemonic: String, _ operands: String...) -> String { Disassembler.line(mnemonic, operands) }

        /// The listing, or nil when the word is not a legal RV64GC instruction.
        func text() -> String? {
            switch opcode {
            case 0b000_0011: return load()
            case 0b000_0111: return floatLoad()
            case 0b000_1111: return miscMem()
            case 0b001_0011: return opImm()
            case 0b001_0111: return line("auipc", x(rd), Disassembler.hex(upperImmediate))
            case 0b001_1011: return opImm32()
            case 0b010_0011: return store()
            case 0b010_0111: return floatStore()
            case 0b010_1111: return atomic()
            case 0b011_0011: return op()
            case 0b011_0111: return line("lui", x(rd), Disassembler.hex(upperImmediate))
            case 0b011_1011: return op32()
            case 0b100_0011, 0b100_0111, 0b100_1011, 0b100_1111: return fusedMultiplyAdd()
            case 0b101_0011: return floatOp()
            case 0b110_0011: return branch()
            case 0b110_0111: return jumpAndLinkRegister()
            case 0b110_1111: return jumpAndLink()
            case 0b111_0011: return system()
            default: return nil
            }
        }

        // MARK: Loads and stores

        private func load() -> String? {
            let names = ["lb", "lh", "lw", "ld", "lbu", "lhu", "lwu"]
            guard Int(funct3) < names.count else { return nil }
            return line(names[Int(funct3)], x(rd), Disassembler.memory(immediateI, rs1))
        }

        private func store() -> String? {
            let names = ["sb", "sh", "sw", "sd"]
            guard Int(funct3) < names.count else { return nil }
            return line(names[Int(funct3)], x(rs2), Disassembler.memory(immediateS, rs1))
        }

        // MARK: Integer computation

        private func opImm() -> String? {
            let imm = immediateI
            let shiftAmount = bits >> 20 & 0x3F  // RV64: shamt[5:0], funct6 in [31:26]
            let funct6 = bits >> 26
            switch funct3 {
            case 0b000:
                if aliases {
                    if rd == 0 && rs1 == 0 && imm == 0 { return "nop" }
                    if rs1 == 0 { return line("li", x(rd), "\(imm)") }
                    if imm == 0 { return line("mv", x(rd), x(rs1)) }
                }
                return line("addi", x(rd), x(rs1), "\(imm)")
            case 0b001:
                guard funct6 == 0 else { return nil }
                return line("slli", x(rd), x(rs1), "\(shiftAmount)")
            case 0b010:
                return line("slti", x(rd), x(rs1), "\(imm)")
            case 0b011:
                if aliases && imm == 1 { return line("seqz", x(rd), x(rs1)) }
                return line("sltiu", x(rd), x(rs1), "\(imm)")
            case 0b100:
                if aliases && imm == -1 { return line("not", x(rd), x(rs1)) }
                return line("xori", x(rd), x(rs1), "\(imm)")
            case 0b101:
                switch funct6 {
                case 0b00_0000: return line("srli", x(rd), x(rs1), "\(shiftAmount)")
                case 0b01_0000: return line("srai", x(rd), x(rs1), "\(shiftAmount)")
                default: return nil
                }
            case 0b110:
                return line("ori", x(rd), x(rs1), "\(imm)")
            default:
                return line("andi", x(rd), x(rs1), "\(imm)")
            }
        }

        private func opImm32() -> String? {
            let shiftAmount = rs2  // shamt[4:0] in [24:20]
            switch (funct3, funct7) {
            case (0b000, _):
                if aliases && immediateI == 0 { return line("sext.w", x(rd), x(rs1)) }
                return line("addiw", x(rd), x(rs1), "\(immediateI)")
            case (0b001, 0b000_0000): return line("slliw", x(rd), x(rs1), "\(shiftAmount)")
            case (0b101, 0b000_0000): return line("srliw", x(rd), x(rs1), "\(shiftAmount)")
            case (0b101, 0b010_0000): return line("sraiw", x(rd), x(rs1), "\(shiftAmount)")
            default: return nil
            }
        }

        private func op() -> String? {
            let name: String
            switch (funct7, funct3) {
            case (0b000_0000, 0b000): name = "add"
            case (0b010_0000, 0b000):
                if aliases && rs1 == 0 { return line("neg", x(rd), x(rs2)) }
                name = "sub"
            case (0b000_0000, 0b001): name = "sll"
            case (0b000_0000, 0b010):
                if aliases && rs2 == 0 { return line("sltz", x(rd), x(rs1)) }
                if aliases && rs1 == 0 { return line("sgtz", x(rd), x(rs2)) }
                name = "slt"
            case (0b000_0000, 0b011):
                if aliases && rs1 == 0 { return line("snez", x(rd), x(rs2)) }
                name = "sltu"
            case (0b000_0000, 0b100): name = "xor"
            case (0b000_0000, 0b101): name = "srl"
            case (0b010_0000, 0b101): name = "sra"
            case (0b000_0000, 0b110): name = "or"
            case (0b000_0000, 0b111): name = "and"
            case (0b000_0001, _):
                name = ["mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"][Int(funct3)]
            default: return nil
            }
            return line(name, x(rd), x(rs1), x(rs2))
        }

        private func op32() -> String? {
            let name: String
            switch (funct7, funct3) {
            case (0b000_0000, 0b000): name = "addw"
            case (0b010_0000, 0b000):
                if aliases && rs1 == 0 { return line("negw", x(rd), x(rs2)) }
                name = "subw"
            case (0b000_0000, 0b001): name = "sllw"
            case (0b000_0000, 0b101): name = "srlw"
            case (0b010_0000, 0b101): name = "sraw"
            case (0b000_0001, 0b000): name = "mulw"
            case (0b000_0001, 0b100): name = "divw"
            case (0b000_0001, 0b101): name = "divuw"
            case (0b000_0001, 0b110): name = "remw"
            case (0b000_0001, 0b111): name = "remuw"
            default: return nil
            }
            return line(name, x(rd), x(rs1), x(rs2))
        }

        // MARK: Control transfer

        private func branch() -> String? {
            let names = ["beq", "bne", nil, nil, "blt", "bge", "bltu", "bgeu"]
            guard let name = names[Int(funct3)] else { return nil }
            let destination = Disassembler.target(pc, immediateB)
            if aliases && rs2 == 0 && funct3 <= 0b001 {
                return line(name + "z", x(rs1), destination)
            }
            return line(name, x(rs1), x(rs2), destination)
        }

        private func jumpAndLink() -> String {
            let destination = Disassembler.target(pc, immediateJ)
            if aliases && rd == 0 { return line("j", destination) }
            return line("jal", x(rd), destination)
        }

        private func jumpAndLinkRegister() -> String? {
            guard funct3 == 0 else { return nil }
            if aliases && rd == 0 && immediateI == 0 {
                return rs1 == 1 ? "ret" : line("jr", x(rs1))
            }
            return line("jalr", x(rd), Disassembler.memory(immediateI, rs1))
        }

        // MARK: Fences, atomics, system

        private func miscMem() -> String? {
            switch funct3 {
            case 0b000:
                // FENCE fm | pred | succ | rs1 | 000 | rd. Reserved fm values and the unused
                // rs1/rd fields are ignored by base implementations: it is an ordinary fence.
                let fenceMode = bits >> 28
                let predecessor = bits >> 24 & 0xF
                let successor = bits >> 20 & 0xF
                if fenceMode == 0b1000 && predecessor == 0b0011 && successor == 0b0011 { return "fence.tso" }
                if aliases && bits == 0x0100_000F { return "pause" }
                return line("fence", fenceSet(predecessor), fenceSet(successor))
            case 0b001:
                // FENCE.I: imm, rs1 and rd are reserved for finer-grain fences and ignored.
                return "fence.i"
            default:
                return nil
            }
        }

        /// A FENCE predecessor/successor set as assemblers write it: a subset of `iorw`, or `0`.
        private func fenceSet(_ set: UInt32) -> String {
            let text = zip(["i", "o", "r", "w"], [8, 4, 2, 1] as [UInt32])
                .filter { set & $0.1 != 0 }
                .map(\.0)
                .joined()
            return text.isEmpty ? "0" : text
        }

        private func atomic() -> String? {
            let width: String
            switch funct3 {
            case 0b010: width = ".w"
            case 0b011: width = ".d"
            default: return nil
            }
            let ordering = ["", ".rl", ".aq", ".aqrl"][Int(bits >> 25 & 0b11)]
            let address = "(\(x(rs1)))"
            let name: String
            switch bits >> 27 {
            case 0b00010:
                guard rs2 == 0 else { return nil }
                return line("lr" + width + ordering, x(rd), address)
            case 0b00011: name = "sc"
            case 0b00001: name = "amoswap"
            case 0b00000: name = "amoadd"
            case 0b00100: name = "amoxor"
            case 0b01100: name = "amoand"
            case 0b01000: name = "amoor"
            case 0b10000: name = "amomin"
            case 0b10100: name = "amomax"
            case 0b11000: name = "amominu"
            case 0b11100: name = "amomaxu"
            default: return nil
            }
            return line(name + width + ordering, x(rd), x(rs2), address)
        }

        /// SYSTEM: the privileged instructions (funct3 = 0) and Zicsr. With aliases, CSR accesses
        /// that only read or only write are shown as csrr, csrw, csrs, csrc, csrwi, csrsi, csrci.
        private func system() -> String? {
            let csr = Disassembler.csrOperand(UInt16(bits >> 20))
            let immediate = "\(rs1)"  // uimm[4:0] sits in the rs1 field
            switch funct3 {
            case 0b000:
                return privileged()
            case 0b001:
                if aliases && bits == 0xC000_1073 { return "unimp" }  // csrrw zero, cycle, zero
                if aliases && rd == 0 { return line("csrw", csr, x(rs1)) }
                return line("csrrw", x(rd), csr, x(rs1))
            case 0b010:
                if aliases && rs1 == 0 { return line("csrr", x(rd), csr) }
                if aliases && rd == 0 { return line("csrs", csr, x(rs1)) }
                return line("csrrs", x(rd), csr, x(rs1))
            case 0b011:
                if aliases && rd == 0 { return line("csrc", csr, x(rs1)) }
                return line("csrrc", x(rd), csr, x(rs1))
            case 0b101:
                if aliases && rd == 0 { return line("csrwi", csr, immediate) }
                return line("csrrwi", x(rd), csr, immediate)
            case 0b110:
                if aliases && rd == 0 { return line("csrsi", csr, immediate) }
                return line("csrrsi", x(rd), csr, immediate)
            case 0b111:
                if aliases && rd == 0 { return line("csrci", csr, immediate) }
                return line("csrrci", x(rd), csr, immediate)
            default:
                return nil
            }
        }

        private func privileged() -> String? {
            switch bits {
            case 0x0000_0073: return "ecall"
            case 0x0010_0073: return "ebreak"
            case 0x1020_0073: return "sret"
            case 0x3020_0073: return "mret"
            case 0x7B20_0073: return "dret"
            case 0x1050_0073: return "wfi"
            default: break
            }
            // SFENCE.VMA: 0001001 | rs2 | rs1 | 000 | 00000 | 1110011
            guard funct7 == 0b000_1001 && rd == 0 else { return nil }
            if aliases && rs2 == 0 {
                return rs1 == 0 ? "sfence.vma" : line("sfence.vma", x(rs1))
            }
            return line("sfence.vma", x(rs1), x(rs2))
        }
    }
}
