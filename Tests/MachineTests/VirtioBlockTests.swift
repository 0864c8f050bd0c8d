// The virtio-mmio block device driven register by register from the host, as a guest
// driver would: identity and configuration (as QEMU's `virt` board answers, empty slots
// included), feature negotiation, a split queue with reads, writes, flush and GET_ID, the
// used ring and the PLIC line, VIRTQ_AVAIL_F_NO_INTERRUPT, indirect descriptors, and
// hostile requests (past the end, partial sectors, loops, buffers and rings outside RAM,
// writes to a read-only disk). Then the file-backed storage's three modes.

import Foundation
import Testing
@testable import Machine

/// A minimal driver: queue 0 of `slot` with 16 entries at fixed places in RAM.
struct VirtioTestDriver {
    let machine: Machine
    var slot = 0
    static let descriptors: UInt64 = 0x8010_0000, available: UInt64 = 0x8010_1000, used: UInt64 = 0x8010_2000
    static let headers: UInt64 = 0x8010_3000, statuses: UInt64 = 0x8010_3800, data: UInt64 = 0x8010_4000
    static let queueSize: UInt32 = 16
    var nextAvailable: UInt16 = 0

    var base: UInt64 { VirtioMMIO.base + UInt64(slot) * VirtioMMIO.slotSize }
    var memory: PhysicalMemory { machine.memory }

    func read(_ offset: UInt64, size: Int = 4) -> UInt64 {
        machine.deviceLoad(base + offset, size: size, hart: machine.harts[0]) ?? 0xDEAD_DEAD
    }
    func write(_ offset: UInt64, _ value: UInt64) {
        _ = machine.deviceStore(base + offset, size: 4, value: value, hart: machine.harts[0])
    }

    /// Status ACKNOWLEDGE, DRIVER, the features, FEATURES_OK, the queue, DRIVER_OK; returns the status read back.
    @discardableResult
    func initialize(features: UInt64 = 1 << 32) -> UInt64 {
        memory.writeInteger(0, at: Self.available, size: 4)
        memory.writeInteger(0, at: Self.used, size: 4)
        write(0x70, 0)
        write(0x70, 1)
        write(0x70, 3)
        write(0x24, 0)
        write(0x20, features & 0xFFFF_FFFF)
        write(0x24, 1)
        write(0x20, features >> 32)
        write(0x70, 11)
        guard read(0x70) & 8 != 0 else { return read(0x70) }
        write(0x30, 0)
        write(0x38, UInt64(Self.queueSize))
        write(0x80, Self.descriptors & 0xFFFF_FFFF)
        write(0x84, Self.descriptors >> 32)
        write(0x90, Self.available & 0xFFFF_FFFF)
        write(0x94, 0)
        write(0xA0, Self.used & 0xFFFF_FFFF)
        write(0xA4, 0)
        write(0x44, 1)
        write(0x70, 15)
        return read(0x70)
    }

    func descriptor(_ index: UInt64, address: UInt64, length: UInt32, flags: UInt16, next: UInt16 = 0, table: UInt64 = descriptors) {
        let entry = table + index * 16
        memory.writeInteger(address, at: entry, size: 8)
        memory.writeInteger(UInt64(length), at: entry + 8, size: 4)
        memory.writeInteger(UInt64(flags), at: entry + 12, size: 2)
        memory.writeInteger(UInt64(next), at: entry + 14, size: 2)
    }

    /// Builds a three-descriptor request (header, data, status) at descriptors 3k...3k+2.
    func request(_ k: UInt64, type: UInt32, sector: UInt64, data: UInt64, length: UInt32, deviceWritesData: Bool) {
        let header = Self.headers + k * 16
        memory.writeInteger(UInt64(type), at: header, size: 4)
        memory.writeInteger(0, at: header + 4, size: 4)
        memory.writeInteger(sector, at: header + 8, size: 8)
        memory.writeInteger(0xFF, at: Self.statuses + k, size: 1)
        descriptor(3 * k, address: header, length: 16, flags: 1, next: UInt16(3 * k + 1))
        descriptor(3 * k + 1, address: data, length: length, flags: deviceWritesData ? 3 : 1, next: UInt16(3 * k + 2))
        descriptor(3 * k + 2, address: Self.statuses + k, length: 1, flags: 2)
    }

    func status(_ k: UInt64) -> UInt64 { memory.readInteger(at: Self.statuses + k, size: 1) ?? 0xEE }

    /// Makes `heads` available and notifies; returns the used ring's new (id, length) entries.
    mutating func submit(_ heads: [UInt16], flags: UInt16 = 0) -> [(id: UInt64, length: UInt64)] {
        let usedBefore = memory.readInteger(at: Self.used + 2, size: 2) ?? 0
        for head in heads {
            memory.writeInteger(UInt64(head), at: Self.available + 4 + 2 * UInt64(nextAvailable % UInt16(Self.queueSize)), size: 2)
            nextAvailable &+= 1
        }
        memory.writeInteger(UInt64(flags), at: Self.available, size: 2)
        memory.writeInteger(UInt64(nextAvailable), at: Self.available + 2, size: 2)
        write(0x50, 0)
        let usedAfter = memory.readInteger(at: Self.used + 2, size: 2) ?? 0
        return (usedBefore ..< usedAfter).map { index in
            let element = Self.used + 4 + 8 * (index % UInt64(Self.queueSize))
            return (memory.readInteger(at: element, size: 4) ?? 0, memory.readInteger(at: element + 4, size: 4) ?? 0)
        }
    }
}

@Suite struct VirtioBlockTests {
    static func machine(disk: [UInt8] = [UInt8](repeating: 0, count: 64 * 512), readOnly: Bool = false) throws
        -> (Machine, MemoryBlockStorage) {
        var configuration = MachineConfiguration()
        configuration.ramSize = 4 << 20
        let machine = try Machine(configuration: configuration)
        let storage = MemoryBlockStorage(bytes: disk, readOnly: readOnly)
        #expect(try machine.attachDrive(storage) == 0)
        return (machine, storage)
    }

    @Test func identityAndConfiguration() throws {
        let (machine, _) = try Self.machine()
        let driver = VirtioTestDriver(machine: machine)
        #expect(driver.read(0x00) == 0x7472_6976 && driver.read(0x04) == 2 && driver.read(0x08) == 2 && driver.read(0x0C) == 0x554D_4551)
        driver.write(0x14, 0)
        #expect(driver.read(0x10) == 1 << 2 | 1 << 6 | 1 << 9 | 1 << 28, "SEG_MAX, BLK_SIZE, FLUSH, INDIRECT_DESC")
        driver.write(0x14, 1)
        #expect(driver.read(0x10) == 1, "VERSION_1")
        #expect(driver.read(0x100) == 64 && driver.read(0x104) == 0 && driver.read(0x100, size: 8) == 64, "capacity in sectors")
        #expect(driver.read(0x114) == 512, "blk_size")
        #expect(driver.read(0x34) == 256, "QueueNumMax")
        var empty = driver
        empty.slot = 1
        #expect(empty.read(0x00) == 0x7472_6976 && empty.read(0x08) == 0, "an empty slot has device ID 0")
        #expect(machine.memory.base == MachineConfiguration.ramBase)
        // Each further drive takes the next slot, up to eight.
        for expected in 1..<8 { #expect(try machine.attachDrive(MemoryBlockStorage(bytes: [UInt8](repeating: 0, count: 512))) == expected) }
        #expect(throws: MachineError.self) { try machine.attachDrive(MemoryBlockStorage(bytes: [UInt8](repeating: 0, count: 512))) }
    }

    @Test func readWriteFlushAndIdentify() throws {
        let (machine, storage) = try Self.machine()
        var driver = VirtioTestDriver(machine: machine)
        #expect(driver.initialize() == 15)
        let pattern = (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        machine.memory.write(pattern, at: VirtioTestDriver.data)
        driver.request(0, type: 1, sector: 2, data: VirtioTestDriver.data, length: 1024, deviceWritesData: false)
        driver.request(1, type: 0, sector: 2, data: VirtioTestDriver.data + 0x1000, length: 1024, deviceWritesData: true)
        let used = driver.submit([0, 3])
        #expect(used.map(\.id) == [0, 3] && used.map(\.length) == [1, 1025])
        #expect(driver.status(0) == 0 && driver.status(1) == 0)
        #expect(Array(storage.bytes[1024 ..< 2048]) == pattern, "the write reached the disk")
        #expect(machine.memory.read(at: VirtioTestDriver.data + 0x1000, count: 1024) == pattern, "and reads back")
        #expect(driver.read(0x60) == 1, "used-buffer interrupt")
        #expect(machine.plic.pending & (1 << 1) != 0, "PLIC source 1 for slot 0")
        driver.write(0x64, 1)
        #expect(driver.read(0x60) == 0 && machine.plic.pending & (1 << 1) == 0, "acknowledged")

        driver.request(2, type: 4, sector: 0, data: VirtioTestDriver.data, length: 0, deviceWritesData: false)
        driver.descriptor(7, address: VirtioTestDriver.statuses + 2, length: 1, flags: 2)
        driver.descriptor(6, address: VirtioTestDriver.headers + 32, length: 16, flags: 1, next: 7)
        driver.request(3, type: 8, sector: 0, data: VirtioTestDriver.data + 0x2000, length: 20, deviceWritesData: true)
        driver.request(4, type: 99, sector: 0, data: VirtioTestDriver.data, length: 512, deviceWritesData: false)
        let more = driver.submit([6, 9, 12])
        #expect(more.map(\.length) == [1, 21, 1])
        #expect(driver.status(2) == 0, "flush")
        #expect(driver.status(3) == 0 && machine.memory.read(at: VirtioTestDriver.data + 0x2000, count: 14) == Array("interleave-vd0".utf8))
        #expect(driver.status(4) == 2, "unknown request type: UNSUPP")
    }

    @Test func hostileRequests() throws {
        let (machine, storage) = try Self.machine()
        var driver = VirtioTestDriver(machine: machine)
        driver.initialize()
        driver.request(0, type: 0, sector: 63, data: VirtioTestDriver.data, length: 1024, deviceWritesData: true)   // past the end
        driver.request(1, type: 1, sector: 0, data: VirtioTestDriver.data, length: 100, deviceWritesData: false)    // not whole sectors
        driver.request(2, type: 0, sector: .max, data: VirtioTestDriver.data, length: 512, deviceWritesData: true) // sector overflow
        driver.descriptor(9, address: VirtioTestDriver.headers, length: 16, flags: 1, next: 9)                     // a loop
        driver.descriptor(10, address: 0x1000, length: 16, flags: 1, next: 11)                                     // outside RAM
        driver.descriptor(11, address: VirtioTestDriver.statuses + 5, length: 1, flags: 2)
        driver.descriptor(12, address: VirtioTestDriver.headers, length: 16, flags: 1, next: 300)                 // next out of range
        let used = driver.submit([0, 3, 6, 9, 10, 12])
        #expect(used.map(\.length) == [1, 1, 1, 0, 0, 0])
        #expect([driver.status(0), driver.status(1), driver.status(2)] == [1, 1, 1], "IOERR")
        #expect(storage.bytes.allSatisfy { $0 == 0 })
        // A ring outside RAM: the device needs a reset and says so.
        driver.write(0x90, 0x10)
        _ = driver.submit([0])
        #expect(driver.read(0x70) & 0x40 != 0 && driver.read(0x60) & 2 != 0)
        driver.write(0x70, 0)
        #expect(driver.read(0x70) == 0 && driver.read(0x44) == 0 && driver.read(0x60) == 0, "reset")
    }

    @Test func readOnlyDisk() throws {
        let (machine, storage) = try Self.machine(readOnly: true)
        var driver = VirtioTestDriver(machine: machine)
        driver.write(0x14, 0)
        #expect(driver.read(0x10) & (1 << 5) != 0, "VIRTIO_BLK_F_RO")
        driver.initialize(features: 1 << 32 | 1 << 5)
        machine.memory.write([UInt8](repeating: 9, count: 512), at: VirtioTestDriver.data)
        driver.request(0, type: 1, sector: 0, data: VirtioTestDriver.data, length: 512, deviceWritesData: false)
        _ = driver.submit([0])
        #expect(driver.status(0) == 1 && storage.bytes.allSatisfy { $0 == 0 })
    }

    @Test func negotiationIndirectTablesAndInterruptSuppression() throws {
        let (machine, _) = try Self.machine(disk: (0..<64 * 512).map { UInt8(truncatingIfNeeded: $0 / 512) })
        var driver = VirtioTestDriver(machine: machine)
        #expect(driver.initialize(features: 1 << 32 | 1 << 40) & 8 == 0, "an unoffered feature: no FEATURES_OK")
        #expect(driver.initialize(features: 0) == 15, "without VERSION_1, as xv6 negotiates")
        // Not negotiated: an indirect descriptor is a malformed chain.
        let table: UInt64 = 0x8010_5000
        driver.request(0, type: 0, sector: 5, data: VirtioTestDriver.data, length: 512, deviceWritesData: true)
        driver.descriptor(15, address: table, length: 48, flags: 4)
        driver.descriptor(0, address: VirtioTestDriver.headers, length: 16, flags: 1, next: 1, table: table)
        driver.descriptor(1, address: VirtioTestDriver.data, length: 512, flags: 3, next: 2, table: table)
        driver.descriptor(2, address: VirtioTestDriver.statuses, length: 1, flags: 2, table: table)
        #expect(driver.submit([15]).map(\.length) == [0])
        driver.initialize(features: 1 << 32 | 1 << 28)
        driver = VirtioTestDriver(machine: machine)
        driver.write(0x64, 3)
        #expect(driver.submit([15], flags: 1).map(\.length) == [513])
        #expect(driver.status(0) == 0 && machine.memory.read(at: VirtioTestDriver.data, count: 512)?.allSatisfy { $0 == 5 } == true)
        #expect(driver.read(0x60) == 0, "VIRTQ_AVAIL_F_NO_INTERRUPT")
    }

    @Test func fileStorageModes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("interleave-drive-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("disk.img").path
        let original = (0..<8192).map { UInt8(truncatingIfNeeded: $0 % 251) }
        try Data(original).write(to: URL(fileURLWithPath: path))
        let block = [UInt8](repeating: 0xAB, count: 600)

        let snapshot = try FileBlockStorage(path: path, mode: .snapshot)
        #expect(block.withUnsafeBytes { snapshot.write(at: 4000, from: $0) })
        var back = [UInt8](repeating: 0, count: 8192)
        #expect(back.withUnsafeMutableBytes { snapshot.read(at: 0, into: $0) })
        var expected = original
        expected.replaceSubrange(4000 ..< 4600, with: block)
        #expect(back == expected, "the guest sees its writes")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(original), "the file does not")

        let readOnly = try FileBlockStorage(path: path, mode: .readOnly)
        #expect(readOnly.readOnly && !block.withUnsafeBytes { readOnly.write(at: 0, from: $0) })

        let writeBack = try FileBlockStorage(path: path, mode: .writeBack)
        #expect(block.withUnsafeBytes { writeBack.write(at: 4000, from: $0) } && writeBack.flush())
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(expected), "written back")
        #expect(!block.withUnsafeBytes { writeBack.write(at: 8000, from: $0) }, "past the end")

        #expect(throws: MachineError.self) { try FileBlockStorage(path: folder.path + "/missing.img", mode: .snapshot) }
        #expect(throws: MachineError.self) { try FileBlockStorage(path: folder.path, mode: .snapshot) }
        let tiny = folder.appendingPathComponent("tiny.img").path
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: tiny))
        do {
            _ = try FileBlockStorage(path: tiny, mode: .snapshot)
            Issue.record("a 3-byte drive was accepted")
        } catch {
            #expect(error.message.contains("at least one 512-byte sector"))
        }
    }
}
