// Physical RAM: one flat host buffer, plus two per-page side tables the run loop
// consults — the decoded-instruction cache and a byte of flags that sends stores to
// "interesting" pages (code, tohost, LR reservations) down the slow path.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Flags kept per 4 KiB page of RAM. A store to a page with any flag set takes the slow
/// path, which keeps the common store down to one extra byte load.
struct PageFlags: OptionSet {
    var rawValue: UInt8
    /// The page holds decoded instructions that a store must invalidate.
    static let decoded = PageFlags(rawValue: 1)
    /// The page holds the `tohost` word the host watches.
    static let watched = PageFlags(rawValue: 2)
    /// Some hart holds an LR reservation in this page.
    static let reserved = PageFlags(rawValue: 4)
}

public final class PhysicalMemory {
    public static let pageSize: UInt64 = 4096
    static let slotsPerPage = Int(pageSize / 2)

    /// Guest physical address of the first byte.
    public let base: UInt64
    /// Size in bytes (a multiple of the page size).
    public let size: UInt64
    let bytes: UnsafeMutableRawPointer
    let pageCount: Int
    let pageFlags: UnsafeMutablePointer<UInt8>
    /// Decoded-instruction blocks, allocated on first execution from a page.
    let decodedPages: UnsafeMutablePointer<UnsafeMutablePointer<DecodedInstruction>?>
    /// A block whose every slot says "refetch": the fetch cache points here when invalid.
    let refetchBlock: UnsafeMutablePointer<DecodedInstruction>

    /// Nil when the host cannot provide `size` bytes. RAM comes from `calloc`, so the host
    /// hands out zeroed pages lazily: a large machine costs nothing until the guest uses it.
    public init?(base: UInt64, size: UInt64) {
        guard size >= PhysicalMemory.pageSize, size % PhysicalMemory.pageSize == 0, size <= UInt64(Int.max),
              let ram = calloc(Int(size), 1) else { return nil }
        self.base = base
        self.size = size
        bytes = ram
        pageCount = Int(size / PhysicalMemory.pageSize)
        pageFlags = .allocate(capacity: pageCount)
        pageFlags.initialize(repeating: 0, count: pageCount)
        decodedPages = .allocate(capacity: pageCount)
        decodedPages.initialize(repeating: nil, count: pageCount)
        refetchBlock = .allocate(capacity: PhysicalMemory.slotsPerPage)
        refetchBlock.initialize(repeating: DecodedInstruction(operation: .refetch), count: PhysicalMemory.slotsPerPage)
    }

    deinit {
        for page in 0..<pageCount { decodedPages[page]?.deallocate() }
        decodedPages.deallocate()
        pageFlags.deallocate()
        refetchBlock.deallocate()
        free(bytes)
    }

    /// The offset of `[address, address+length)` in RAM, or nil if any byte falls outside.
    @inline(__always) public func offset(of address: UInt64, length: UInt64) -> Int? {
        let offset = address &- base
        guard length <= size, offset <= size - length else { return nil }
        return Int(offset)
    }

    /// The decoded block for the page at `offset`, creating it on first use.
    func decodedBlock(forOffset offset: Int) -> UnsafeMutablePointer<DecodedInstruction> {
        let page = offset >> 12
        if let block = decodedPages[page] { return block }
        let block = UnsafeMutablePointer<DecodedInstruction>.allocate(capacity: PhysicalMemory.slotsPerPage)
        block.initialize(repeating: .undecoded, count: PhysicalMemory.slotsPerPage)
        decodedPages[page] = block
        pageFlags[page] |= PageFlags.decoded.rawValue
        return block
    }

    /// Forget the decoded instructions of the pages covering `[offset, offset+length)`.
    /// The blocks stay allocated (a hart may be executing from one); their slots are reset.
    func invalidateDecoded(offset: Int, length: Int) {
        guard length > 0 else { return }
        let first = offset >> 12, last = min((offset + length - 1) >> 12, pageCount - 1)
        for page in first...last where pageFlags[page] & PageFlags.decoded.rawValue != 0 {
            if let block = decodedPages[page] {
                block.update(repeating: .undecoded, count: PhysicalMemory.slotsPerPage)
            }
        }
    }

    // MARK: Host-side access (loader, kernel, debugger), always bounds-checked.

    /// Copies bytes into RAM; false if any byte falls outside.
    @discardableResult
    public func write<C: Collection>(_ data: C, at address: UInt64) -> Bool where C.Element == UInt8 {
        guard let offset = offset(of: address, length: UInt64(data.count)) else { return false }
        let copied: Void? = data.withContiguousStorageIfAvailable { source in
            if let base = source.baseAddress { (bytes + offset).copyMemory(from: base, byteCount: source.count) }
        }
        if copied == nil {
            var index = offset
            for byte in data {
                bytes.storeBytes(of: byte, toByteOffset: index, as: UInt8.self)
                index += 1
            }
        }
        invalidateDecoded(offset: offset, length: data.count)
        return true
    }

    /// Fills a range with zeros; false if any byte falls outside.
    @discardableResult
    public func zero(at address: UInt64, count: UInt64) -> Bool {
        guard let offset = offset(of: address, length: count) else { return false }
        (bytes + offset).initializeMemory(as: UInt8.self, repeating: 0, count: Int(count))
        invalidateDecoded(offset: offset, length: Int(count))
        return true
    }

    /// Reads bytes from RAM, or nil if any byte falls outside.
    public func read(at address: UInt64, count: Int) -> [UInt8]? {
        guard count >= 0, let offset = offset(of: address, length: UInt64(count)) else { return nil }
        return [UInt8](UnsafeRawBufferPointer(start: bytes + offset, count: count))
    }

    /// Reads a little-endian value of 1, 2, 4 or 8 bytes, or nil if outside RAM.
    public func readInteger(at address: UInt64, size: Int) -> UInt64? {
        guard let offset = offset(of: address, length: UInt64(size)) else { return nil }
        return loadLittleEndian(bytes + offset, size: size)
    }

    /// Writes a little-endian value of 1, 2, 4 or 8 bytes; false if outside RAM.
    @discardableResult
    public func writeInteger(_ value: UInt64, at address: UInt64, size: Int) -> Bool {
        guard let offset = offset(of: address, length: UInt64(size)) else { return false }
        storeLittleEndian(value, bytes + offset, size: size)
        invalidateDecoded(offset: offset, length: size)
        return true
    }
}

@inline(__always) func loadLittleEndian(_ pointer: UnsafeRawPointer, size: Int) -> UInt64 {
    switch size {
    case 1: UInt64(pointer.load(as: UInt8.self))
    case 2: UInt64(UInt16(littleEndian: pointer.loadUnaligned(as: UInt16.self)))
    case 4: UInt64(UInt32(littleEndian: pointer.loadUnaligned(as: UInt32.self)))
    default: UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self))
    }
}

@inline(__always) func storeLittleEndian(_ value: UInt64, _ pointer: UnsafeMutableRawPointer, size: Int) {
    switch size {
    case 1: pointer.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
    case 2: pointer.storeBytes(of: UInt16(truncatingIfNeeded: value).littleEndian, as: UInt16.self)
    case 4: pointer.storeBytes(of: UInt32(truncatingIfNeeded: value).littleEndian, as: UInt32.self)
    default: pointer.storeBytes(of: value.littleEndian, as: UInt64.self)
    }
}
