// An objdump-style listing of an ELF file's executable segments: address, raw bits,
// disassembly, and a `<symbol>:` label where a function or label starts.

import Machine

public enum Listing {
    public static func lines(for image: ELFImage) -> [String] {
        var lines: [String] = []
        let labels = Dictionary(image.symbols.filter { !$0.isObject }.map { ($0.value, $0.name) }, uniquingKeysWith: { first, _ in first })
        for (index, segment) in image.segments.enumerated() where segment.executable {
            let bytes = Array(image.segmentBytes(segment))
            lines.append("")
            lines.append("segment \(index) at 0x\(hex(segment.virtualAddress)) (\(bytes.count) bytes):")
            var offset = 0
            while offset + 2 <= bytes.count {
                let address = segment.virtualAddress &+ UInt64(offset)
                if let name = labels[address] {
                    lines.append("")
                    lines.append("\(hex(address, digits: 16)) <\(name)>:")
                }
                let low = UInt32(truncatingIfNeeded: littleEndianWord(bytes, at: offset, count: 2))
                var bits = low
                var length = 2
                if low & 3 == 3 {
                    guard offset + 4 <= bytes.count else { break }
                    bits = UInt32(truncatingIfNeeded: littleEndianWord(bytes, at: offset, count: 4))
                    length = 4
                }
                let code = length == 2 ? hex(UInt64(bits), digits: 4) + "    " : hex(UInt64(bits), digits: 8)
                lines.append("\(hex(address, digits: 8)):\t\(code)\t\(Disassembler.disassemble(bits, pc: address))")
                offset += length
            }
        }
        return lines
    }

    static func hex(_ value: UInt64, digits: Int = 1) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
