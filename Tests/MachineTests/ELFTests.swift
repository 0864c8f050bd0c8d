// Tests for the parsing half of the ELF loader. Fixtures are built in memory by a small ELF64
// writer below (no binary files in the repository), then broken on purpose: every error the
// parser reports, every truncation of a valid file, and seeded random corruption, none of
// which may crash. One test also links a real program with clang/ld.lld when available.

import Foundation
import Machine
import Testing

// MARK: - A tiny ELF64 writer

/// Writes little-endian ELF64 RISC-V executables with just enough knobs to break them.
/// Layout, with no padding so every byte is referenced and any shorter prefix is truncated:
/// header, program headers, segment data, then (optionally) .symtab, .strtab, .shstrtab and
/// the section header table: 0 null, 1 .text, 2 .symtab, 3 .strtab, 4 .shstrtab.
private struct ELFBuilder {
    struct Segment {
        var type: UInt32 = 1
        var flags: UInt32 = 5  // R X
        var virtualAddress: UInt64
        var physicalAddress: UInt64? = nil
        var data: [UInt8]
        var memorySize: UInt64? = nil
        var fileOffset: UInt64? = nil
        var fileSize: UInt64? = nil
    }

    struct Sym {
        var name: String
        var value: UInt64
        var size: UInt64 = 0
        var type: UInt8 = 0  // 0 notype, 1 object, 2 func, 3 section, 4 file
        var binding: UInt8 = 1  // 0 local, 1 global, 2 weak
        var section: UInt16 = 1
    }

    /// Where things ended up, so tests can patch fields of the finished file.
    struct Built {
        var bytes: [UInt8]
        var segmentOffsets: [Int]
        var symbolTable: Int
        var stringTable: Int
        var stringTableSize: Int
        var sectionHeaders: Int
        func sectionHeader(_ index: Int) -> Int { sectionHeaders + 64 * index }
    }

    static let code: [UInt8] = [
        0x13, 0x05, 0x10, 0x00,  // li a0, 1
        0x93, 0x85, 0x15, 0x00,  // addi a1, a1, 1
        0x6f, 0xf0, 0xdf, 0xff,  // j -4
        0x73, 0x00, 0x10, 0x00,  // ebreak
    ]

    var elfClass: UInt8 = 2
    var dataEncoding: UInt8 = 1
    var identVersion: UInt8 = 1
    var type: UInt16 = 2
    var machine: UInt16 = 243
    var version: UInt32 = 1
    var entry: UInt64 = 0x8000_0000
    var headerSize: UInt16 = 64
    var programHeaderSize: UInt16 = 56
    var sectionHeaderSize: UInt16 = 64
    var sectionNameIndex: UInt16 = 4
    var withSections = true
    var symbolTableType: UInt32 = 2
    var segments: [Segment] = [
        Segment(flags: 5, virtualAddress: 0x8000_0000, data: code),
        Segment(flags: 6, virtualAddress: 0x8000_1000, data: [1, 2, 3, 4, 5, 6, 7, 8], memorySize: 0x100),
    ]
    var symbols: [Sym] = [
        Sym(name: "file.s", value: 0, type: 4, binding: 0, section: 0xfff1),
        Sym(name: "", value: 0x8000_0000, type: 3, binding: 0),
        Sym(name: "$x", value: 0x8000_0000, binding: 0),
        Sym(name: "$xrv64i2p1_m2p0", value: 0x8000_0000, binding: 0),
        Sym(name: "$d", value: 0x8000_1000, binding: 0, section: 1),
        Sym(name: "loop", value: 0x8000_0004, binding: 0),
        Sym(name: ".Lpcrel_hi0", value: 0x8000_0006, binding: 0),
        Sym(name: "helper", value: 0x8000_0008, binding: 0),
        Sym(name: "data_label", value: 0x8000_000c, binding: 0),
        Sym(name: "_start", value: 0x8000_0000, size: 16, type: 2),
        Sym(name: "finish", value: 0x8000_000c, size: 4, type: 2),
        Sym(name: "helper", value: 0x8000_0008, size: 4, type: 2, binding: 1),
        Sym(name: "counter", value: 0x8000_1000, size: 8, type: 1),
        Sym(name: "STACK_SIZE", value: 0x1000, section: 0xfff1),
        Sym(name: "undefined_thing", value: 0, section: 0),
        Sym(name: "common_thing", value: 8, size: 8, type: 1, section: 0xfff2),
        Sym(name: "tls_thing", value: 0, size: 8, type: 6),
    ]

    var bytes: [UInt8] { build().bytes }

    func build() -> Built {
        var out = [UInt8](repeating: 0, count: 64)
        out.replaceSubrange(0 ..< 4, with: [0x7f, 0x45, 0x4c, 0x46])
        out[4] = elfClass
        out[5] = dataEncoding
        out[6] = identVersion
        out.putLittleEndian(type, at: 16)
        out.putLittleEndian(machine, at: 18)
        out.putLittleEndian(version, at: 20)
        out.putLittleEndian(entry, at: 24)
        out.putLittleEndian(UInt64(64), at: 32)
        out.putLittleEndian(headerSize, at: 52)
        out.putLittleEndian(programHeaderSize, at: 54)
        out.putLittleEndian(UInt16(segments.count), at: 56)
        out.putLittleEndian(sectionHeaderSize, at: 58)

        let programHeaders = out.count
        out += [UInt8](repeating: 0, count: 56 * segments.count)
        var segmentOffsets: [Int] = []
        for (i, s) in segments.enumerated() {
            segmentOffsets.append(out.count)
            let at = programHeaders + 56 * i
            out.putLittleEndian(s.type, at: at)
            out.putLittleEndian(s.flags, at: at + 4)
            out.putLittleEndian(s.fileOffset ?? UInt64(out.count), at: at + 8)
            out.putLittleEndian(s.virtualAddress, at: at + 16)
            out.putLittleEndian(s.physicalAddress ?? s.virtualAddress, at: at + 24)
            out.putLittleEndian(s.fileSize ?? UInt64(s.data.count), at: at + 32)
            out.putLittleEndian(s.memorySize ?? UInt64(s.data.count), at: at + 40)
            out.putLittleEndian(UInt64(8), at: at + 48)
            out += s.data
        }
        guard withSections else {
            return Built(bytes: out, segmentOffsets: segmentOffsets, symbolTable: 0, stringTable: 0,
                         stringTableSize: 0, sectionHeaders: 0)
        }

        var strings: [UInt8] = [0]
        var symbolTable = [UInt8](repeating: 0, count: 24)  // The null symbol.
        for sym in symbols {
            var entry = [UInt8](repeating: 0, count: 24)
            if !sym.name.isEmpty {
                entry.putLittleEndian(UInt32(strings.count), at: 0)
                strings += Array(sym.name.utf8) + [0]
            }
            entry[4] = sym.binding << 4 | sym.type
            entry.putLittleEndian(sym.section, at: 6)
            entry.putLittleEndian(sym.value, at: 8)
            entry.putLittleEndian(sym.size, at: 16)
            symbolTable += entry
        }
        let sectionNames: [UInt8] = Array("\0.text\0.symtab\0.strtab\0.shstrtab\0".utf8)

        let symbolTableOffset = out.count
        out += symbolTable
        let stringTableOffset = out.count
        out += strings
        let sectionNamesOffset = out.count
        out += sectionNames
        let sectionHeaders = out.count
        out.putLittleEndian(UInt64(sectionHeaders), at: 40)
        out.putLittleEndian(UInt16(5), at: 60)
        out.putLittleEndian(sectionNameIndex, at: 62)

        func section(name: UInt32, type: UInt32, offset: Int, size: Int, link: UInt32 = 0, info: UInt32 = 0, entrySize: UInt64 = 0) {
            var h = [UInt8](repeating: 0, count: 64)
            h.putLittleEndian(name, at: 0)
            h.putLittleEndian(type, at: 4)
            h.putLittleEndian(UInt64(offset), at: 24)
            h.putLittleEndian(UInt64(size), at: 32)
            h.putLittleEndian(link, at: 40)
            h.putLittleEndian(info, at: 44)
            h.putLittleEndian(UInt64(1), at: 48)
            h.putLittleEndian(entrySize, at: 56)
            out += h
        }
        out += [UInt8](repeating: 0, count: 64)
        section(name: 1, type: 1, offset: segmentOffsets.first ?? 0, size: segments.first?.data.count ?? 0)
        let locals = symbols.prefix { $0.binding == 0 }.count
        section(name: 7, type: symbolTableType, offset: symbolTableOffset, size: symbolTable.count,
                link: 3, info: UInt32(1 + locals), entrySize: 24)
        section(name: 15, type: 3, offset: stringTableOffset, size: strings.count)
        section(name: 23, type: 3, offset: sectionNamesOffset, size: sectionNames.count)
        return Built(bytes: out, segmentOffsets: segmentOffsets, symbolTable: symbolTableOffset,
                     stringTable: stringTableOffset, stringTableSize: strings.count, sectionHeaders: sectionHeaders)
    }
}

fileprivate extension Array where Element == UInt8 {
    /// Stores `value` little-endian at `offset`, growing the array if needed.
    mutating func putLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        let size = T.bitWidth / 8
        if count < offset + size { self += [UInt8](repeating: 0, count: offset + size - count) }
        for i in 0 ..< size { self[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    }
}

/// SplitMix64: a tiny seeded generator so random corruption is the same on every run.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

// MARK: - Helpers

/// The error message parsing `bytes` produces, or nil when it parses.
private func parseError(_ bytes: [UInt8]) -> String? {
    do throws(ELFError) {
        _ = try ELFImage(bytes: bytes)
        return nil
    } catch {
        return error.message
    }
}

/// Expects parsing to fail with a single-line message containing `fragment`.
private func expectError(_ bytes: [UInt8], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let message = parseError(bytes) else {
        Issue.record("parsed, but expected an error containing \"\(fragment)\"", sourceLocation: sourceLocation)
        return
    }
    #expect(message.contains(fragment), "got: \(message)", sourceLocation: sourceLocation)
    #expect(!message.contains("\n"), sourceLocation: sourceLocation)
    #expect(message.hasPrefix("the file "), sourceLocation: sourceLocation)
}

private func modified(_ change: (inout ELFBuilder) -> Void) -> [UInt8] {
    var builder = ELFBuilder()
    change(&builder)
    return builder.bytes
}

private func patched(_ change: (inout [UInt8], ELFBuilder.Built) -> Void) -> [UInt8] {
    let built = ELFBuilder().build()
    var bytes = built.bytes
    change(&bytes, built)
    return bytes
}

// MARK: - A valid image

@Suite struct ELFValidImageTests {
    @Test func headerAndSegments() throws {
        let built = ELFBuilder().build()
        let image = try ELFImage(bytes: built.bytes)
        #expect(image.entry == 0x8000_0000)
        #expect(image.bytes == built.bytes)
        #expect(image.segments == [
            .init(virtualAddress: 0x8000_0000, physicalAddress: 0x8000_0000, fileOffset: UInt64(built.segmentOffsets[0]),
                  fileSize: 16, memorySize: 16, readable: true, writable: false, executable: true),
            .init(virtualAddress: 0x8000_1000, physicalAddress: 0x8000_1000, fileOffset: UInt64(built.segmentOffsets[1]),
                  fileSize: 8, memorySize: 0x100, readable: true, writable: true, executable: false),
        ])
        #expect(Array(image.segmentBytes(image.segments[0])) == ELFBuilder.code)
        #expect(Array(image.segmentBytes(image.segments[1])) == [1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test func symbolsAreDefinedOnlyAndSorted() throws {
        let image = try ELFImage(bytes: ELFBuilder().bytes)
        #expect(image.symbols.map(\.name) == [
            "STACK_SIZE", "_start", "loop", "helper", "helper", "finish", "data_label", "counter",
        ])
        #expect(image.symbols.map(\.value) == image.symbols.map(\.value).sorted())
        for excluded in ["file.s", "$x", "$d", ".Lpcrel_hi0", "$xrv64i2p1_m2p0", "undefined_thing", "common_thing", "tls_thing", ""] {
            #expect(image.symbol(named: excluded) == nil, "\(excluded) should be excluded")
        }
        #expect(image.symbol(named: "_start") == .init(name: "_start", value: 0x8000_0000, size: 16, isFunction: true, isObject: false))
        #expect(image.symbol(named: "counter") == .init(name: "counter", value: 0x8000_1000, size: 8, isFunction: false, isObject: true))
        #expect(image.symbol(named: "STACK_SIZE")?.value == 0x1000)
        // The global definition wins over the local label of the same name.
        #expect(image.symbol(named: "helper")?.isFunction == true)
        #expect(image.symbol(named: "nope") == nil)
    }

    @Test func nearestSymbol() throws {
        let image = try ELFImage(bytes: ELFBuilder().bytes)
        func near(_ address: UInt64) -> String? {
            image.nearestSymbol(atOrBefore: address).map { "\($0.symbol.name)+\($0.offset)" }
        }
        #expect(near(0x8000_0000) == "_start+0")
        #expect(near(0x8000_0003) == "_start+3")
        #expect(near(0x8000_0006) == "loop+2")
        // Function and label share 0x80000008 / 0x8000000c: the function is preferred.
        #expect(near(0x8000_0008) == "helper+0")
        #expect(near(0x8000_000e) == "finish+2")
        #expect(near(0x8000_1004) == "counter+4")
        #expect(near(UInt64.max) == "counter+\(UInt64.max - 0x8000_1000)")
        #expect(near(0x1000) == "STACK_SIZE+0")
        #expect(near(0xfff) == nil)
        #expect(near(0) == nil)
    }

    @Test func strippedFileHasNoSymbols() throws {
        let image = try ELFImage(bytes: modified { $0.withSections = false })
        #expect(image.symbols.isEmpty)
        #expect(image.nearestSymbol(atOrBefore: 0x8000_0000) == nil)
        #expect(image.segments.count == 2)
    }

    @Test func dynamicSymbolsAreUsedWhenThereIsNoSymtab() throws {
        let image = try ELFImage(bytes: modified { $0.symbolTableType = 11 })
        #expect(image.symbol(named: "_start")?.value == 0x8000_0000)
    }

    @Test func extendedSectionCountIsUnderstood() throws {
        let bytes = patched { bytes, built in
            bytes.putLittleEndian(UInt16(0), at: 60)  // e_shnum = 0: the count lives in section 0's sh_size.
            bytes.putLittleEndian(UInt64(5), at: built.sectionHeader(0) + 32)
        }
        #expect(try ELFImage(bytes: bytes).symbol(named: "_start") != nil)
    }

    @Test func nonLoadSegmentsAndNullEntriesAreSkipped() throws {
        let image = try ELFImage(bytes: modified {
            $0.segments.insert(.init(type: 0, virtualAddress: 0, data: [], fileOffset: 0xdead_beef_dead_beef, fileSize: .max), at: 0)
            $0.segments.append(.init(type: 0x6474_e551, flags: 6, virtualAddress: 0, data: []))  // PT_GNU_STACK
        })
        #expect(image.segments.count == 2)
    }

    @Test func segmentBytesClampsForeignSegments() throws {
        let image = try ELFImage(bytes: ELFBuilder().bytes)
        var s = image.segments[0]
        s.fileOffset = UInt64(image.bytes.count) - 4
        s.fileSize = .max
        #expect(image.segmentBytes(s).count == 4)
        s.fileOffset = .max
        #expect(image.segmentBytes(s).isEmpty)
    }
}

// MARK: - Placement

@Suite struct ELFPlacementTests {
    let ramBase: UInt64 = 0x8000_0000
    let ramSize: UInt64 = 128 << 20

    func placementError(_ bytes: [UInt8], base: UInt64 = 0x8000_0000, size: UInt64 = 128 << 20) throws -> String? {
        let image = try ELFImage(bytes: bytes)
        do throws(ELFError) {
            try image.validatePlacement(ramBase: base, ramSize: size)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func fitsInRAM() throws {
        #expect(try placementError(ELFBuilder().bytes) == nil)
        // Exactly filling RAM is fine: the data segment ends at 0x80001100.
        #expect(try placementError(ELFBuilder().bytes, size: 0x1100) == nil)
    }

    @Test func outsideRAM() throws {
        let tooSmall = try placementError(ELFBuilder().bytes, size: 0x10ff)
        #expect(tooSmall?.contains("loadable segment 1 (physical 0x80001000–0x800010ff, 256 bytes) lies outside RAM (0x80000000–0x800010fe)") == true, "\(tooSmall ?? "")")
        let below = try placementError(ELFBuilder().bytes, base: 0x8000_0004)
        #expect(below?.contains("loadable segment 0") == true, "\(below ?? "")")
        let empty = try placementError(ELFBuilder().bytes, size: 0)
        #expect(empty?.contains("RAM (which is empty)") == true, "\(empty ?? "")")
        // A RAM window at the very top of the address space must not wrap.
        let top = try placementError(ELFBuilder().bytes, base: UInt64.max - 0xfff, size: 0x1000)
        #expect(top?.contains("lies outside RAM") == true)
    }

    @Test func usesPhysicalAddresses() throws {
        // Linked to run at 0x80000000 but stored at 0x1000 (LMA outside RAM): rejected.
        let stored = modified { $0.segments[1].physicalAddress = 0x1000 }
        #expect(try placementError(stored)?.contains("loadable segment 1 (physical 0x1000") == true)
        // Virtual address outside RAM but physical inside: accepted.
        let relocated = modified {
            $0.segments[1].virtualAddress = 0xffff_ffc0_0000_0000
            $0.segments[1].physicalAddress = 0x8000_2000
        }
        #expect(try placementError(relocated) == nil)
    }

    @Test func overlappingSegments() throws {
        let overlapping = modified {
            $0.segments[1].virtualAddress = 0x8000_000c  // Starts inside the 16-byte code segment.
        }
        let message = try placementError(overlapping)
        #expect(message?.contains("loadable segments 0 and 1 overlap at physical 0x8000000c–0x8000000f") == true, "\(message ?? "")")
        // Reported in file order even when the later segment sits lower.
        let reversed = modified {
            $0.segments = [
                .init(flags: 6, virtualAddress: 0x8000_0100, data: [1], memorySize: 0x100),
                .init(flags: 5, virtualAddress: 0x8000_0000, data: ELFBuilder.code, memorySize: 0x200),
            ]
        }
        #expect(try placementError(reversed)?.contains("loadable segments 0 and 1 overlap at physical 0x80000100–0x800001ff") == true)
        // A segment nested between two others still overlaps the big one.
        let nested = modified {
            $0.segments = [
                .init(flags: 5, virtualAddress: 0x8000_0000, data: ELFBuilder.code, memorySize: 0x1000),
                .init(flags: 6, virtualAddress: 0x8000_0010, data: [], memorySize: 0x10),
                .init(flags: 6, virtualAddress: 0x8000_0800, data: [], memorySize: 0x10),
            ]
        }
        #expect(try placementError(nested)?.contains("loadable segments 0 and 1 overlap") == true)
    }

    @Test func touchingAndEmptySegmentsAreFine() throws {
        let touching = modified {
            $0.segments[1].virtualAddress = 0x8000_0010  // Starts right where the code ends.
            $0.segments.append(.init(flags: 4, virtualAddress: 0x10, data: [], memorySize: 0))  // Empty, outside RAM.
        }
        #expect(try placementError(touching) == nil)
    }
}

// MARK: - Every error

@Suite struct ELFErrorTests {
    @Test func identification() {
        expectError([], "is empty")
        expectError(Array("hello, world".utf8), "is not an ELF file: it starts with bytes 68 65 6c 6c instead of 7f 45 4c 46")
        expectError([0x7f, 0x45, 0x4c], "is truncated: the ELF header needs 64 bytes but the file has 3")
        expectError(Array("!<arch>\nstuff".utf8), "is a static library (ar archive), not an executable")
        expectError([0xcf, 0xfa, 0xed, 0xfe, 0, 0, 0, 0], "is a Mach-O file")
        expectError(Array("MZ\u{90}\0".utf8), "is a Windows PE file")
        expectError(Array("#!/bin/sh\n".utf8), "is a script")
        expectError(modified { $0.elfClass = 1 }, "is not ELF64: it is a 32-bit ELF file")
        expectError([0x7f, 0x45, 0x4c, 0x46, 1], "is not ELF64: it is a 32-bit ELF file")
        expectError(modified { $0.elfClass = 7 }, "class byte (offset 4) is 7")
        expectError(modified { $0.dataEncoding = 2 }, "is big-endian (ELFDATA2MSB)")
        expectError(modified { $0.dataEncoding = 0 }, "data-encoding byte (offset 5) is 0")
        expectError(modified { $0.identVersion = 2 }, "identification version 2")
    }

    @Test func machine() {
        expectError(modified { $0.machine = 62 }, "was built for x86-64 (machine 62), not RISC-V")
        expectError(modified { $0.machine = 183 }, "was built for AArch64 (machine 183), not RISC-V")
        expectError(modified { $0.machine = 40 }, "32-bit ARM (machine 40)")
        expectError(modified { $0.machine = 3 }, "32-bit x86 (machine 3)")
        expectError(modified { $0.machine = 0 }, "was built for no particular machine (machine 0)")
        expectError(modified { $0.machine = 4321 }, "was built for an unknown machine (machine 4321), not RISC-V")
    }

    @Test func fileType() {
        expectError(modified { $0.type = 1 }, "is an object file (ET_REL), not an executable: link it first")
        expectError(modified { $0.type = 3 }, "(ET_DYN), but only fixed-address executables (ET_EXEC) are accepted")
        expectError(modified { $0.type = 4 }, "is a core dump (ET_CORE)")
        expectError(modified { $0.type = 0 }, "has no file type (ET_NONE)")
        expectError(modified { $0.type = 0xfe00 }, "unknown file type 65024")
    }

    @Test func headerFields() {
        expectError(modified { $0.version = 0 }, "has ELF version 0 in its header")
        expectError(modified { $0.headerSize = 52 }, "declares a header size of 52 bytes")
    }

    @Test func programHeaderTable() {
        expectError(modified { $0.segments = [] }, "has no loadable segments")
        expectError(patched { b, _ in b.putLittleEndian(UInt16(0xffff), at: 56) }, "extended program header count (PN_XNUM)")
        expectError(modified { $0.programHeaderSize = 32 }, "declares program headers of 32 bytes")
        expectError(patched { b, _ in b.putLittleEndian(UInt64(8), at: 32) }, "program header table at offset 0x8 overlaps the ELF header")
        expectError(patched { b, _ in b.putLittleEndian(UInt64(0x1000), at: 32) },
                    "is truncated: the program header table (2 entries of 56 bytes at offset 0x1000) needs 4208 bytes but the file has")
        expectError(patched { b, _ in b.putLittleEndian(UInt64.max - 10, at: 32) }, "runs past the end of the 64-bit range")
    }

    @Test func segments() {
        expectError(modified { $0.segments[1].fileSize = 0x10_0000; $0.segments[1].memorySize = 0x10_0000 },
                    "is truncated: the data of program header 1 needs")
        expectError(modified { $0.segments[1].fileOffset = .max - 4 }, "the data of program header 1 at offset 0xfffffffffffffffb with size 8 runs past the end")
        expectError(modified { $0.segments[1].memorySize = 4 }, "program header 1 has a file size (8 bytes) larger than its memory size (4 bytes)")
        expectError(modified { $0.segments[1].virtualAddress = .max - 0x10; $0.segments[1].physicalAddress = 0x8000_1000 },
                    "at virtual address 0xffffffffffffffef with 256 bytes runs past the top of the address space")
        expectError(modified { $0.segments[1].physicalAddress = .max - 0x10 },
                    "at physical address 0xffffffffffffffef with 256 bytes runs past the top")
        expectError(modified { for i in $0.segments.indices { $0.segments[i].type = 4 } }, "has no loadable segments (no PT_LOAD program headers)")
        // A non-load header pointing outside the file is still corrupt.
        expectError(modified { $0.segments.append(.init(type: 4, virtualAddress: 0, data: [], fileOffset: 0x10_0000, fileSize: 1)) },
                    "the data of program header 2 needs 1048577 bytes")
    }

    @Test func entryPoint() {
        expectError(modified { $0.entry = 0x8000_2000 }, "entry point 0x80002000, which is not inside the file data of any loadable segment")
        expectError(modified { $0.entry = 0x8000_1008 }, "entry point 0x80001008")  // In the data segment's zero fill.
        expectError(modified { $0.entry = 0x8000_0010 }, "entry point 0x80000010")  // One past the code.
        expectError(modified { $0.entry = 0 }, "which usually means the linker found no _start symbol")
    }

    /// Every PT_LOAD is loaded whatever its flags, as QEMU and Spike do: bare-metal linker
    /// scripts often leave them empty, and the entry may sit in such a segment.
    @Test func segmentsWithoutFlagsLoad() throws {
        let image = try ELFImage(bytes: modified { for i in $0.segments.indices { $0.segments[i].flags = 0 } })
        #expect(image.segments.allSatisfy { !$0.readable && !$0.writable && !$0.executable })
        var configuration = MachineConfiguration()
        configuration.ramSize = 1 << 20
        let machine = try Machine(configuration: configuration)
        try machine.load(image)
        for segment in image.segments {
            #expect(machine.memory.read(at: segment.physicalAddress, count: Int(segment.fileSize)).map { ArraySlice($0) }
                    == image.segmentBytes(segment))
        }
        #expect(machine.harts[0].pc == image.entry)
    }

    @Test func sectionHeaderTable() {
        expectError(patched { b, _ in b.putLittleEndian(UInt64(0), at: 40) }, "declares 5 sections but no section header table")
        expectError(modified { $0.sectionHeaderSize = 40 }, "declares section headers of 40 bytes")
        expectError(patched { b, _ in b.putLittleEndian(UInt64(16), at: 40) }, "section header table at offset 0x10 overlaps the ELF header")
        expectError(patched { b, _ in b.putLittleEndian(UInt16(6), at: 60) }, "is truncated: the section header table (6 entries of 64 bytes at offset")
        expectError(patched { b, _ in b.putLittleEndian(UInt64.max - 100, at: 40) }, "runs past the end of the 64-bit range")
        expectError(modified { $0.sectionNameIndex = 5 }, "section name table index 5 is outside the 5 sections")
        expectError(modified { $0.sectionNameIndex = 2 }, "section name table (section 2) is not a string table")
        expectError(patched { b, built in b.putLittleEndian(UInt64(0xffff_0000), at: built.sectionHeader(1) + 32) },
                    "is truncated: the data of section 1 (SHT_PROGBITS) needs")
        expectError(patched { b, built in b.putLittleEndian(UInt64.max, at: built.sectionHeader(3) + 24) },
                    "the data of section 3 (SHT_STRTAB) at offset 0xffffffffffffffff")
        // Extended count: section 0 declares more sections than the cap, or than the file holds.
        expectError(patched { b, built in b.putLittleEndian(UInt16(0), at: 60); b.putLittleEndian(UInt64(1) << 40, at: built.sectionHeader(0) + 32) },
                    "declares 1099511627776 sections, more than the 65536 this loader accepts")
        expectError(patched { b, built in b.putLittleEndian(UInt16(0), at: 60); b.putLittleEndian(UInt64(6), at: built.sectionHeader(0) + 32) },
                    "is truncated: the section header table (6 entries")
    }

    @Test func symbolTable() {
        expectError(patched { b, built in b.putLittleEndian(UInt64(16), at: built.sectionHeader(2) + 56) }, "symbol table (section 2) has entries of 16 bytes")
        expectError(patched { b, built in b.putLittleEndian(UInt64(24 * 3 + 1), at: built.sectionHeader(2) + 32) }, "not a whole number of 24-byte symbols")
        expectError(patched { b, built in b.putLittleEndian(UInt32(1), at: built.sectionHeader(2) + 40) }, "symbol table (section 2) links to section 1, which is not a string table")
        expectError(patched { b, built in b.putLittleEndian(UInt32(9), at: built.sectionHeader(2) + 40) }, "links to section 9")
        expectError(patched { b, built in b.putLittleEndian(UInt32(0), at: built.sectionHeader(2) + 40) }, "links to section 0")
        expectError(patched { b, built in b[built.stringTable + built.stringTableSize - 1] = UInt8(ascii: "x") },
                    "string table (section 3) does not end with a NUL byte")
        expectError(patched { b, built in b.putLittleEndian(UInt64(0), at: built.sectionHeader(3) + 32) }, "does not end with a NUL byte")
        expectError(patched { b, built in b.putLittleEndian(UInt32(built.stringTableSize), at: built.symbolTable + 24 * 3) },
                    "symbol 3 has name offset \(ELFBuilder().build().stringTableSize), outside its")
        expectError(patched { b, built in b.putLittleEndian(UInt16(7), at: built.symbolTable + 24 * 6 + 6) },
                    "symbol 6 refers to section 7, but there are only 5 sections")
    }

    @Test func symbolCountIsCapped() {
        // A table one entry over the cap (25 MB of zeros): refused before any symbol is read.
        let count = ELFImage.maximumSymbolCount + 1
        let bytes = patched { b, built in
            let offset = b.count
            b += [UInt8](repeating: 0, count: 24 * count)
            b.putLittleEndian(UInt64(offset), at: built.sectionHeader(2) + 24)
            b.putLittleEndian(UInt64(24 * count), at: built.sectionHeader(2) + 32)
        }
        expectError(bytes, "has \(count) symbols, more than the \(ELFImage.maximumSymbolCount) this loader accepts")
    }

    @Test func symbolNamesCannotExplode() {
        // 200,000 symbols all named by the same 1 MB string would decode into 200 GB of names.
        let symbolCount = 200_000
        let bytes = patched { b, built in
            let strings = b.count
            b += [0] + [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20) + [0]
            let symbols = b.count
            b += [UInt8](repeating: 0, count: 24)
            var entry = [UInt8](repeating: 0, count: 24)
            entry.putLittleEndian(UInt32(1), at: 0)
            entry[4] = 0x12  // Global function.
            entry.putLittleEndian(UInt16(1), at: 6)
            for _ in 1 ..< symbolCount { b += entry }
            b.putLittleEndian(UInt64(symbols), at: built.sectionHeader(2) + 24)
            b.putLittleEndian(UInt64(24 * symbolCount), at: built.sectionHeader(2) + 32)
            b.putLittleEndian(UInt64(strings), at: built.sectionHeader(3) + 24)
            b.putLittleEndian(UInt64((1 << 20) + 2), at: built.sectionHeader(3) + 32)
        }
        expectError(bytes, "has more than 64 MiB of symbol names")
    }
}

// MARK: - Hostile input never crashes

@Suite struct ELFRobustnessTests {
    @Test func everyTruncationFails() {
        let bytes = ELFBuilder().bytes
        for length in 0 ..< bytes.count {
            let message = parseError(Array(bytes.prefix(length)))
            #expect(message != nil, "prefix of \(length) bytes parsed")
            let expected = length == 0 ? "is empty" : "is truncated:"
            #expect(message?.contains(expected) == true, "prefix \(length): \(message ?? "")")
        }
        #expect(parseError(bytes) == nil)
    }

    @Test func randomCorruptionNeverCrashes() {
        let built = ELFBuilder().build()
        var random = SplitMix64(state: 0x1e1f_5eed)
        var parsed = 0
        var rejected = 0
        for _ in 0 ..< 5_000 {
            var bytes = built.bytes
            for _ in 0 ..< Int.random(in: 1 ... 4, using: &random) {
                // Half the hits go to the headers, where a byte changes the most.
                let region = Bool.random(using: &random)
                    ? (Bool.random(using: &random) ? 0 ..< 64 + 56 * 2 : built.sectionHeaders ..< bytes.count)
                    : 0 ..< bytes.count
                let at = Int.random(in: region, using: &random)
                switch Int.random(in: 0 ..< 4, using: &random) {
                case 0: bytes[at] = UInt8.random(in: 0 ... 255, using: &random)
                case 1: bytes[at] ^= UInt8(1) << UInt8.random(in: 0 ..< 8, using: &random)
                case 2: bytes[at] = [0, 0xff, 0x7f, 0x80].randomElement(using: &random) ?? 0
                default:
                    // A whole 64-bit field: huge, tiny or off-by-a-bit values.
                    let aligned = min(at & ~7, bytes.count - 8)
                    let value: UInt64 = [UInt64.max, 0, UInt64.max - 7, 1 << 63, UInt64(bytes.count), random.next()]
                        .randomElement(using: &random) ?? 0
                    bytes.putLittleEndian(value, at: aligned)
                }
            }
            if Int.random(in: 0 ..< 4, using: &random) == 0 {
                bytes.removeLast(Int.random(in: 0 ..< 16, using: &random))
            }
            do throws(ELFError) {
                let image = try ELFImage(bytes: bytes)
                parsed += 1
                for s in image.segments { _ = image.segmentBytes(s) }
                for _ in 0 ..< 8 { _ = image.nearestSymbol(atOrBefore: random.next()) }
                _ = image.symbol(named: "_start")
                try? image.validatePlacement(ramBase: 0x8000_0000, ramSize: 128 << 20)
            } catch {
                rejected += 1
                #expect(!error.message.isEmpty && !error.message.contains("\n"))
                #expect(error.message.hasPrefix("the file "), "\(error.message)")
            }
        }
        #expect(parsed + rejected == 5_000)
        #expect(rejected > 0)
    }
}

// MARK: - Files on disk

@Suite struct ELFFileTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("elf-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func fileError(_ path: String) -> String? {
        do throws(ELFError) {
            _ = try ELFImage(contentsOf: path)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func readsAFileAndNamesItInErrors() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.elf")
        try Data(ELFBuilder().bytes).write(to: good)
        let image = try ELFImage(contentsOf: good.path)
        #expect(image.entry == 0x8000_0000)
        #expect(image.bytes == ELFBuilder().bytes)

        let object = dir.appendingPathComponent("thing.o")
        try Data(modified { $0.type = 1 }).write(to: object)
        #expect(fileError(object.path) == "'\(object.path)' is an object file (ET_REL), not an executable: link it first")

        let short = dir.appendingPathComponent("short.elf")
        try Data(ELFBuilder().bytes.prefix(100)).write(to: short)
        #expect(fileError(short.path)?.hasPrefix("'\(short.path)' is truncated: ") == true)

        let missing = dir.appendingPathComponent("missing.elf").path
        #expect(fileError(missing)?.hasPrefix("cannot open '\(missing)': ") == true)
        #expect(fileError(dir.path) == "'\(dir.path)' is a directory, not an ELF executable")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/zero"), "no /dev/zero here"))
    func refusesDevices() {
        #expect(fileError("/dev/zero")?.contains("is not a regular file") == true)
    }

    /// The toolchain's own clang and ld.lld, wherever it is installed.
    static var clang: String { CrossTools.tools?.clang ?? "clang" }
    static var lld: String { CrossTools.tools?.lld ?? "ld.lld" }

    func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            Issue.record("\(tool) failed: \(String(decoding: output, as: UTF8.self))")
        }
    }

    @Test(.enabled(if: CrossTools.available, "needs the toolchain's clang and ld.lld for riscv64 to link a real program"))
    func parsesARealLinkedProgram() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("start.s")
        try """
            .globl _start
            .type _start, @function
        _start:
            la a0, message
            li a1, 0
        loop:
            addi a1, a1, 1
            j loop
            .size _start, . - _start

            .data
            .globl message
            .type message, @object
        message:
            .asciz "hi"
            .size message, 3
        """.write(to: source, atomically: true, encoding: .utf8)
        let object = dir.appendingPathComponent("start.o").path
        let program = dir.appendingPathComponent("start").path
        try run(Self.clang, ["--target=riscv64-unknown-elf", "-march=rv64gc", "-mabi=lp64", "-nostdlib", "-c", source.path, "-o", object])
        try run(Self.lld, ["-Ttext=0x80000000", object, "-o", program])

        let image = try ELFImage(contentsOf: program)
        let start = try #require(image.symbol(named: "_start"))
        #expect(image.entry == start.value)
        #expect(image.entry == 0x8000_0000)
        #expect(start.isFunction && start.size > 0)
        let message = try #require(image.symbol(named: "message"))
        #expect(message.isObject && message.size == 3)
        let loop = try #require(image.symbol(named: "loop"))
        #expect(image.nearestSymbol(atOrBefore: loop.value + 2).map { $0.symbol.name } == "loop")
        #expect(image.symbols.allSatisfy { !$0.name.hasPrefix("$") && !$0.name.hasPrefix(".L") })
        let code = try #require(image.segments.first { $0.executable && $0.virtualAddress == image.entry })
        #expect(image.segmentBytes(code).count == Int(code.fileSize))

        // Plain lld output also loads its headers at 0x10000; -N gives one segment in RAM.
        let compact = dir.appendingPathComponent("compact").path
        try run(Self.lld, ["-N", "-Ttext=0x80000000", object, "-o", compact])
        let placed = try ELFImage(contentsOf: compact)
        #expect(placed.entry == placed.symbol(named: "_start")?.value)
        try placed.validatePlacement(ramBase: 0x8000_0000, ramSize: 128 << 20)
    }
}
