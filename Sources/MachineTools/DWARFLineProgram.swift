// Runs the line-number programs of a `.debug_line` section (DWARF versions 2 to 5, as
// clang, swiftc and gcc emit them for riscv64): each unit's header and file table (v5's
// entry formats with names in .debug_line_str or .debug_str), then the state machine's
// standard, extended and special opcodes, producing one row per emitted address. The
// rows go to DWARFLineTable, which sorts them once for lookups. The input is hostile:
// every length is checked against its unit, counts are bounded by the bytes left, and
// the first problem ends the read with a DWARFError.

/// One row of the line table: from `address` on (until the next row) the code is `line`
/// of `file`; a row that ends a sequence marks the first address after it.
struct DWARFLineRow: Sendable {
    var address: UInt64
    /// Index into the table's file names.
    var file: UInt32
    var line: UInt32
    var column: UInt32
    var endsSequence: Bool
    /// Its place in the section, so rows at one address keep their order when sorted.
    var order: UInt32
}

/// The line programs of one section, read into rows and file names.
struct DWARFLineProgram {
    /// The sections the programs refer to.
    let debugLine: [UInt8]
    let lineStrings: [UInt8]
    let strings: [UInt8]

    /// Bounds, so a small hostile file cannot make the host allocate gigabytes.
    static let maximumRowCount = 1 << 22
    static let maximumFileCount = 1 << 20

    private(set) var rows: [DWARFLineRow] = []
    private(set) var files: [String] = []
    private var fileIndex: [String: UInt32] = [:]
    /// Offsets into string sections are as wide as the unit's: 4 bytes, 8 in DWARF64.
    private var unitOffsetSize = 4

    init(debugLine: [UInt8], lineStrings: [UInt8], strings: [UInt8]) {
        self.debugLine = debugLine
        self.lineStrings = lineStrings
        self.strings = strings
    }

    /// Reads every unit of the section.
    mutating func run() throws(DWARFError) {
        var cursor = DWARFCursor(bytes: debugLine, section: ".debug_line")
        while !cursor.isAtEnd {
            try readUnit(&cursor)
        }
    }

    // MARK: The header

    /// What the state machine needs from a unit's header.
    private struct Header {
        var version: UInt16
        var minimumInstructionLength: UInt64
        var maximumOperations: UInt64
        var defaultIsStatement: Bool
        var lineBase: Int64
        var lineRange: UInt64
        var opcodeBase: UInt8
        var standardLengths: [UInt8]
        /// The unit's file register values mapped to indices into `files`.
        var files: [UInt32]
        /// The first file register value (1 before version 5, 0 from it).
        var firstFile: UInt64
    }

    private mutating func readUnit(_ cursor: inout DWARFCursor) throws(DWARFError) {
        let unitStart = cursor.offset
        var length = UInt64(try cursor.u32("a unit's length"))
        var offsetSize = 4
        if length == 0xffff_ffff {
            length = try cursor.u64("a 64-bit unit's length")
            offsetSize = 8
        } else if length >= 0xffff_fff0 {
            throw cursor.fail("the unit at 0x\(String(unitStart, radix: 16)) has reserved length 0x\(String(length, radix: 16))")
        }
        guard length <= UInt64(cursor.remaining) else {
            throw cursor.fail("the unit at 0x\(String(unitStart, radix: 16)) is \(length) bytes long but only \(cursor.remaining) remain")
        }
        unitOffsetSize = offsetSize
        let unitEnd = cursor.offset + Int(length)
        var unit = DWARFCursor(bytes: debugLine, section: ".debug_line", offset: cursor.offset, end: unitEnd)
        cursor.offset = unitEnd

        let version = try unit.u16("the unit's version")
        guard (2 ... 5).contains(version) else {
            throw unit.fail("the unit at 0x\(String(unitStart, radix: 16)) has DWARF version \(version); versions 2 to 5 are read")
        }
        if version >= 5 {
            let addressSize = try unit.u8("the address size")
            _ = try unit.u8("the segment selector size")
            guard addressSize == 4 || addressSize == 8 else { throw unit.fail("the address size is \(addressSize), not 4 or 8") }
        }
        let headerLength = try unit.unsigned(offsetSize, "the header length")
        guard headerLength <= UInt64(unit.remaining) else {
            throw unit.fail("the header length \(headerLength) runs past the unit's end")
        }
        let programStart = unit.offset + Int(headerLength)
        var header = Header(version: version, minimumInstructionLength: 1, maximumOperations: 1, defaultIsStatement: true,
                            lineBase: 0, lineRange: 1, opcodeBase: 1, standardLengths: [], files: [], firstFile: version >= 5 ? 0 : 1)
        var fields = DWARFCursor(bytes: debugLine, section: ".debug_line", offset: unit.offset, end: programStart)
        header.minimumInstructionLength = UInt64(try fields.u8("the minimum instruction length"))
        if version >= 4 { header.maximumOperations = UInt64(try fields.u8("the maximum operations per instruction")) }
        guard header.maximumOperations > 0 else { throw fields.fail("the maximum operations per instruction is 0") }
        header.defaultIsStatement = try fields.u8("default_is_stmt") != 0
        header.lineBase = Int64(Int8(bitPattern: try fields.u8("the line base")))
        header.lineRange = UInt64(try fields.u8("the line range"))
        guard header.lineRange > 0 else { throw fields.fail("the line range is 0, so special opcodes cannot be decoded") }
        header.opcodeBase = try fields.u8("the opcode base")
        guard header.opcodeBase > 0 else { throw fields.fail("the opcode base is 0") }
        let lengthsAt = try fields.take(Int(header.opcodeBase) - 1, "the standard opcode lengths")
        header.standardLengths = Array(debugLine[lengthsAt ..< lengthsAt + Int(header.opcodeBase) - 1])

        let paths = version >= 5 ? try readEntriesV5(&fields) : try readEntriesV4(&fields)
        header.files = try paths.map { path throws(DWARFError) in try intern(path) }

        unit.offset = programStart
        try execute(&unit, header)
    }

    /// Directories and files before version 5: strings ended by an empty one; directory 0
    /// is the compilation's (not named here), so a file in it keeps its relative name.
    private func readEntriesV4(_ fields: inout DWARFCursor) throws(DWARFError) -> [String] {
        var directories: [String] = []
        while true {
            let directory = try fields.cString("an include directory")
            if directory.isEmpty { break }
            directories.append(directory)
        }
        var paths: [String] = []
        while true {
            let name = try fields.cString("a file name")
            if name.isEmpty { break }
            let directory = try fields.uleb("a file's directory index")
            _ = try fields.uleb("a file's modification time")
            _ = try fields.uleb("a file's length")
            let folder: String? = directory == 0 ? nil : directory <= UInt64(directories.count) ? directories[Int(directory - 1)] : nil
            if directory > UInt64(directories.count) {
                throw fields.fail("file '\(name)' names directory \(directory), but the unit has \(directories.count)")
            }
            paths.append(Self.join(folder, name))
        }
        return paths
    }

    /// Version 5: each table is described by (content type, form) pairs, then a count of
    /// entries. Directory 0 is the compilation's directory, given in full.
    private func readEntriesV5(_ fields: inout DWARFCursor) throws(DWARFError) -> [String] {
        let directories = try readEntryTableV5(&fields, what: "directory").map(\.path)
        return try readEntryTableV5(&fields, what: "file").map { entry throws(DWARFError) in
            guard entry.directory < UInt64(directories.count) else {
                throw fields.fail("file '\(entry.path)' names directory \(entry.directory), but the unit has \(directories.count)")
            }
            let folder = directories[Int(entry.directory)]
            // A relative directory other than 0 is relative to directory 0.
            let full = entry.directory != 0 && !folder.hasPrefix("/") && !directories.isEmpty ? Self.join(directories[0], folder) : folder
            return Self.join(full, entry.path)
        }
    }

    private func readEntryTableV5(_ fields: inout DWARFCursor, what: String) throws(DWARFError) -> [(path: String, directory: UInt64)] {
        let formatCount = try fields.u8("the \(what) entry format count")
        var format: [(type: UInt64, form: UInt64)] = []
        for _ in 0 ..< formatCount {
            format.append((try fields.uleb("a \(what) entry's content type"), try fields.uleb("a \(what) entry's form")))
        }
        let count = try fields.uleb("the \(what) count")
        // Every accepted form takes at least one byte, so the bytes left bound the count.
        guard count == 0 || (!format.isEmpty && count <= UInt64(fields.remaining)) else {
            throw fields.fail("the unit declares \(count) \(what) entries, more than its header can hold")
        }
        var entries: [(path: String, directory: UInt64)] = []
        for _ in 0 ..< count {
            var path = ""
            var directory: UInt64 = 0
            for (type, form) in format {
                let value = try readForm(&fields, form: form, what: what)
                switch type {
                case 1: path = value.text ?? ""                  // DW_LNCT_path
                case 2: directory = value.number                 // DW_LNCT_directory_index
                default: break                                   // timestamp, size, MD5, vendor
                }
            }
            entries.append((path, directory))
        }
        return entries
    }

    /// One attribute value of a v5 entry: a string for the string forms, else a number.
    private func readForm(_ fields: inout DWARFCursor, form: UInt64, what: String) throws(DWARFError) -> (text: String?, number: UInt64) {
        switch form {
        case 0x08: return (try fields.cString("a \(what) name"), 0)                                         // DW_FORM_string
        case 0x1f: return (try DWARFCursor.string(in: lineStrings, at: try fields.unsigned(unitOffsetSize, "a .debug_line_str offset"), section: ".debug_line_str"), 0)
        case 0x0e: return (try DWARFCursor.string(in: strings, at: try fields.unsigned(unitOffsetSize, "a .debug_str offset"), section: ".debug_str"), 0)
        case 0x0b: return (nil, try fields.unsigned(1, "a \(what) field"))                                   // data1
        case 0x05: return (nil, try fields.unsigned(2, "a \(what) field"))                                   // data2
        case 0x06: return (nil, try fields.unsigned(4, "a \(what) field"))                                   // data4
        case 0x07: return (nil, try fields.unsigned(8, "a \(what) field"))                                   // data8
        case 0x1e: _ = try fields.take(16, "a \(what) MD5"); return (nil, 0)                                 // data16
        case 0x0f: return (nil, try fields.uleb("a \(what) field"))                                          // udata
        case 0x0d: return (nil, UInt64(bitPattern: try fields.sleb("a \(what) field")))                      // sdata
        case 0x09: try fields.skip(try fields.uleb("a block's length"), "a block"); return (nil, 0)          // block
        case 0x0a: try fields.skip(UInt64(try fields.u8("a block's length")), "a block"); return (nil, 0)    // block1
        default:
            throw fields.fail("a \(what) entry uses form 0x\(String(form, radix: 16)), which a line table should not")
        }
    }


    private static func join(_ folder: String?, _ name: String) -> String {
        guard let folder, !folder.isEmpty, !name.hasPrefix("/") else { return name }
        return folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    private mutating func intern(_ path: String) throws(DWARFError) -> UInt32 {
        if let index = fileIndex[path] { return index }
        guard files.count < Self.maximumFileCount else {
            throw DWARFError(".debug_line names more than \(Self.maximumFileCount) files, more than this reader accepts")
        }
        let index = UInt32(files.count)
        files.append(path)
        fileIndex[path] = index
        return index
    }

    // MARK: The state machine

    /// The registers of the line-number state machine (DWARF 5, section 6.2.2).
    private struct Registers {
        var address: UInt64 = 0
        var operation: UInt64 = 0
        var file: UInt64
        var line: Int64 = 1
        var column: UInt64 = 0

        init(_ header: Header) { file = header.firstFile }
    }

    private mutating func execute(_ program: inout DWARFCursor, _ unitHeader: Header) throws(DWARFError) {
        var header = unitHeader
        var registers = Registers(header)
        var sequenceStart = rows.count
        var sequenceIsDead = false

        /// Moves the address by `advance` operations (VLIW-aware, though RISC-V has one per instruction).
        func advance(_ registers: inout Registers, by operations: UInt64) {
            let total = registers.operation &+ operations
            registers.address = registers.address &+ header.minimumInstructionLength &* (total / header.maximumOperations)
            registers.operation = total % header.maximumOperations
        }

        func emit(_ registers: Registers, endsSequence: Bool, at offset: Int) throws(DWARFError) {
            let first = header.firstFile
            guard registers.file >= first, registers.file - first < UInt64(header.files.count) else {
                throw DWARFError(".debug_line is corrupt at offset 0x\(String(offset, radix: 16)): a row names file \(registers.file), but its unit has files \(first) to \(Int64(first) + Int64(header.files.count) - 1)")
            }
            guard rows.count < Self.maximumRowCount else {
                throw DWARFError(".debug_line has more than \(Self.maximumRowCount) rows, more than this reader accepts")
            }
            // A linker gives the code of discarded functions address 0 (or all ones): such a
            // sequence describes nothing that runs.
            if rows.count == sequenceStart, registers.address == 0 || registers.address >= 0xffff_ffff_ffff_fffe {
                sequenceIsDead = true
            }
            let line = registers.line > 0 && registers.line <= Int64(UInt32.max) ? UInt32(registers.line) : 0
            rows.append(DWARFLineRow(address: registers.address, file: header.files[Int(registers.file - first)], line: line,
                                     column: UInt32(truncatingIfNeeded: min(registers.column, UInt64(UInt32.max))),
                                     endsSequence: endsSequence, order: UInt32(truncatingIfNeeded: rows.count)))
        }

        while !program.isAtEnd {
            let at = program.offset
            let opcode = try program.u8("an opcode")
            if opcode >= header.opcodeBase {
                // Special opcode: advance address and line together, then emit a row.
                let adjusted = UInt64(opcode - header.opcodeBase)
                advance(&registers, by: adjusted / header.lineRange)
                registers.line = registers.line &+ header.lineBase &+ Int64(adjusted % header.lineRange)
                try emit(registers, endsSequence: false, at: at)
                continue
            }
            switch opcode {
            case 0:
                // Extended opcode: a length, then the sub-opcode and its operands.
                let length = try program.uleb("an extended opcode's length")
                guard length > 0, length <= UInt64(program.remaining) else {
                    throw program.fail("an extended opcode's length \(length) does not fit in its unit")
                }
                let end = program.offset + Int(length)
                var operands = DWARFCursor(bytes: debugLine, section: ".debug_line", offset: program.offset, end: end)
                program.offset = end
                switch try operands.u8("an extended opcode") {
                case 1:                                                           // DW_LNE_end_sequence
                    try emit(registers, endsSequence: true, at: at)
                    if sequenceIsDead { rows.removeSubrange(sequenceStart...) }
                    sequenceStart = rows.count
                    sequenceIsDead = false
                    registers = Registers(header)
                case 2:                                                           // DW_LNE_set_address
                    let size = operands.remaining
                    guard size >= 1, size <= 8 else { throw operands.fail("set_address has a \(size)-byte address") }
                    registers.address = try operands.unsigned(size, "an address")
                    registers.operation = 0
                case 3:                                                           // DW_LNE_define_file (before v5)
                    let name = try operands.cString("a defined file's name")
                    _ = try operands.uleb("a defined file's directory")
                    // Rarely used: the name is kept without its directory.
                    header.files.append(try intern(name))
                default:
                    break                                                         // set_discriminator, vendor: skipped
                }
            case 1:                                                               // DW_LNS_copy
                try emit(registers, endsSequence: false, at: at)
            case 2:                                                               // DW_LNS_advance_pc
                advance(&registers, by: try program.uleb("advance_pc's operand"))
            case 3:                                                               // DW_LNS_advance_line
                registers.line = registers.line &+ (try program.sleb("advance_line's operand"))
            case 4:                                                               // DW_LNS_set_file
                registers.file = try program.uleb("set_file's operand")
            case 5:                                                               // DW_LNS_set_column
                registers.column = try program.uleb("set_column's operand")
            case 6, 7, 10, 11:                                                    // negate_stmt, basic_block, prologue_end, epilogue_begin
                break
            case 8:                                                               // DW_LNS_const_add_pc
                advance(&registers, by: UInt64(255 - header.opcodeBase) / header.lineRange)
            case 9:                                                               // DW_LNS_fixed_advance_pc
                registers.address = registers.address &+ UInt64(try program.u16("fixed_advance_pc's operand"))
                registers.operation = 0
            default:
                // An opcode this reader does not know: skip the LEB128 operands its header declares.
                let count = Int(opcode) - 1 < header.standardLengths.count ? header.standardLengths[Int(opcode) - 1] : 0
                for _ in 0 ..< count { _ = try program.uleb("an operand of opcode \(opcode)") }
            }
        }
        // A unit that stops inside a sequence: keep nothing of the unfinished sequence.
        if rows.count > sequenceStart { rows.removeSubrange(sequenceStart...) }
    }
}
