// Test support: hand-made .debug_line units (DWARF 4 and 5) and their opcodes, so the
// line-table reader can be checked byte by byte without a compiler.

enum DWARFBytes {
    static func uleb(_ value: UInt64) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        repeat {
            var byte = UInt8(value & 0x7f)
            value >>= 7
            if value != 0 { byte |= 0x80 }
            out.append(byte)
        } while value != 0
        return out
    }

    static func sleb(_ value: Int64) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        while true {
            let byte = UInt8(value & 0x7f)
            value >>= 7
            let done = (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0)
            out.append(done ? byte : byte | 0x80)
            if done { return out }
        }
    }

    static func le(_ value: UInt64, _ size: Int) -> [UInt8] {
        (0 ..< size).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    static func cString(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }

    // The header's shape used by every unit here (clang's).
    static let lineBase: Int8 = -5
    static let lineRange: UInt8 = 14
    static let opcodeBase: UInt8 = 13
    static let standardLengths: [UInt8] = [0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1]

    /// The fields from minimum_instruction_length to the standard opcode lengths.
    static func commonFields(version: UInt16, opcodeBase: UInt8 = opcodeBase, lengths: [UInt8] = standardLengths) -> [UInt8] {
        [1] + (version >= 4 ? [1] : []) + [1, UInt8(bitPattern: lineBase), lineRange, opcodeBase] + lengths
    }

    /// A whole unit: length, version, (v5: address and selector sizes), header length, fields, program.
    static func unit(version: UInt16, fields: [UInt8], program: [UInt8]) -> [UInt8] {
        let afterLength = le(UInt64(version), 2) + (version >= 5 ? [8, 0] : []) + le(UInt64(fields.count), 4) + fields + program
        return le(UInt64(afterLength.count), 4) + afterLength
    }

    /// A version 4 unit: include directories, then files as (name, directory index).
    static func unitV4(directories: [String], files: [(String, UInt64)], program: [UInt8],
                       opcodeBase: UInt8 = opcodeBase, lengths: [UInt8] = standardLengths) -> [UInt8] {
        var fields = commonFields(version: 4, opcodeBase: opcodeBase, lengths: lengths)
        for directory in directories { fields += cString(directory) }
        fields.append(0)
        for (name, directory) in files { fields += cString(name) + uleb(directory) + [0, 0] }
        fields.append(0)
        return unit(version: 4, fields: fields, program: program)
    }

    /// A version 5 unit whose directory names are in .debug_line_str (offsets given) and
    /// whose files have an inline name (DW_FORM_string), a directory index (udata) and an MD5.
    static func unitV5(directoryOffsets: [UInt32], files: [(String, UInt64)], program: [UInt8]) -> [UInt8] {
        var fields = commonFields(version: 5)
        fields += [1] + uleb(1) + uleb(0x1f)                                    // DW_LNCT_path, DW_FORM_line_strp
        fields += uleb(UInt64(directoryOffsets.count))
        for offset in directoryOffsets { fields += le(UInt64(offset), 4) }
        fields += [3] + uleb(1) + uleb(0x08) + uleb(2) + uleb(0x0f) + uleb(5) + uleb(0x1e)   // path string, dir udata, MD5 data16
        fields += uleb(UInt64(files.count))
        for (name, directory) in files { fields += cString(name) + uleb(directory) + [UInt8](repeating: 0xab, count: 16) }
        return unit(version: 5, fields: fields, program: program)
    }

    // Opcodes.
    static func setAddress(_ address: UInt64) -> [UInt8] { [0, 9, 2] + le(address, 8) }
    static let endSequence: [UInt8] = [0, 1, 1]
    static let copy: [UInt8] = [1]
    static func advancePC(_ n: UInt64) -> [UInt8] { [2] + uleb(n) }
    static func advanceLine(_ n: Int64) -> [UInt8] { [3] + sleb(n) }
    static func setFile(_ n: UInt64) -> [UInt8] { [4] + uleb(n) }
    static func setColumn(_ n: UInt64) -> [UInt8] { [5] + uleb(n) }
    static let negateStatement: [UInt8] = [6]
    static let basicBlock: [UInt8] = [7]
    static let constAddPC: [UInt8] = [8]
    static func fixedAdvancePC(_ n: UInt16) -> [UInt8] { [9] + le(UInt64(n), 2) }
    static let prologueEnd: [UInt8] = [10]
    static let epilogueBegin: [UInt8] = [11]
    static func setISA(_ n: UInt64) -> [UInt8] { [12] + uleb(n) }
    static func setDiscriminator(_ n: UInt64) -> [UInt8] { [0] + uleb(UInt64(1 + uleb(n).count)) + [4] + uleb(n) }
    static func defineFile(_ name: String) -> [UInt8] {
        let body: [UInt8] = [3] + cString(name) + [0, 0, 0]
        return [0] + uleb(UInt64(body.count)) + body
    }

    /// A special opcode advancing the address by `address` and the line by `line`.
    static func special(address: UInt8, line: Int8) -> [UInt8] {
        [UInt8(Int(opcodeBase) + Int(line) - Int(lineBase) + Int(lineRange) * Int(address))]
    }
}
