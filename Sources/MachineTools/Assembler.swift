// A small RV64 assembler for programs the project generates itself — the benchmark
// loops, fuzz harnesses and tests — so they need no external toolchain. It encodes the
// base formats of the ISA manual (R, I, S, B, U, J) and resolves labels in one pass at
// the end. Compressed forms are never emitted: every instruction is 4 bytes.

import Machine

/// The integer registers by ABI name.
public enum Register: UInt32, Sendable, CaseIterable {
    case zero, ra, sp, gp, tp, t0, t1, t2, s0, s1, a0, a1, a2, a3, a4, a5, a6, a7
    case s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, t3, t4, t5, t6
}

public struct AssemblerError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

public struct Assembler {
    /// Address of the first instruction.
    public let origin: UInt64
    public private(set) var words: [UInt32] = []
    var labels: [String: Int] = [:]
    var fixups: [(index: Int, label: String, kind: FixupKind)] = []
    enum FixupKind { case branch, jump }

    public init(origin: UInt64) { self.origin = origin }

    public var currentAddress: UInt64 { origin + UInt64(words.count * 4) }

    public mutating func label(_ name: String) { labels[name] = words.count }
    public func address(of label: String) -> UInt64? { labels[label].map { origin + UInt64($0 * 4) } }

    /// The machine code, little-endian, with every label resolved.
    public func assemble() throws(AssemblerError) -> [UInt8] {
        var resolved = words
        for fixup in fixups {
            guard let target = labels[fixup.label] else { throw AssemblerError(description: "undefined label '\(fixup.label)'") }
            let offset = Int64(target - fixup.index) * 4
            switch fixup.kind {
            case .branch:
                guard offset >= -4096 && offset < 4096 else { throw AssemblerError(description: "branch to '\(fixup.label)' out of range") }
                resolved[fixup.index] |= Self.branchImmediate(offset)
            case .jump:
                guard offset >= -(1 << 20) && offset < (1 << 20) else { throw AssemblerError(description: "jump to '\(fixup.label)' out of range") }
                resolved[fixup.index] |= Self.jumpImmediate(offset)
            }
        }
        return resolved.flatMap { littleEndianBytes(UInt64($0), count: 4) }
    }

    // MARK: Formats

    public mutating func emit(_ word: UInt32) { words.append(word) }

    mutating func r(_ opcode: UInt32, _ funct3: UInt32, _ funct7: UInt32, _ rd: Register, _ rs1: Register, _ rs2: Register) {
        emit(funct7 << 25 | rs2.rawValue << 20 | rs1.rawValue << 15 | funct3 << 12 | rd.rawValue << 7 | opcode)
    }
    mutating func i(_ opcode: UInt32, _ funct3: UInt32, _ rd: Register, _ rs1: Register, _ imm: Int64) {
        emit(UInt32(truncatingIfNeeded: imm & 0xFFF) << 20 | rs1.rawValue << 15 | funct3 << 12 | rd.rawValue << 7 | opcode)
    }
    mutating func s(_ opcode: UInt32, _ funct3: UInt32, _ rs1: Register, _ rs2: Register, _ imm: Int64) {
        let value = UInt32(truncatingIfNeeded: imm & 0xFFF)
        emit((value >> 5) << 25 | rs2.rawValue << 20 | rs1.rawValue << 15 | funct3 << 12 | (value & 31) << 7 | opcode)
    }
    mutating func b(_ funct3: UInt32, _ rs1: Register, _ rs2: Register, _ target: String) {
        fixups.append((words.count, target, .branch))
        emit(rs2.rawValue << 20 | rs1.rawValue << 15 | funct3 << 12 | 0x63)
    }
    static func branchImmediate(_ offset: Int64) -> UInt32 {
        let v = UInt32(truncatingIfNeeded: offset)
        return ((v >> 12) & 1) << 31 | ((v >> 5) & 0x3F) << 25 | ((v >> 1) & 0xF) << 8 | ((v >> 11) & 1) << 7
    }
    static func jumpImmediate(_ offset: Int64) -> UInt32 {
        let v = UInt32(truncatingIfNeeded: offset)
        return ((v >> 20) & 1) << 31 | ((v >> 1) & 0x3FF) << 21 | ((v >> 11) & 1) << 20 | ((v >> 12) & 0xFF) << 12
    }

    // MARK: Instructions

    public mutating func lui(_ rd: Register, _ imm20: Int64) { emit(UInt32(truncatingIfNeeded: imm20 & 0xFFFFF) << 12 | rd.rawValue << 7 | 0x37) }
    public mutating func auipc(_ rd: Register, _ imm20: Int64) { emit(UInt32(truncatingIfNeeded: imm20 & 0xFFFFF) << 12 | rd.rawValue << 7 | 0x17) }
    public mutating func jal(_ rd: Register, _ target: String) {
        fixups.append((words.count, target, .jump))
        emit(rd.rawValue << 7 | 0x6F)
    }
    public mutating func jalr(_ rd: Register, _ rs1: Register, _ imm: Int64 = 0) { i(0x67, 0, rd, rs1, imm) }
    public mutating func beq(_ a: Register, _ b: Register, _ target: String) { self.b(0, a, b, target) }
    public mutating func bne(_ a: Register, _ b: Register, _ target: String) { self.b(1, a, b, target) }
    public mutating func blt(_ a: Register, _ b: Register, _ target: String) { self.b(4, a, b, target) }
    public mutating func bge(_ a: Register, _ b: Register, _ target: String) { self.b(5, a, b, target) }
    public mutating func bltu(_ a: Register, _ b: Register, _ target: String) { self.b(6, a, b, target) }
    public mutating func bgeu(_ a: Register, _ b: Register, _ target: String) { self.b(7, a, b, target) }
    public mutating func lb(_ rd: Register, _ imm: Int64, _ rs1: Register) { i(0x03, 0, rd, rs1, imm) }
    public mutating func lw(_ rd: Register, _ imm: Int64, _ rs1: Register) { i(0x03, 2, rd, rs1, imm) }
    public mutating func ld(_ rd: Register, _ imm: Int64, _ rs1: Register) { i(0x03, 3, rd, rs1, imm) }
    public mutating func lbu(_ rd: Register, _ imm: Int64, _ rs1: Register) { i(0x03, 4, rd, rs1, imm) }
    public mutating func sb(_ rs2: Register, _ imm: Int64, _ rs1: Register) { s(0x23, 0, rs1, rs2, imm) }
    public mutating func sw(_ rs2: Register, _ imm: Int64, _ rs1: Register) { s(0x23, 2, rs1, rs2, imm) }
    public mutating func sd(_ rs2: Register, _ imm: Int64, _ rs1: Register) { s(0x23, 3, rs1, rs2, imm) }
    public mutating func addi(_ rd: Register, _ rs1: Register, _ imm: Int64) { i(0x13, 0, rd, rs1, imm) }
    public mutating func andi(_ rd: Register, _ rs1: Register, _ imm: Int64) { i(0x13, 7, rd, rs1, imm) }
    public mutating func ori(_ rd: Register, _ rs1: Register, _ imm: Int64) { i(0x13, 6, rd, rs1, imm) }
    public mutating func xori(_ rd: Register, _ rs1: Register, _ imm: Int64) { i(0x13, 4, rd, rs1, imm) }
    public mutating func slli(_ rd: Register, _ rs1: Register, _ shamt: Int64) { i(0x13, 1, rd, rs1, shamt & 63) }
    public mutating func srli(_ rd: Register, _ rs1: Register, _ shamt: Int64) { i(0x13, 5, rd, rs1, shamt & 63) }
    public mutating func srai(_ rd: Register, _ rs1: Register, _ shamt: Int64) { i(0x13, 5, rd, rs1, (shamt & 63) | 0x400) }
    public mutating func addiw(_ rd: Register, _ rs1: Register, _ imm: Int64) { i(0x1B, 0, rd, rs1, imm) }
    public mutating func add(_ rd: Register, _ a: Register, _ b: Register) { r(0x33, 0, 0, rd, a, b) }
    public mutating func sub(_ rd: Register, _ a: Register, _ b: Register) { r(0x33, 0, 0x20, rd, a, b) }
    public mutating func xor(_ rd: Register, _ a: Register, _ b: Register) { r(0x33, 4, 0, rd, a, b) }
    public mutating func or(_ rd: Register, _ a: Register, _ b: Register) { r(0x33, 6, 0, rd, a, b) }
    public mutating func and(_ rd: Register, _ a: Register, _ b: Register) { r(0x33, 7, 0, rd, a, b) }
    public mutating func sltu(_ rd: Register, _ a: Register, _ b: Register) { r(0x33, 3, 0, rd, a, b) }
    public mutating func addw(_ rd: Register, _ a: Register, _ b: Register) { r(0x3B, 0, 0, rd, a, b) }
    public mutating func mul(_ rd: Register, _ a: Register, _ b: Register) { r(0x33, 0, 1, rd, a, b) }
    public mutating func divu(_ rd: Register, _ a: Register, _ b: Register) { r(0x33, 5, 1, rd, a, b) }
    public mutating func remu(_ rd: Register, _ a: Register, _ b: Register) { r(0x33, 7, 1, rd, a, b) }
    public mutating func ecall() { emit(0x0000_0073) }
    public mutating func ebreak() { emit(0x0010_0073) }
    public mutating func csrrw(_ rd: Register, _ csr: UInt16, _ rs1: Register) { i(0x73, 1, rd, rs1, Int64(csr)) }
    public mutating func csrrs(_ rd: Register, _ csr: UInt16, _ rs1: Register) { i(0x73, 2, rd, rs1, Int64(csr)) }
    public mutating func amoaddD(_ rd: Register, _ rs2: Register, _ rs1: Register) { r(0x2F, 3, 0, rd, rs1, rs2) }
    public mutating func amoaddW(_ rd: Register, _ rs2: Register, _ rs1: Register) { r(0x2F, 2, 0, rd, rs1, rs2) }
    /// `lr.w rd, (rs1)`: loads a word and reserves it.
    public mutating func lrW(_ rd: Register, _ rs1: Register) { r(0x2F, 2, 0x08, rd, rs1, .zero) }
    /// `sc.w rd, rs2, (rs1)`: stores if the reservation holds; rd is 0 on success, 1 on failure.
    public mutating func scW(_ rd: Register, _ rs2: Register, _ rs1: Register) { r(0x2F, 2, 0x0C, rd, rs1, rs2) }

    // MARK: Pseudo-instructions

    public mutating func nop() { addi(.zero, .zero, 0) }
    public mutating func mv(_ rd: Register, _ rs: Register) { addi(rd, rs, 0) }
    public mutating func j(_ target: String) { jal(.zero, target) }
    public mutating func call(_ target: String) { jal(.ra, target) }
    public mutating func ret() { jalr(.zero, .ra, 0) }
    public mutating func bnez(_ rs: Register, _ target: String) { bne(rs, .zero, target) }
    public mutating func beqz(_ rs: Register, _ target: String) { beq(rs, .zero, target) }

    /// Loads any 64-bit constant, as the assembler's `li` does (lui/addiw, then shifts and adds).
    public mutating func li(_ rd: Register, _ value: Int64) {
        if value >= -2048 && value < 2048 {
            addi(rd, .zero, value)
        } else if value >= Int64(Int32.min) && value <= Int64(Int32.max) {
            let low = (value << 52) >> 52
            let high = ((value &- low) >> 12) & 0xFFFFF
            lui(rd, high)
            if low != 0 { addiw(rd, rd, low) }
        } else {
            let low = (value << 52) >> 52
            let rest = (value &- low) >> 12
            var shift: Int64 = 12
            var upper = rest
            while upper & 1 == 0 && shift < 60 {
                upper >>= 1
                shift += 1
            }
            li(rd, upper)
            slli(rd, rd, shift)
            if low != 0 { addi(rd, rd, low) }
        }
    }
}
