// Writes the simplest useful executable: ELF64, RISC-V, one loadable segment holding
// code and data, plus a few symbols. The programs the project generates itself
// (benchmarks, fuzz harnesses) become real files that `qemu-riscv64` can run too.

import Machine

public enum ELFWriter {
    /// An ET_EXEC image with one RWX PT_LOAD segment at `address` (page-aligned), whose
    /// memory size is `contents.count + zeroFill`, and a symbol table with `symbols`.
    public static func executable(contents: [UInt8], address: UInt64, entry: UInt64, zeroFill: UInt64 = 0,
                                  symbols: [(name: String, value: UInt64)] = []) -> [UInt8] {
        var out: [UInt8] = []
        func u16(_ v: UInt16) { out += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) { out += littleEndianBytes(UInt64(v), count: 4) }
        func u64(_ v: UInt64) { out += littleEndianBytes(v) }
        func pad(to length: Int) { if out.count < length { out += [UInt8](repeating: 0, count: length - out.count) } }

        // String table and symbol table follow the segment contents.
        var strtab: [UInt8] = [0]
        var symtab: [UInt8] = [UInt8](repeating: 0, count: 24)   // the null symbol
        for symbol in symbols {
            let nameOffset = UInt32(strtab.count)
            strtab += Array(symbol.name.utf8) + [0]
            var entry: [UInt8] = []
            entry += littleEndianBytes(UInt64(nameOffset), count: 4)
            entry += [0x10, 0]            // STB_GLOBAL, STT_NOTYPE; st_other
            entry += [1, 0]               // st_shndx: the .text section
            entry += littleEndianBytes(symbol.value)
            entry += [UInt8](repeating: 0, count: 8)
            symtab += entry
        }
        let shstrtab: [UInt8] = Array("\0.text\0.symtab\0.strtab\0.shstrtab\0".utf8)

        let segmentOffset = 0x1000
        let symtabOffset = segmentOffset + contents.count
        let strtabOffset = symtabOffset + symtab.count
        let shstrtabOffset = strtabOffset + strtab.count
        let sectionHeaderOffset = (shstrtabOffset + shstrtab.count + 7) & ~7

        // ELF header.
        out += [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        u16(2); u16(243); u32(1)
        u64(entry); u64(64); u64(UInt64(sectionHeaderOffset))
        u32(0); u16(64); u16(56); u16(1); u16(64); u16(5); u16(4)
        // Program header: PT_LOAD, RWX.
        u32(1); u32(7)
        u64(UInt64(segmentOffset)); u64(address); u64(address)
        u64(UInt64(contents.count)); u64(UInt64(contents.count) + zeroFill); u64(0x1000)
        pad(to: segmentOffset)
        out += contents + symtab + strtab + shstrtab
        pad(to: sectionHeaderOffset)
        func section(name: UInt32, type: UInt32, flags: UInt64, address: UInt64, offset: Int, size: Int, link: UInt32 = 0,
                     info: UInt32 = 0, align: UInt64 = 1, entrySize: UInt64 = 0) {
            u32(name); u32(type); u64(flags); u64(address); u64(UInt64(offset)); u64(UInt64(size))
            u32(link); u32(info); u64(align); u64(entrySize)
        }
        section(name: 0, type: 0, flags: 0, address: 0, offset: 0, size: 0)
        section(name: 1, type: 1, flags: 7, address: address, offset: segmentOffset, size: contents.count, align: 4)
        section(name: 7, type: 2, flags: 0, address: 0, offset: symtabOffset, size: symtab.count, link: 3, info: 1, align: 8, entrySize: 24)
        section(name: 15, type: 3, flags: 0, address: 0, offset: strtabOffset, size: strtab.count)
        section(name: 23, type: 3, flags: 0, address: 0, offset: shstrtabOffset, size: shstrtab.count)
        return out
    }
}
