// The virtio block device (virtio 1.x, "Block Device"): one request queue; each request is
// a 16-byte header (type, reserved, sector), data, and a status byte the device writes.
// Reads (IN), writes (OUT), FLUSH and GET_ID are served; anything else is answered
// UNSUPP. A request that runs past the disk's end, whose data is not whole sectors, or
// that writes a read-only disk is answered IOERR, as QEMU does.

final class VirtioBlock: VirtioDeviceModel {
    static let sectorSize: UInt64 = 512
    static let typeIn: UInt32 = 0, typeOut: UInt32 = 1, typeFlush: UInt32 = 4, typeGetID: UInt32 = 8
    static let statusOK: UInt8 = 0, statusIOError: UInt8 = 1, statusUnsupported: UInt8 = 2
    // Feature bits: SEG_MAX (2), RO (5), BLK_SIZE (6), FLUSH (9).
    static let featureSegmentMaximum: UInt64 = 1 << 2, featureReadOnly: UInt64 = 1 << 5
    static let featureBlockSize: UInt64 = 1 << 6, featureFlush: UInt64 = 1 << 9

    let storage: any BlockStorage
    /// Answered to VIRTIO_BLK_T_GET_ID (at most 20 bytes).
    let identifier: [UInt8]
    let deviceID: UInt32 = 2
    let queueCount = 1
    let maximumQueueSize: UInt32 = 256
    /// Sectors the guest sees: the whole 512-byte sectors of the storage.
    let capacity: UInt64
    private let configurationBytes: [UInt8]

    init(storage: any BlockStorage, identifier: String) {
        self.storage = storage
        self.identifier = Array(identifier.utf8.prefix(20))
        capacity = storage.byteCount / Self.sectorSize
        var bytes = [UInt8](repeating: 0, count: 64)
        func put(_ value: UInt64, at offset: Int, size: Int) {
            for byte in 0..<size { bytes[offset + byte] = UInt8(truncatingIfNeeded: value >> UInt64(8 * byte)) }
        }
        put(capacity, at: 0, size: 8)                              // capacity in 512-byte sectors
        put(UInt64(maximumQueueSize - 2), at: 12, size: 4)         // seg_max
        put(Self.sectorSize, at: 20, size: 4)                      // blk_size
        configurationBytes = bytes
    }

    var features: UInt64 {
        VirtioMMIO.versionOne | VirtioMMIO.indirectDescriptors | Self.featureSegmentMaximum | Self.featureBlockSize
            | Self.featureFlush | (storage.readOnly ? Self.featureReadOnly : 0)
    }

    func configuration(at offset: Int) -> UInt8 {
        offset >= 0 && offset < configurationBytes.count ? configurationBytes[offset] : 0
    }

    func serve(_ request: VirtioRequest, queue: Int, memory: PhysicalMemory) -> UInt32 {
        // The status byte is the last writable byte; without one nothing can be answered.
        guard request.writableLength >= 1 else { return 0 }
        let statusAt = request.writableLength - 1
        func answer(_ status: UInt8, dataWritten: UInt64 = 0) -> UInt32 {
            _ = request.writeBytes([status], at: statusAt, memory: memory)
            return UInt32(truncatingIfNeeded: min(dataWritten + 1, UInt64(UInt32.max)))
        }
        guard let header = request.readBytes(from: 0, count: 16, memory: memory) else { return answer(Self.statusIOError) }
        let type = UInt32(header[0]) | UInt32(header[1]) << 8 | UInt32(header[2]) << 16 | UInt32(header[3]) << 24
        var sector: UInt64 = 0
        for byte in 0..<8 { sector |= UInt64(header[8 + byte]) << UInt64(8 * byte) }

        switch type {
        case Self.typeIn:
            let length = statusAt
            guard let start = byteRange(sector: sector, length: length) else { return answer(Self.statusIOError) }
            let copied = request.forEachPiece(writable: true, from: 0, count: length, memory: memory) { offset, at, count in
                let buffer = UnsafeMutableRawBufferPointer(start: memory.bytes + offset, count: count)
                guard storage.read(at: start + at, into: buffer) else { return false }
                memory.hostWrote(offset: offset, length: count)
                return true
            }
            return copied ? answer(Self.statusOK, dataWritten: length) : answer(Self.statusIOError)
        case Self.typeOut:
            let length = request.readableLength - 16
            guard !storage.readOnly, let start = byteRange(sector: sector, length: length) else { return answer(Self.statusIOError) }
            let copied = request.forEachPiece(writable: false, from: 16, count: length, memory: memory) { offset, at, count in
                storage.write(at: start + at, from: UnsafeRawBufferPointer(start: memory.bytes + offset, count: count))
            }
            return answer(copied ? Self.statusOK : Self.statusIOError)
        case Self.typeFlush:
            return answer(storage.flush() ? Self.statusOK : Self.statusIOError)
        case Self.typeGetID:
            let room = min(statusAt, 20)
            var id = [UInt8](repeating: 0, count: Int(room))
            for index in 0..<min(identifier.count, id.count) { id[index] = identifier[index] }
            guard request.writeBytes(id, at: 0, memory: memory) else { return answer(Self.statusIOError) }
            return answer(Self.statusOK, dataWritten: room)
        default:
            return answer(Self.statusUnsupported)
        }
    }

    /// The byte offset of `length` bytes at `sector`, if they are whole sectors inside the disk.
    private func byteRange(sector: UInt64, length: UInt64) -> UInt64? {
        guard length % Self.sectorSize == 0, sector <= capacity,
              length / Self.sectorSize <= capacity - sector else { return nil }
        return sector * Self.sectorSize
    }
}
