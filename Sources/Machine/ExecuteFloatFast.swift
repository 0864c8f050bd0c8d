// The run loop's floating-point fast path: the common double-precision operations
// compiled Swift code uses (add, subtract, multiply, divide, square root, sign
// injection, moves and compares), done with the host's doubles when the rounding mode is
// round-to-nearest-even and the operands are ordinary (see HostFloat64.swift). Results,
// `fflags` and `mstatus.FS` are exactly what `executeFloat` would produce; anything else
// returns false and the instruction takes the slow path in full.

extension Hart {
    /// Executes `inst` if it is a double-precision operation the fast path covers with
    /// these operands; false means nothing was changed.
    @inline(__always)
    func executeFloatFast(_ operation: Operation, rd: Int, rs1: Int, rs2: Int, funct: UInt16, double: Bool) -> Bool {
        guard double, mstatus & CSRBits.fs != 0 else { return false }
        let a = f[rs1], b = f[rs2]
        let result: (bits: UInt64, inexact: Bool)?
        switch operation {
        case .fsgnj, .fsgnjn, .fsgnjx:
            let sign: UInt64 = 1 << 63
            let newSign = operation == .fsgnj ? b & sign : operation == .fsgnjn ? ~b & sign : (a ^ b) & sign
            f[rd] = (a & ~sign) | newSign
            mstatus |= CSRBits.fs
            return true
        case .fmvXD:
            x[rd] = a
            return true
        case .fmvDX:
            f[rd] = x[rs1]
            mstatus |= CSRBits.fs
            return true
        case .feq, .flt, .fle:
            // Without NaNs no flag is raised, and ±0 compare equal on the host as in IEEE.
            guard (a << 1) <= 0xFFE0_0000_0000_0000, (b << 1) <= 0xFFE0_0000_0000_0000 else { return false }
            let p = Double(bitPattern: a), q = Double(bitPattern: b)
            x[rd] = (operation == .feq ? p == q : operation == .flt ? p < q : p <= q) ? 1 : 0
            return true
        default:
            guard (funct == 7 ? UInt16(frm) : funct) == 0 else { return false }
            // NX is sticky: once set, whether this result is exact changes nothing.
            let decides = fflags & FloatFlags.inexact.rawValue == 0
            switch operation {
            case .fadd: result = HostFloat64.add(a, b, decidesInexact: decides)
            case .fsub: result = HostFloat64.add(a, b ^ (1 << 63), decidesInexact: decides)
            case .fmul: result = HostFloat64.mul(a, b, decidesInexact: decides)
            case .fdiv: result = HostFloat64.div(a, b, decidesInexact: decides)
            case .fsqrt: result = HostFloat64.sqrt(a, decidesInexact: decides)
            default: return false
            }
        }
        guard let result else { return false }
        f[rd] = result.bits
        // FS is already dirty (checked above as nonzero; "dirty" is both bits) in the usual case.
        if mstatus & CSRBits.fs != CSRBits.fs { mstatus |= CSRBits.fs }
        if result.inexact { fflags |= FloatFlags.inexact.rawValue }
        return true
    }
}

extension Hart {
    /// Whether the run loop may do a double-precision add, subtract, multiply, divide or
    /// square root with rounding field `funct` inline, without a call: FS is dirty already
    /// (nothing to set) and the rounding is to nearest, even (static, or dynamic with frm 0).
    /// The operands are checked by HostFloat64 as for `executeFloatFast`.
    @inline(__always)
    func doubleArithmeticInline(funct: UInt16) -> Bool {
        mstatus & CSRBits.fs == CSRBits.fs && (funct == 0 || (funct == 7 && frm == 0))
    }

    /// NX is set already (it is sticky), so an inline result need not be tested for exactness.
    @inline(__always)
    var inexactAccrued: Bool { fflags & FloatFlags.inexact.rawValue != 0 }
}
