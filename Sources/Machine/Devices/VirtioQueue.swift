// A split virtqueue as the virtio 1.x specification lays it out in guest RAM (descriptor
// table, driver "available" ring, device "used" ring), and one request: a descriptor chain
// gathered into its device-readable and device-writable parts. Everything here is read
// from guest memory, so every index, length and address is checked: a chain longer than
// the queue, a loop, or a buffer outside RAM makes the request fail, never the host.

/// The driver's view of one queue, as set through the MMIO registers.
struct VirtioQueue {
    var size: UInt32 = 0
    var ready = false
    var descriptorTable: UInt64 = 0
    var availableRing: UInt64 = 0
    var usedRing: UInt64 = 0
    /// The next available-ring entry the device will take.
    var nextAvailable: UInt16 = 0
    /// The used ring's index as the device last wrote it.
    var nextUsed: UInt16 = 0

    static let descriptorNext: UInt16 = 1, descriptorWrite: UInt16 = 2, descriptorIndirect: UInt16 = 4
    /// VIRTQ_AVAIL_F_NO_INTERRUPT: the driver does not want an interrupt for used buffers.
    static let availableNoInterrupt: UInt16 = 1
}

/// One piece of a request's buffer in guest physical memory.
struct VirtioSegment {
    var address: UInt64
    var length: UInt32
}

/// A request: the device-readable bytes (in order) then the device-writable ones.
struct VirtioRequest {
    var readable: [VirtioSegment] = []
    var writable: [VirtioSegment] = []
    var readableLength: UInt64 = 0
    var writableLength: UInt64 = 0

    /// Gathers the chain starting at `head`, following NEXT and one level of INDIRECT
    /// tables; nil when the chain is malformed (out of range, too long, a loop, outside RAM).
    static func gather(head: UInt16, queue: VirtioQueue, indirectAllowed: Bool, memory: PhysicalMemory) -> VirtioRequest? {
        var request = VirtioRequest()
        // The spec bounds a chain, indirect descriptors included, by the queue size.
        var budget = Int(queue.size)
        var table = queue.descriptorTable
        var tableSize = queue.size
        var index = UInt32(head)
        var inIndirect = false
        while true {
            guard index < tableSize, budget > 0 else { return nil }
            budget -= 1
            let entry = table &+ UInt64(index) * 16
            guard let address = memory.readInteger(at: entry, size: 8),
                  let length = memory.readInteger(at: entry &+ 8, size: 4),
                  let flags16 = memory.readInteger(at: entry &+ 12, size: 2),
                  let next = memory.readInteger(at: entry &+ 14, size: 2) else { return nil }
            let flags = UInt16(truncatingIfNeeded: flags16)
            if flags & VirtioQueue.descriptorIndirect != 0 {
                // An indirect table replaces the rest of the chain; it may not nest.
                guard indirectAllowed, !inIndirect, flags & VirtioQueue.descriptorNext == 0,
                      length >= 16, length % 16 == 0 else { return nil }
                table = address
                tableSize = UInt32(truncatingIfNeeded: min(length / 16, UInt64(UInt32.max)))
                index = 0
                inIndirect = true
                continue
            }
            let segment = VirtioSegment(address: address, length: UInt32(truncatingIfNeeded: length))
            guard memory.offset(of: address, length: UInt64(segment.length)) != nil else { return nil }
            if flags & VirtioQueue.descriptorWrite != 0 {
                request.writable.append(segment)
                request.writableLength += UInt64(segment.length)
            } else {
                request.readable.append(segment)
                request.readableLength += UInt64(segment.length)
            }
            guard flags & VirtioQueue.descriptorNext != 0 else { return request }
            index = UInt32(truncatingIfNeeded: next)
        }
    }

    /// Visits the RAM behind `[start, start+count)` of the readable or writable bytes, in
    /// pieces (each inside one segment); the ranges were checked to lie in RAM by `gather`.
    func forEachPiece(writable: Bool, from start: UInt64, count: UInt64, memory: PhysicalMemory,
                      _ body: (_ ramOffset: Int, _ streamOffset: UInt64, _ length: Int) -> Bool) -> Bool {
        var skipped: UInt64 = 0
        var remaining = count
        var done: UInt64 = 0
        for segment in writable ? self.writable : self.readable where remaining > 0 {
            let length = UInt64(segment.length)
            if skipped + length <= start {
                skipped += length
                continue
            }
            let within = start > skipped ? start - skipped : 0
            let take = min(length - within, remaining)
            guard let offset = memory.offset(of: segment.address &+ within, length: take) else { return false }
            guard body(offset, done, Int(take)) else { return false }
            done += take
            remaining -= take
            skipped += length
        }
        return remaining == 0
    }

    /// Copies `count` readable bytes from `start` out of guest memory.
    func readBytes(from start: UInt64, count: Int, memory: PhysicalMemory) -> [UInt8]? {
        var result = [UInt8](repeating: 0, count: count)
        let copied = result.withUnsafeMutableBytes { target in
            forEachPiece(writable: false, from: start, count: UInt64(count), memory: memory) { offset, at, length in
                UnsafeMutableRawBufferPointer(rebasing: target[Int(at) ..< Int(at) + length])
                    .copyMemory(from: UnsafeRawBufferPointer(start: memory.bytes + offset, count: length))
                return true
            }
        }
        return copied ? result : nil
    }

    /// Writes `bytes` into the writable part at `start` (a host write: code decoded from
    /// those bytes and LR reservations on them go, as for any device write to RAM).
    func writeBytes(_ bytes: [UInt8], at start: UInt64, memory: PhysicalMemory) -> Bool {
        bytes.withUnsafeBytes { source in
            forEachPiece(writable: true, from: start, count: UInt64(bytes.count), memory: memory) { offset, at, length in
                UnsafeMutableRawBufferPointer(start: memory.bytes + offset, count: length)
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[Int(at) ..< Int(at) + length]))
                memory.hostWrote(offset: offset, length: length)
                return true
            }
        }
    }
}
