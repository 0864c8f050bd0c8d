// The machine's inspection records as people read them, with the instruction
// disassembled: a retired instruction as one trace line, a fatal fault as a report.

import Machine

extension RetiredInstruction {
    public var disassembly: String { Disassembler.disassemble(bits, pc: pc) }

    /// `hart 0 M 0x80000004  00a50533  add     a0, a0, a0    a0=0x2a`
    public var line: String {
        let width = length == 2 ? 4 : 8
        let hex = String(bits, radix: 16)
        let code = String(repeating: "0", count: max(0, width - hex.count)) + hex
        var text = "hart \(hart) \(privilege) 0x\(String(pc, radix: 16))  \(code + String(repeating: " ", count: max(0, 8 - code.count)))  \(disassembly)"
        if let written { text += "    \(written.register)=0x\(String(written.value, radix: 16))" }
        if let trap { text += "    trap: \(trapCauseName(trap.cause)) (tval 0x\(String(trap.value, radix: 16)))" }
        return text
    }
}

extension FaultReport {
    public var disassembly: String? { instructionBits.map { Disassembler.disassemble($0, pc: pc) } }

    /// The report with the faulting instruction disassembled.
    public var disassembledDescription: String { describe(instruction: disassembly) }
}
