// The DWARF line-table reader on hand-made sections: version 4 and 5 headers, every
// standard opcode and the extended ones, several sequences and units, and corrupt input
// (truncated, lengths past the end, a 20-byte LEB128, a file index out of range), which
// must end with a clear error and never a crash. Real programs: KernelTests' SourceLineTests.

import Machine
import MachineTools
import Testing

private typealias D = DWARFBytes

@Suite("MachineTools: DWARF line tables")
struct DWARFLineTableTests {
    private func lineOf(_ table: DWARFLineTable, _ address: UInt64) -> String? {
        table.location(at: address).map { "\($0.path):\($0.line)" }
    }

    @Test("a version 4 unit: directories, files, special opcodes, set_file and the end of the sequence")
    func version4() throws {
        let program = D.setAddress(0x10000) + D.advanceLine(9) + D.copy
            + D.special(address: 4, line: 1)
            + D.setFile(2) + D.special(address: 8, line: 2)
            + D.advancePC(4) + D.endSequence
        let bytes = D.unitV4(directories: ["src", "/abs/include"], files: [("a.c", 1), ("b.h", 2)], program: program)
        let table = try DWARFLineTable(debugLine: bytes)
        #expect(lineOf(table, 0x10000) == "src/a.c:10")
        #expect(lineOf(table, 0x10002) == "src/a.c:10")
        #expect(lineOf(table, 0x10004) == "src/a.c:11")
        #expect(lineOf(table, 0x1000c) == "/abs/include/b.h:13")
        #expect(lineOf(table, 0x1000f) == "/abs/include/b.h:13")
        #expect(table.location(at: 0x10010) == nil, "past the end of the sequence")
        #expect(table.location(at: 0xffff) == nil, "before the first row")
        #expect(table.location(at: 0x10004)?.description == "a.c:11")
    }

    @Test("a version 5 unit: directory names in .debug_line_str, inline file names, MD5s, files counted from 0")
    func version5() throws {
        let lineStrings = D.cString("/home/u/project") + D.cString("lib")
        let program = D.setAddress(0x2000) + D.advanceLine(4) + D.setColumn(7) + D.copy
            + D.setFile(1) + D.special(address: 6, line: -2) + D.advancePC(2) + D.endSequence
        let bytes = D.unitV5(directoryOffsets: [0, 16], files: [("main.swift", 0), ("helper.swift", 1)], program: program)
        let table = try DWARFLineTable(debugLine: bytes, lineStrings: lineStrings)
        let first = try #require(table.location(at: 0x2003))
        #expect(first == CodeLocation(path: "/home/u/project/main.swift", line: 5, column: 7))
        #expect(lineOf(table, 0x2006) == "/home/u/project/lib/helper.swift:3")
        #expect(table.location(at: 0x2008) == nil)
        #expect(table.files == ["/home/u/project/main.swift", "/home/u/project/lib/helper.swift"])
    }

    @Test("every standard opcode and the extended ones move the registers as DWARF says")
    func eachOpcode() throws {
        // Opcode base 14: opcode 13 is a standard opcode this reader does not know, declared
        // with two LEB128 operands, so special opcodes are one higher than with base 13.
        func special(address: UInt8, line: Int8) -> [UInt8] { [D.special(address: address, line: line)[0] + 1] }
        var program = D.setAddress(0x1000) + D.copy                              // 0x1000 line 1
        program += D.constAddPC + D.copy                                          // +(255-14)/14 = 17 → 0x1011
        program += D.fixedAdvancePC(0x0f) + D.advanceLine(1) + D.copy             // 0x1020 line 2
        program += D.negateStatement + D.basicBlock + D.prologueEnd + D.epilogueBegin + D.setISA(3)
        program += D.setDiscriminator(5) + special(address: 16, line: 1)         // 0x1030 line 3
        program += D.advanceLine(-2) + D.advancePC(0x10) + D.copy                // 0x1040 line 1
        program += D.defineFile("late.c") + D.setFile(2) + special(address: 2, line: 8)   // 0x1042 line 9 of file 2
        program += [13, 0x81, 0x01, 0x05] + special(address: 1, line: 0)         // unknown opcode skipped → 0x1043
        program += D.advancePC(1) + D.endSequence
        let bytes = D.unitV4(directories: [], files: [("first.c", 0)], program: program, opcodeBase: 14,
                             lengths: D.standardLengths + [2])
        let table = try DWARFLineTable(debugLine: bytes)
        #expect(lineOf(table, 0x1000) == "first.c:1")
        #expect(lineOf(table, 0x1011) == "first.c:1")
        #expect(lineOf(table, 0x1020) == "first.c:2")
        #expect(lineOf(table, 0x102f) == "first.c:2")
        #expect(lineOf(table, 0x1030) == "first.c:3")
        #expect(lineOf(table, 0x1040) == "first.c:1")
        #expect(lineOf(table, 0x1042) == "late.c:9")
        #expect(lineOf(table, 0x1043) == "late.c:9")
        #expect(table.location(at: 0x1044) == nil)
    }

    @Test("several units and sequences, out of address order, and a discarded function's sequence at 0")
    func severalSequences() throws {
        let first = D.unitV4(directories: [], files: [("high.c", 0)],
                             program: D.setAddress(0x3000) + D.advanceLine(99) + D.copy + D.advancePC(0x10) + D.endSequence
                                 + D.setAddress(0) + D.advanceLine(4) + D.copy + D.advancePC(0x4000) + D.endSequence)
        let second = D.unitV4(directories: [], files: [("low.c", 0)],
                              program: D.setAddress(0x2ff0) + D.advanceLine(19) + D.copy + D.advancePC(0x10) + D.endSequence
                                  + D.setAddress(0x1000) + D.advanceLine(6) + D.copy + D.advancePC(8) + D.endSequence)
        let table = try DWARFLineTable(debugLine: first + second)
        #expect(lineOf(table, 0x1004) == "low.c:7")
        #expect(table.location(at: 0x1008) == nil, "between sequences")
        #expect(lineOf(table, 0x2fff) == "low.c:20")
        #expect(lineOf(table, 0x3000) == "high.c:100", "a sequence that starts where another ends")
        #expect(table.location(at: 0x3010) == nil)
        #expect(table.location(at: 0x10) == nil, "the sequence at address 0 is dropped")
        #expect(table.rowCount == 6)
    }

    @Test("rows at one address: the last one wins; line 0 means no line")
    func sameAddress() throws {
        let program = D.setAddress(0x100) + D.copy + D.advanceLine(1) + D.copy + D.advancePC(4)
            + D.advanceLine(-2) + D.copy + D.advancePC(4) + D.endSequence
        let table = try DWARFLineTable(debugLine: D.unitV4(directories: [], files: [("x.swift", 0)], program: program))
        #expect(lineOf(table, 0x100) == "x.swift:2")
        #expect(table.location(at: 0x104) == nil)
    }

    // MARK: Corrupt input

    private static let valid = D.unitV4(directories: ["d"], files: [("a.c", 1)],
                                        program: D.setAddress(0x1000) + D.copy + D.special(address: 4, line: 1) + D.advancePC(2) + D.endSequence)

    @Test("every truncation of a valid unit fails with a sentence that names .debug_line")
    func truncated() throws {
        for length in 1 ..< Self.valid.count {
            do {
                _ = try DWARFLineTable(debugLine: Array(Self.valid.prefix(length)))
                Issue.record("a unit cut to \(length) of \(Self.valid.count) bytes was accepted")
            } catch {
                #expect(error.message.contains(".debug_line"), "\(error)")
            }
        }
        #expect(throws: Never.self) { try DWARFLineTable(debugLine: Self.valid) }
    }

    @Test("a unit length past the end, a header length past the unit, an unknown version")
    func lengthsPastTheEnd() throws {
        var long = Self.valid
        long[0] = 0xff
        #expect(throws: DWARFError.self) { try DWARFLineTable(debugLine: long) }
        var header = Self.valid
        header[6] = 0xff                                                           // header_length's low byte
        #expect(throws: DWARFError.self) { try DWARFLineTable(debugLine: header) }
        var version = Self.valid
        version[4] = 9
        let error = #expect(throws: DWARFError.self) { try DWARFLineTable(debugLine: version) }
        #expect(error?.message.contains("version 9") == true, "\(String(describing: error))")
        var range = Self.valid
        range[14] = 0                                                              // line_range
        #expect(throws: DWARFError.self) { try DWARFLineTable(debugLine: range) }
    }

    @Test("a LEB128 of 20 bytes is refused, not read for ever")
    func longLEB128() throws {
        let program = D.setAddress(0x1000) + [2] + [UInt8](repeating: 0x80, count: 19) + [0x01] + D.copy + D.endSequence
        let error = #expect(throws: DWARFError.self) {
            try DWARFLineTable(debugLine: D.unitV4(directories: [], files: [("a.c", 0)], program: program))
        }
        #expect(error?.message.contains("LEB128") == true, "\(String(describing: error))")
    }

    @Test("a row naming a file the unit does not have, and a v5 name outside .debug_line_str")
    func fileOutOfRange() throws {
        let program = D.setAddress(0x1000) + D.setFile(7) + D.copy + D.endSequence
        let error = #expect(throws: DWARFError.self) {
            try DWARFLineTable(debugLine: D.unitV4(directories: [], files: [("a.c", 0)], program: program))
        }
        #expect(error?.message.contains("file 7") == true, "\(String(describing: error))")
        let v5 = D.unitV5(directoryOffsets: [400], files: [("m.swift", 0)], program: D.setAddress(0x10) + D.copy + D.endSequence)
        let stringError = #expect(throws: DWARFError.self) { try DWARFLineTable(debugLine: v5, lineStrings: D.cString("/x")) }
        #expect(stringError?.message.contains(".debug_line_str") == true, "\(String(describing: stringError))")
        let badDirectory = D.unitV5(directoryOffsets: [0], files: [("m.swift", 3)], program: D.endSequence)
        #expect(throws: DWARFError.self) { try DWARFLineTable(debugLine: badDirectory, lineStrings: D.cString("/x")) }
    }

    @Test("ten thousand corruptions of valid units: each reads or fails, none crashes")
    func corruptions() throws {
        let units = [Self.valid,
                     D.unitV5(directoryOffsets: [0], files: [("m.swift", 0)],
                              program: D.setAddress(0x10000) + D.advanceLine(3) + D.copy + D.constAddPC + D.copy + D.endSequence)]
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var failures = 0
        for round in 0 ..< 10_000 {
            var bytes = units[round % units.count]
            for _ in 0 ... next() % 4 {
                bytes[Int(next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: next())
            }
            do {
                let table = try DWARFLineTable(debugLine: bytes, lineStrings: D.cString("/x"))
                _ = table.location(at: 0x10000)
            } catch {
                failures += 1
                #expect(!error.message.isEmpty)
            }
        }
        #expect(failures > 0)
    }

    @Test("an ELF without debug sections has an empty table")
    func noDebugSections() throws {
        let elf = ELFWriter.executable(contents: [0x13, 0, 0, 0], address: 0x1_0000, entry: 0x1_0000, symbols: [("main", 0x1_0000)])
        let image = try ELFImage(bytes: elf)
        let table = try DWARFLineTable(image: image)
        #expect(table.isEmpty)
        #expect(table.location(at: 0x1_0000) == nil)
    }
}
