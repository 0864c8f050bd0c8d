// The ABI names of the integer and floating-point registers (x10 is `a0`, f10 is `fa0`),
// as the calling convention names them: the machine's own reports use them, and so do
// the disassembler and the debugger in MachineTools.

public enum RegisterName {
    /// The ABI name of integer register `index` (`zero`, `ra`, `sp`, … `t6`); `x<index>` when out of range.
    public static func integer(_ index: Int) -> String {
        guard integerNames.indices.contains(index) else { return "x\(index)" }
        return integerNames[index]
    }

    /// The ABI name of floating-point register `index` (`ft0`, … `fa0`, … `ft11`); `f<index>` when out of range.
    public static func float(_ index: Int) -> String {
        guard floatNames.indices.contains(index) else { return "f\(index)" }
        return floatNames[index]
    }

    private static let integerNames = [
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
        "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
        "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
        "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
    ]

    private static let floatNames = [
        "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7",
        "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
        "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7",
        "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
    ]
}
