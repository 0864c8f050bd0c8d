// The one home of little-endian helpers and of load/store sizes (issue 12 §8): values
// round-trip, and offsets or counts a guest controls can never trap the host.

import Testing
@testable import Machine

@Suite("Machine: little-endian helpers and access sizes")
struct LittleEndianTests {
    @Test("bytes and words round-trip, least significant byte first")
    func roundTrip() {
        #expect(littleEndianBytes(0x0102_0304_0506_0708) == [8, 7, 6, 5, 4, 3, 2, 1])
        #expect(littleEndianBytes(0x1234_5678, count: 4) == [0x78, 0x56, 0x34, 0x12])
        #expect(littleEndianWord([8, 7, 6, 5, 4, 3, 2, 1], at: 0) == 0x0102_0304_0506_0708)
        #expect(littleEndianWord([0, 0x78, 0x56, 0x34, 0x12], at: 1, count: 4) == 0x1234_5678)
    }

    @Test("hostile offsets and counts read zeros instead of trapping")
    func hostileOffsets() {
        let bytes: [UInt8] = [1, 2, 3]
        #expect(littleEndianWord(bytes, at: 1) == 0x0302)
        #expect(littleEndianWord(bytes, at: -1) == 0)
        #expect(littleEndianWord(bytes, at: Int.max) == 0)
        #expect(littleEndianWord(bytes, at: Int.min, count: Int.max) == 0)
        #expect(littleEndianWord(bytes, at: 0, count: -5) == 0)
        #expect(littleEndianBytes(1, count: Int.max).count == 8)
        #expect(littleEndianBytes(1, count: -1).isEmpty)
    }

    @Test("every load and store has one size, and only lb, lh, lw sign-extend")
    func accessSizes() {
        let sizes: [(Operation, Int)] = [(.lb, 1), (.lbu, 1), (.sb, 1), (.lh, 2), (.lhu, 2), (.sh, 2), (.lw, 4), (.lwu, 4),
                                         (.sw, 4), (.flw, 4), (.fsw, 4), (.ld, 8), (.sd, 8), (.fld, 8), (.fsd, 8), (.add, 0)]
        for (operation, size) in sizes { #expect(operation.accessSize == size, "\(operation)") }
        #expect([Operation.lb, .lh, .lw, .ld, .lbu, .lhu, .lwu].filter(\.signExtendsLoad) == [.lb, .lh, .lw])
    }
}
