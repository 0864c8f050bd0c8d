// The pre-decoded form of one instruction. Instructions are decoded once, when first
// executed, into this 16-byte value and cached per physical page (see DecodeCache.swift),
// so the run loop dispatches on a small integer instead of re-parsing bits every time.

/// What a decoded instruction does. The first cases are markers the run loop treats as
/// "go the slow way": a slot not decoded yet, or a fetch page that must be looked up again.
/// Compressed instructions decode to the same operations as their 32-bit forms.
public enum Operation: UInt8, Sendable {
    case decode = 0, refetch
    // RV64I
    case lui, auipc, jal, jalr
    case beq, bne, blt, bge, bltu, bgeu
    case lb, lh, lw, ld, lbu, lhu, lwu
    case sb, sh, sw, sd
    case addi, slti, sltiu, xori, ori, andi, slli, srli, srai
    case add, sub, sll, slt, sltu, xor, srl, sra, or, and
    case addiw, slliw, srliw, sraiw, addw, subw, sllw, srlw, sraw
    // M
    case mul, mulh, mulhsu, mulhu, div, divu, rem, remu
    case mulw, divw, divuw, remw, remuw
    // Fused pairs (Fusion.swift): `addi` and the branch after it on its result, one
    // record that counts as two instructions. `rs3` holds the addi's length, `funct` its
    // immediate; `imm` is the branch's offset from the pair's first byte.
    case addiBeq, addiBne, addiBlt, addiBge, addiBltu, addiBgeu
    // `srli` then `slli` of one source register into two others (the halves of a rotate,
    // as SipHash has them): `rd`/`funct` the srli's destination and shift, `rs2`/`imm` the
    // slli's; `rs3` the srli's length.
    case srliSlli
    // Loads and stores of floating-point registers (kept on the fast path).
    case flw, fld, fsw, fsd
    // Everything from here on runs through `Hart.executeSlow`.
    case fence, fenceI, ecall, ebreak, mret, sret, wfi, sfenceVMA
    case csrrw, csrrs, csrrc, csrrwi, csrrsi, csrrci
    // A: `imm` holds the width (4 or 8); aq/rl are accepted and need nothing more
    // under the sequentially consistent memory of this machine.
    case lr, sc, amoswap, amoadd, amoxor, amoand, amoor, amomin, amomax, amominu, amomaxu
    // F and D: `rm` in `funct`, `rs3` for fused multiply-add; `imm` is 0 for single, 1 for double.
    case fmadd, fmsub, fnmsub, fnmadd
    case fadd, fsub, fmul, fdiv, fsqrt
    case fsgnj, fsgnjn, fsgnjx, fmin, fmax
    case feq, flt, fle, fclass
    case fcvtWFromF, fcvtWUFromF, fcvtLFromF, fcvtLUFromF
    case fcvtFFromW, fcvtFFromWU, fcvtFFromL, fcvtFFromLU
    case fcvtSFromD, fcvtDFromS
    case fmvXW, fmvWX, fmvXD, fmvDX
    /// An encoding the machine does not implement: raises illegal instruction with the bits.
    case illegal

    /// True for operations handled outside the run loop's fast switch.
    @inline(__always) var isSlow: Bool { rawValue >= Operation.fence.rawValue }

    /// The bytes a load or store moves (the one table of access sizes); 0 for anything else.
    /// Atomics carry their width in `imm` instead.
    @inline(__always) public var accessSize: Int {
        switch self {
        case .lb, .lbu, .sb: 1
        case .lh, .lhu, .sh: 2
        case .lw, .lwu, .sw, .flw, .fsw: 4
        case .ld, .sd, .fld, .fsd: 8
        default: 0
        }
    }

    /// True for the loads whose value is sign-extended to 64 bits (lb, lh, lw).
    @inline(__always) public var signExtendsLoad: Bool { self == .lb || self == .lh || self == .lw }
}

/// One decoded instruction. `rd` of 0 is rewritten to the sink register 32 at decode time,
/// so the run loop never has to test for writes to x0.
public struct DecodedInstruction: Sendable {
    public var operation: Operation
    public var rd: UInt8
    public var rs1: UInt8
    public var rs2: UInt8
    public var rs3: UInt8
    /// 2 for a compressed instruction, 4 otherwise.
    public var length: UInt8
    /// Rounding mode for floating point, CSR number for Zicsr, fence bits otherwise.
    public var funct: UInt16
    /// Sign-extended immediate; for `.illegal`, the raw instruction bits.
    public var imm: Int64

    public init(operation: Operation, rd: UInt8 = 0, rs1: UInt8 = 0, rs2: UInt8 = 0, rs3: UInt8 = 0,
                length: UInt8 = 4, funct: UInt16 = 0, imm: Int64 = 0) {
        self.operation = operation
        self.rd = rd
        self.rs1 = rs1
        self.rs2 = rs2
        self.rs3 = rs3
        self.length = length
        self.funct = funct
        self.imm = imm
    }

    static let undecoded = DecodedInstruction(operation: .decode)
}

/// Index of the register that absorbs writes to x0.
let sinkRegister: UInt8 = 32
