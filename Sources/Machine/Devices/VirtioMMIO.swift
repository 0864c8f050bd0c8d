// The virtio-mmio transport (virtio 1.x, register layout version 2) as QEMU's `virt`
// board has it: eight slots of 0x1000 bytes from 0x1000_1000, slot i on PLIC source
// i + 1, vendor "QEMU" so drivers written for that board (xv6's among them) accept it.
// An empty slot answers with device ID 0, as QEMU's do. Requests are served when the
// driver notifies the queue, in the time of that store: the disk is infinitely fast, and
// the used-buffer interrupt is pending from the next instruction on.

/// What a device behind the transport does: its identity, features, configuration space
/// and how it serves one request.
protocol VirtioDeviceModel: AnyObject {
    var deviceID: UInt32 { get }
    /// Features offered, transport bits (VERSION_1, INDIRECT_DESC) included.
    var features: UInt64 { get }
    var queueCount: Int { get }
    /// The largest queue the device accepts.
    var maximumQueueSize: UInt32 { get }
    /// One byte of the device configuration space (offset from 0x100).
    func configuration(at offset: Int) -> UInt8
    /// Serves a request from queue `queue`; returns the bytes written into its writable part.
    func serve(_ request: VirtioRequest, queue: Int, memory: PhysicalMemory) -> UInt32
}

public final class VirtioMMIO {
    public static let base: UInt64 = 0x1000_1000
    public static let slotSize: UInt64 = 0x1000
    public static let slotCount = 8
    /// PLIC source of slot 0; slot i uses `firstInterrupt + i`.
    public static let firstInterrupt = 1

    static let magic: UInt32 = 0x7472_6976            // "virt"
    static let vendorQEMU: UInt32 = 0x554D_4551       // "QEMU"
    static let versionOne: UInt64 = 1 << 32, indirectDescriptors: UInt64 = 1 << 28
    static let statusAcknowledge: UInt32 = 1, statusDriver: UInt32 = 2, statusDriverOK: UInt32 = 4
    static let statusFeaturesOK: UInt32 = 8, statusNeedsReset: UInt32 = 0x40
    static let interruptUsedBuffer: UInt32 = 1

    /// The device in this slot, if any.
    var device: (any VirtioDeviceModel)?
    var status: UInt32 = 0
    var deviceFeaturesSelect: UInt32 = 0
    var driverFeaturesSelect: UInt32 = 0
    var driverFeatures: UInt64 = 0
    var queueSelect: UInt32 = 0
    var queues: [VirtioQueue] = []
    public internal(set) var interruptStatus: UInt32 = 0
    /// Requests served since the machine started (for tests and statistics).
    public internal(set) var requestsServed: UInt64 = 0

    init() {}

    func attach(_ device: any VirtioDeviceModel) {
        self.device = device
        reset()
    }

    /// The line towards the PLIC: high while an interrupt is unacknowledged.
    var interruptPending: Bool { interruptStatus != 0 }

    func reset() {
        status = 0
        deviceFeaturesSelect = 0
        driverFeaturesSelect = 0
        driverFeatures = 0
        queueSelect = 0
        interruptStatus = 0
        queues = Array(repeating: VirtioQueue(), count: device?.queueCount ?? 0)
    }

    private var selectedQueue: Int? {
        Int(queueSelect) < queues.count ? Int(queueSelect) : nil
    }

    // MARK: Registers

    func load(offset: UInt64, size: Int) -> UInt64 {
        if offset >= 0x100 {
            guard let device else { return 0 }
            var value: UInt64 = 0
            for byte in 0..<size {
                value |= UInt64(device.configuration(at: Int(offset - 0x100) + byte)) << UInt64(8 * byte)
            }
            return value
        }
        guard size == 4, offset & 3 == 0 else { return 0 }
        let queue = selectedQueue.map { queues[$0] }
        let value: UInt32 = switch offset {
        case 0x000: Self.magic
        case 0x004: 2
        case 0x008: device?.deviceID ?? 0
        case 0x00C: Self.vendorQEMU
        case 0x010:
            switch deviceFeaturesSelect {
            case 0: UInt32(truncatingIfNeeded: device?.features ?? 0)
            case 1: UInt32(truncatingIfNeeded: (device?.features ?? 0) >> 32)
            default: 0
            }
        case 0x034: queue == nil ? 0 : device?.maximumQueueSize ?? 0
        case 0x038: queue?.size ?? 0
        case 0x044: queue?.ready == true ? 1 : 0
        case 0x060: interruptStatus
        case 0x070: status
        case 0x080: UInt32(truncatingIfNeeded: queue?.descriptorTable ?? 0)
        case 0x084: UInt32(truncatingIfNeeded: (queue?.descriptorTable ?? 0) >> 32)
        case 0x090: UInt32(truncatingIfNeeded: queue?.availableRing ?? 0)
        case 0x094: UInt32(truncatingIfNeeded: (queue?.availableRing ?? 0) >> 32)
        case 0x0A0: UInt32(truncatingIfNeeded: queue?.usedRing ?? 0)
        case 0x0A4: UInt32(truncatingIfNeeded: (queue?.usedRing ?? 0) >> 32)
        case 0x0B0, 0x0B4: 0xFFFF_FFFF   // SHMLen: no shared memory regions
        case 0x0FC: 0                      // ConfigGeneration: the configuration never changes
        default: 0
        }
        return UInt64(value)
    }

    /// A register write; returns true when the interrupt line may have changed.
    func store(offset: UInt64, size: Int, value: UInt64, memory: PhysicalMemory) -> Bool {
        guard device != nil, offset < 0x100, size == 4, offset & 3 == 0 else { return false }
        let word = UInt32(truncatingIfNeeded: value)
        func updateQueue(_ change: (inout VirtioQueue) -> Void) {
            if let index = selectedQueue { change(&queues[index]) }
        }
        switch offset {
        case 0x014: deviceFeaturesSelect = word
        case 0x020:
            if driverFeaturesSelect == 0 { driverFeatures = (driverFeatures & ~0xFFFF_FFFF) | UInt64(word) }
            if driverFeaturesSelect == 1 { driverFeatures = (driverFeatures & 0xFFFF_FFFF) | UInt64(word) << 32 }
        case 0x024: driverFeaturesSelect = word
        case 0x030: queueSelect = word
        case 0x038: updateQueue { $0.size = min(word, device?.maximumQueueSize ?? 0) }
        case 0x044: updateQueue { $0.ready = word & 1 != 0 }
        case 0x050:
            guard Int(word) < queues.count else { return false }
            return notify(queue: Int(word), memory: memory)
        case 0x064:
            interruptStatus &= ~word
            return true
        case 0x070:
            if word == 0 {
                reset()
                return true
            }
            var accepted = word
            // FEATURES_OK holds only for features the device offers. VERSION_1 is not
            // insisted on: drivers such as xv6's never write the upper feature word, and QEMU runs them.
            if word & Self.statusFeaturesOK != 0 && driverFeatures & ~(device?.features ?? 0) != 0 {
                accepted &= ~Self.statusFeaturesOK
            }
            status = accepted | (status & Self.statusNeedsReset)
        case 0x080: updateQueue { $0.descriptorTable = ($0.descriptorTable & ~0xFFFF_FFFF) | UInt64(word) }
        case 0x084: updateQueue { $0.descriptorTable = ($0.descriptorTable & 0xFFFF_FFFF) | UInt64(word) << 32 }
        case 0x090: updateQueue { $0.availableRing = ($0.availableRing & ~0xFFFF_FFFF) | UInt64(word) }
        case 0x094: updateQueue { $0.availableRing = ($0.availableRing & 0xFFFF_FFFF) | UInt64(word) << 32 }
        case 0x0A0: updateQueue { $0.usedRing = ($0.usedRing & ~0xFFFF_FFFF) | UInt64(word) }
        case 0x0A4: updateQueue { $0.usedRing = ($0.usedRing & 0xFFFF_FFFF) | UInt64(word) << 32 }
        default: break
        }
        return false
    }

    // MARK: Serving a queue

    /// Takes every request the driver made available (at most a queue's worth), serves
    /// each, and returns its chain on the used ring; true when an interrupt was raised.
    func notify(queue index: Int, memory: PhysicalMemory) -> Bool {
        guard let device, status & Self.statusDriverOK != 0, status & Self.statusNeedsReset == 0 else { return false }
        var queue = queues[index]
        guard queue.ready, queue.size > 0 else { return false }
        defer { queues[index] = queue }
        guard let flagsWord = memory.readInteger(at: queue.availableRing, size: 2),
              let availableIndex = memory.readInteger(at: queue.availableRing &+ 2, size: 2) else {
            return failed()
        }
        let pending = min(UInt32(UInt16(truncatingIfNeeded: availableIndex) &- queue.nextAvailable), queue.size)
        guard pending > 0 else { return false }
        let indirect = driverFeatures & Self.indirectDescriptors != 0
        for _ in 0..<pending {
            let slot = UInt64(UInt32(queue.nextAvailable) % queue.size)
            guard let head = memory.readInteger(at: queue.availableRing &+ 4 &+ 2 &* slot, size: 2) else { return failed() }
            queue.nextAvailable &+= 1
            var written: UInt32 = 0
            if let request = VirtioRequest.gather(head: UInt16(truncatingIfNeeded: head), queue: queue,
                                                  indirectAllowed: indirect, memory: memory) {
                written = device.serve(request, queue: index, memory: memory)
            }
            // A malformed chain is returned unserved (written 0): the driver sees no status.
            requestsServed &+= 1
            let usedSlot = UInt64(UInt32(queue.nextUsed) % queue.size)
            let element = queue.usedRing &+ 4 &+ 8 &* usedSlot
            guard memory.writeInteger(head, at: element, size: 4),
                  memory.writeInteger(UInt64(written), at: element &+ 4, size: 4) else { return failed() }
            queue.nextUsed &+= 1
            guard memory.writeInteger(UInt64(queue.nextUsed), at: queue.usedRing &+ 2, size: 2) else { return failed() }
        }
        guard flagsWord & UInt64(VirtioQueue.availableNoInterrupt) == 0 else { return false }
        interruptStatus |= Self.interruptUsedBuffer
        return true
    }

    /// The rings are outside RAM: the device stops until the driver resets it (and says so
    /// with a configuration-change interrupt), as the specification's DEVICE_NEEDS_RESET.
    private func failed() -> Bool {
        status |= Self.statusNeedsReset
        interruptStatus |= 2
        return true
    }
}
