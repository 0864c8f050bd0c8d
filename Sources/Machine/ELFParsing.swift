// Byte-level parsing and validation of ELF64 RISC-V executables for `ELFImage`.
// The file is hostile: every read is preceded by a range check done in UInt64 with overflow
// detection, counts are capped before anything is allocated from them, and each failure is
// reported as one sentence that starts with the file's name ("the file" or its path).

/// What the parser hands back to `ELFImage`; symbols carry their binding so the name index
/// can prefer global definitions.
struct ParsedELF {
    var entry: UInt64
    var segments: [ELFImage.Segment]
    var symbols: [(symbol: ELFImage.Symbol, isGlobal: Bool)]
}

/// One pass over the bytes of a candidate executable.
struct ELFParser {
    let bytes: [UInt8]
    /// How messages name the file: "the file" or a quoted path.
    let subject: String

    // Sizes and constants from the ELF64 gABI and the RISC-V psABI.
    static let headerSize: UInt64 = 64
    static let programHeaderSize: UInt64 = 56
    static let sectionHeaderSize: UInt64 = 64
    static let symbolSize: UInt64 = 24
    static let machineRISCV: UInt16 = 243
    static let typeExecutable: UInt16 = 2
    static let programLoad: UInt32 = 1
    static let sectionSymbolTable: UInt32 = 2
    static let sectionStringTable: UInt32 = 3
    static let sectionNoBits: UInt32 = 8
    static let sectionDynamicSymbols: UInt32 = 11
    static let sectionIndexReservedStart: UInt64 = 0xff00
    static let sectionIndexCommon: UInt16 = 0xfff2
    static let sectionIndexExtended: UInt16 = 0xffff

    private func fail(_ predicate: String) -> ELFError {
        ELFError("\(subject) \(predicate)")
    }

    private func hex(_ value: UInt64) -> String { ELFImage.hex(value) }

    // MARK: Reads. Callers have checked the range with `checkedRange` first.

    private func u8(_ at: Int) -> UInt8 { bytes[at] }
    private func u16(_ at: Int) -> UInt16 { UInt16(truncatingIfNeeded: littleEndianWord(bytes, at: at, count: 2)) }
    private func u32(_ at: Int) -> UInt32 { UInt32(truncatingIfNeeded: littleEndianWord(bytes, at: at, count: 4)) }
    private func u64(_ at: Int) -> UInt64 { littleEndianWord(bytes, at: at) }

    /// Proves `[offset, offset + size)` lies inside the file and returns the offset as an Int.
    private func checkedRange(_ what: String, offset: UInt64, size: UInt64) throws(ELFError) -> Int {
        let (end, wrapped) = offset.addingReportingOverflow(size)
        if wrapped {
            throw fail("is corrupt: \(what) at offset \(hex(offset)) with size \(size) runs past the end of the 64-bit range")
        }
        if end > UInt64(bytes.count) {
            throw fail("is truncated: \(what) needs \(end) bytes but the file has \(bytes.count)")
        }
        return Int(offset)
    }

    // MARK: The whole file

    func parse() throws(ELFError) -> ParsedELF {
        try checkIdentification()
        _ = try checkedRange("the ELF header", offset: 0, size: Self.headerSize)
        try checkHeaderFields()
        let (entry, segments) = try parseProgramHeaders()
        let symbols = try parseSections()
        return ParsedELF(entry: entry, segments: segments, symbols: symbols)
    }

    /// The first 16 bytes: checked as far as the file goes, so that even a short prefix of a
    /// 32-bit or big-endian file is named for what it is.
    private func checkIdentification() throws(ELFError) {
        let n = bytes.count
        if n == 0 {
            throw fail("is empty, but an ELF executable starts with a 64-byte header")
        }
        let magic: [UInt8] = [0x7f, 0x45, 0x4c, 0x46]
        if !bytes.prefix(4).elementsEqual(magic.prefix(min(n, 4))) {
            throw fail(notELFDescription())
        }
        if n > 4 {
            switch u8(4) {
            case 2: break
            case 1: throw fail("is not ELF64: it is a 32-bit ELF file (ELFCLASS32), but this machine runs RV64 code; build it for RV64, for example with -march=rv64gc -mabi=lp64")
            case let c: throw fail("is not a valid ELF file: its class byte (offset 4) is \(c), not 2 (ELFCLASS64)")
            }
        }
        if n > 5 {
            switch u8(5) {
            case 1: break
            case 2: throw fail("is big-endian (ELFDATA2MSB), but RISC-V executables are little-endian")
            case let d: throw fail("is not a valid ELF file: its data-encoding byte (offset 5) is \(d), not 1 (little-endian)")
            }
        }
        if n > 6, u8(6) != 1 {
            throw fail("has ELF identification version \(u8(6)), but only version 1 (EV_CURRENT) exists")
        }
    }

    /// Recognises a few formats people pass by mistake, so the message says what to do instead.
    private func notELFDescription() -> String {
        let head = Array(bytes.prefix(8))
        if head.starts(with: Array("!<arch>\n".utf8)) {
            return "is a static library (ar archive), not an executable: link it into a program first"
        }
        if head.starts(with: [0xcf, 0xfa, 0xed, 0xfe]) || head.starts(with: [0xce, 0xfa, 0xed, 0xfe])
            || head.starts(with: [0xca, 0xfe, 0xba, 0xbe]) {
            return "is a Mach-O file, not ELF: build it with a RISC-V target such as --target=riscv64-unknown-elf"
        }
        if head.starts(with: Array("MZ".utf8)) {
            return "is a Windows PE file, not ELF: build it with a RISC-V target such as --target=riscv64-unknown-elf"
        }
        if head.starts(with: Array("#!".utf8)) {
            return "is a script, not an ELF executable"
        }
        let shown = head.prefix(4).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
        return "is not an ELF file: it starts with bytes \(shown) instead of 7f 45 4c 46 (\"\\x7fELF\")"
    }

    private func checkHeaderFields() throws(ELFError) {
        let machine = u16(18)
        if machine != Self.machineRISCV {
            throw fail("was built for \(Self.machineName(machine)), not RISC-V (machine 243)")
        }
        switch u16(16) {
        case Self.typeExecutable: break
        case 0: throw fail("has no file type (ET_NONE), so it is not an executable")
        case 1: throw fail("is an object file (ET_REL), not an executable: link it first")
        case 3: throw fail("is a shared library or position-independent executable (ET_DYN), but only fixed-address executables (ET_EXEC) are accepted: link it with -no-pie")
        case 4: throw fail("is a core dump (ET_CORE), not an executable")
        case let t: throw fail("has unknown file type \(t), but only executables (ET_EXEC) are accepted")
        }
        let version = u32(20)
        if version != 1 {
            throw fail("has ELF version \(version) in its header, but only version 1 (EV_CURRENT) exists")
        }
        let headerSize = u16(52)
        if UInt64(headerSize) != Self.headerSize {
            throw fail("is corrupt: its header declares a header size of \(headerSize) bytes, but ELF64 headers are 64 bytes")
        }
    }

    /// Names the machines a file is most likely to have been built for by mistake.
    static func machineName(_ machine: UInt16) -> String {
        let name: String? = switch machine {
        case 0: "no particular machine"
        case 2: "SPARC"
        case 3: "32-bit x86"
        case 8: "MIPS"
        case 20: "PowerPC"
        case 21: "64-bit PowerPC"
        case 22: "IBM S/390"
        case 40: "32-bit ARM"
        case 43: "SPARC V9"
        case 50: "IA-64"
        case 62: "x86-64"
        case 183: "AArch64"
        case 247: "BPF"
        case 258: "LoongArch"
        default: nil
        }
        return "\(name ?? "an unknown machine") (machine \(machine))"
    }

    // MARK: Program headers

    private func parseProgramHeaders() throws(ELFError) -> (entry: UInt64, segments: [ELFImage.Segment]) {
        let entry = u64(24)
        let tableOffset = u64(32)
        let entrySize = u16(54)
        let count = u16(56)
        if count == 0 {
            throw fail("has no loadable segments: its program header table is empty")
        }
        if count == 0xffff {
            throw fail("uses an extended program header count (PN_XNUM), which this loader does not support")
        }
        if UInt64(entrySize) != Self.programHeaderSize {
            throw fail("is corrupt: it declares program headers of \(entrySize) bytes, but ELF64 program headers are 56 bytes")
        }
        if tableOffset < Self.headerSize {
            throw fail("is corrupt: its program header table at offset \(hex(tableOffset)) overlaps the ELF header")
        }
        let table = try checkedRange(
            "the program header table (\(count) entries of 56 bytes at offset \(hex(tableOffset)))",
            offset: tableOffset, size: UInt64(count) * Self.programHeaderSize)

        var segments: [ELFImage.Segment] = []
        for i in 0 ..< Int(count) {
            let at = table + i * Int(Self.programHeaderSize)
            let type = u32(at)
            if type == 0 { continue }  // PT_NULL: unused entry.
            let flags = u32(at + 4)
            let offset = u64(at + 8)
            let virtualAddress = u64(at + 16)
            let physicalAddress = u64(at + 24)
            let fileSize = u64(at + 32)
            let memorySize = u64(at + 40)
            _ = try checkedRange("the data of program header \(i)", offset: offset, size: fileSize)
            guard type == Self.programLoad else { continue }

            if fileSize > memorySize {
                throw fail("is corrupt: program header \(i) has a file size (\(fileSize) bytes) larger than its memory size (\(memorySize) bytes)")
            }
            if virtualAddress.addingReportingOverflow(memorySize).overflow {
                throw fail("is corrupt: program header \(i) at virtual address \(hex(virtualAddress)) with \(memorySize) bytes runs past the top of the address space")
            }
            if physicalAddress.addingReportingOverflow(memorySize).overflow {
                throw fail("is corrupt: program header \(i) at physical address \(hex(physicalAddress)) with \(memorySize) bytes runs past the top of the address space")
            }
            segments.append(ELFImage.Segment(
                virtualAddress: virtualAddress, physicalAddress: physicalAddress, fileOffset: offset,
                fileSize: fileSize, memorySize: memorySize,
                readable: flags & 4 != 0, writable: flags & 2 != 0, executable: flags & 1 != 0))
        }
        if segments.isEmpty {
            throw fail("has no loadable segments (no PT_LOAD program headers), so there is nothing to run")
        }
        // Every PT_LOAD counts, whatever its flags, as QEMU and Spike load them: bare-metal
        // linker scripts often leave the flags empty. The entry must still be loaded code.
        let entryIsLoaded = segments.contains { s in
            entry >= s.virtualAddress && entry - s.virtualAddress < s.fileSize
        }
        if !entryIsLoaded {
            let hint = entry == 0 ? ", which usually means the linker found no _start symbol" : ""
            throw fail("has entry point \(hex(entry)), which is not inside the file data of any loadable segment\(hint)")
        }
        return (entry, segments)
    }

    // MARK: Sections and symbols

    /// Section headers are optional (a stripped file has none); when present they must be
    /// well formed, and the symbols come from the first `SHT_SYMTAB`, else the first `SHT_DYNSYM`.
    private func parseSections() throws(ELFError) -> [(symbol: ELFImage.Symbol, isGlobal: Bool)] {
        let tableOffset = u64(40)
        let entrySize = u16(58)
        var count = UInt64(u16(60))
        var nameTableIndex = UInt64(u16(62))
        if tableOffset == 0 {
            if count != 0 {
                throw fail("is corrupt: it declares \(count) sections but no section header table")
            }
            return []
        }
        if UInt64(entrySize) != Self.sectionHeaderSize {
            throw fail("is corrupt: it declares section headers of \(entrySize) bytes, but ELF64 section headers are 64 bytes")
        }
        if tableOffset < Self.headerSize {
            throw fail("is corrupt: its section header table at offset \(hex(tableOffset)) overlaps the ELF header")
        }
        // Extended numbering: section 0 holds the real count and name-table index.
        if count == 0 || nameTableIndex == UInt64(Self.sectionIndexExtended) {
            let first = try checkedRange(
                "section header 0 (at offset \(hex(tableOffset)))", offset: tableOffset, size: Self.sectionHeaderSize)
            if count == 0 { count = u64(first + 32) }
            if nameTableIndex == UInt64(Self.sectionIndexExtended) { nameTableIndex = UInt64(u32(first + 40)) }
        }
        if count > UInt64(ELFImage.maximumSectionCount) {
            throw fail("declares \(count) sections, more than the \(ELFImage.maximumSectionCount) this loader accepts")
        }
        let table = try checkedRange(
            "the section header table (\(count) entries of 64 bytes at offset \(hex(tableOffset)))",
            offset: tableOffset, size: count * Self.sectionHeaderSize)
        let sectionCount = Int(count)
        func header(_ i: Int) -> Int { table + i * Int(Self.sectionHeaderSize) }

        if nameTableIndex != 0 {
            if nameTableIndex >= count {
                throw fail("is corrupt: its section name table index \(nameTableIndex) is outside the \(count) sections")
            }
            if u32(header(Int(nameTableIndex)) + 4) != Self.sectionStringTable {
                throw fail("is corrupt: its section name table (section \(nameTableIndex)) is not a string table")
            }
        }

        var symbolTable: Int?
        var dynamicSymbolTable: Int?
        for i in 1 ..< max(sectionCount, 1) {
            let at = header(i)
            let type = u32(at + 4)
            if type != 0 && type != Self.sectionNoBits {
                _ = try checkedRange(
                    "the data of section \(i) (\(Self.sectionTypeName(type)))", offset: u64(at + 24), size: u64(at + 32))
            }
            if type == Self.sectionSymbolTable && symbolTable == nil { symbolTable = i }
            if type == Self.sectionDynamicSymbols && dynamicSymbolTable == nil { dynamicSymbolTable = i }
        }
        guard let chosen = symbolTable ?? dynamicSymbolTable else { return [] }
        return try parseSymbols(section: chosen, sectionCount: sectionCount, header: header)
    }

    static func sectionTypeName(_ type: UInt32) -> String {
        switch type {
        case 1: "SHT_PROGBITS"
        case 2: "SHT_SYMTAB"
        case 3: "SHT_STRTAB"
        case 11: "SHT_DYNSYM"
        default: "type \(type)"
        }
    }

    private func parseSymbols(
        section: Int, sectionCount: Int, header: (Int) -> Int
    ) throws(ELFError) -> [(symbol: ELFImage.Symbol, isGlobal: Bool)] {
        let at = header(section)
        let offset = u64(at + 24)
        let size = u64(at + 32)
        let link = UInt64(u32(at + 40))
        let entrySize = u64(at + 56)
        let what = "symbol table (section \(section))"
        if entrySize != Self.symbolSize {
            throw fail("is corrupt: its \(what) has entries of \(entrySize) bytes, but ELF64 symbols are 24 bytes")
        }
        if size % Self.symbolSize != 0 {
            throw fail("is corrupt: its \(what) is \(size) bytes, which is not a whole number of 24-byte symbols")
        }
        let count = size / Self.symbolSize
        if count > UInt64(ELFImage.maximumSymbolCount) {
            throw fail("has \(count) symbols, more than the \(ELFImage.maximumSymbolCount) this loader accepts; strip it with llvm-strip")
        }
        if link == 0 || link >= UInt64(sectionCount) || u32(header(Int(link)) + 4) != Self.sectionStringTable {
            throw fail("is corrupt: its \(what) links to section \(link), which is not a string table")
        }
        // Both ranges were checked when the sections were listed.
        let symbols = try checkedRange(what, offset: offset, size: size)
        let stringsHeader = header(Int(link))
        let stringsSize = u64(stringsHeader + 32)
        let strings = try checkedRange("the string table (section \(link))", offset: u64(stringsHeader + 24), size: stringsSize)
        // A final NUL guarantees every name that starts inside the table also ends inside it.
        if stringsSize == 0 || u8(strings + Int(stringsSize) - 1) != 0 {
            throw fail("is corrupt: its string table (section \(link)) does not end with a NUL byte")
        }
        let stringsEnd = strings + Int(stringsSize)

        var result: [(symbol: ELFImage.Symbol, isGlobal: Bool)] = []
        var nameBytesLeft = ELFImage.maximumSymbolNameBytes
        for j in 1 ..< max(Int(count), 1) {
            let entry = symbols + j * Int(Self.symbolSize)
            let nameOffset = u32(entry)
            let info = u8(entry + 4)
            let sectionIndex = u16(entry + 6)
            if UInt64(nameOffset) >= stringsSize {
                throw fail("is corrupt: symbol \(j) has name offset \(nameOffset), outside its \(stringsSize)-byte string table")
            }
            if sectionIndex != 0, UInt64(sectionIndex) < Self.sectionIndexReservedStart, Int(sectionIndex) >= sectionCount {
                throw fail("is corrupt: symbol \(j) refers to section \(sectionIndex), but there are only \(sectionCount) sections")
            }
            let type = info & 0xf
            let binding = info >> 4
            // Undefined and common symbols have no address; section, file and TLS symbols
            // do not name a place in memory.
            if sectionIndex == 0 || sectionIndex == Self.sectionIndexCommon || type == 3 || type == 4 || type == 6 {
                continue
            }
            let start = strings + Int(nameOffset)
            if u8(start) == 0 { continue }  // Nameless.
            // RISC-V mapping symbols ($x, $d, $x<isa>) mark instruction/data runs, and .L names
            // are assembler-private labels (such as .Lpcrel_hi0 from `la`): neither names a place
            // a person would recognise in a trace. (The table ends in NUL, so start + 1 is inside.)
            let first = u8(start)
            let second = u8(start + 1)
            if first == UInt8(ascii: "$") && (second == UInt8(ascii: "x") || second == UInt8(ascii: "d"))
                || first == UInt8(ascii: ".") && second == UInt8(ascii: "L") {
                continue
            }
            // Scan for the NUL no further than the remaining name budget allows.
            let limit = min(stringsEnd, start + nameBytesLeft + 1)
            guard let end = bytes[start ..< limit].firstIndex(of: 0) else {
                throw fail("has more than \(ELFImage.maximumSymbolNameBytes >> 20) MiB of symbol names, more than this loader accepts; strip it with llvm-strip")
            }
            nameBytesLeft -= end - start
            let symbol = ELFImage.Symbol(
                name: String(decoding: bytes[start ..< end], as: UTF8.self),
                value: u64(entry + 8), size: u64(entry + 16),
                isFunction: type == 2, isObject: type == 1)
            result.append((symbol, binding == 1 || binding == 2))
        }
        return result
    }
}
