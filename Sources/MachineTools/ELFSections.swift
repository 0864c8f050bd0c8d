// Finds a section of a guest ELF by name (".debug_line") and copies out its bytes, for
// readers of debug information. The loader (Machine/ELFParsing.swift) keeps only what
// running needs; this reads the section headers again, checking every offset and size,
// since a file's debug sections are as untrusted as the rest of it.

import Machine

extension ELFImage {
    /// The bytes of the first section called `name`; nil when there is none (or it takes
    /// no file space). Compressed sections are refused with an error naming the section.
    public func sectionBytes(named name: String) throws(DWARFError) -> [UInt8]? {
        guard let (bytes, compressed) = try section(named: name) else { return nil }
        if compressed {
            throw DWARFError("\(name) is compressed, which this reader does not read (link with --compress-debug-sections=none)")
        }
        return bytes
    }

    /// The first section called `name`: its file bytes (still compressed when it is).
    public func section(named name: String) throws(DWARFError) -> (bytes: [UInt8], compressed: Bool)? {
        var header = DWARFCursor(bytes: bytes, section: "the ELF header")
        header.offset = 40
        let tableOffset = try header.u64("the section header table's offset")
        header.offset = 58
        let entrySize = try header.u16("the section header size")
        var count = UInt64(try header.u16("the section count"))
        var namesIndex = UInt64(try header.u16("the section name table index"))
        guard tableOffset != 0, entrySize == 64 else { return nil }
        var table = DWARFCursor(bytes: bytes, section: "the section header table")
        func entry(_ index: UInt64) throws(DWARFError) -> DWARFCursor {
            let (at, overflow) = tableOffset.addingReportingOverflow(index &* 64)
            guard index < 1 << 20, !overflow, at <= UInt64(bytes.count) - min(UInt64(bytes.count), 64) else {
                throw DWARFError("the section header table (entry \(index) at offset \(tableOffset)) lies outside the file")
            }
            table.offset = Int(at)
            table.end = Int(at) + 64
            return table
        }
        // Extended numbering: section 0 holds the real count and name-table index.
        if count == 0 || namesIndex == 0xffff {
            var first = try entry(0)
            first.offset += 32
            let size = try first.u64("section 0's size")
            let link = UInt64(try first.u32("section 0's link"))
            if count == 0 { count = size }
            if namesIndex == 0xffff { namesIndex = link }
        }
        guard count <= 65_536, namesIndex < count else { return nil }
        let names = try contents(of: try entry(namesIndex), what: "the section name table").bytes
        for index in 1 ..< max(count, 1) {
            var section = try entry(index)
            let nameOffset = UInt64(try section.u32("a section's name offset"))
            guard nameOffset < UInt64(names.count) else { continue }
            var nameCursor = DWARFCursor(bytes: names, section: "the section name table", offset: Int(nameOffset))
            guard let found = try? nameCursor.cString("a section name"), found == name else { continue }
            return try contents(of: try entry(index), what: name)
        }
        return nil
    }

    /// A section's file bytes, checked against the file; empty for one that takes no space.
    private func contents(of header: DWARFCursor, what: String) throws(DWARFError) -> (bytes: [UInt8], compressed: Bool) {
        var fields = header
        fields.offset += 4
        let type = try fields.u32("a section's type")
        let flags = try fields.u64("a section's flags")
        fields.offset += 8
        let offset = try fields.u64("a section's offset")
        let size = try fields.u64("a section's size")
        if type == 8 { return ([], false) }                         // SHT_NOBITS
        let (end, overflow) = offset.addingReportingOverflow(size)
        guard !overflow, end <= UInt64(bytes.count) else {
            throw DWARFError("\(what) (offset \(offset), \(size) bytes) runs past the end of the \(bytes.count)-byte file")
        }
        return (Array(bytes[Int(offset) ..< Int(end)]), flags & 0x800 != 0)   // SHF_COMPRESSED
    }
}
