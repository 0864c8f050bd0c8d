// Little-endian integers, the byte order of RISC-V memory, in one place for every layer:
// RAM's loads and stores, the kernel's copies to and from guest memory, the ELF reader
// and writer, the assembler. Every function here is bounds-safe for hostile offsets.

/// Loads a value of `size` bytes (1, 2, 4; anything else means 8) at `pointer`, zero-extended.
@inline(__always) func loadLittleEndian(_ pointer: UnsafeRawPointer, size: Int) -> UInt64 {
    switch size {
    case 1: UInt64(pointer.load(as: UInt8.self))
    case 2: UInt64(UInt16(littleEndian: pointer.loadUnaligned(as: UInt16.self)))
    case 4: UInt64(UInt32(littleEndian: pointer.loadUnaligned(as: UInt32.self)))
    default: UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self))
    }
}

/// Stores the low `size` bytes (1, 2, 4; anything else means 8) of `value` at `pointer`.
@inline(__always) func storeLittleEndian(_ value: UInt64, _ pointer: UnsafeMutableRawPointer, size: Int) {
    switch size {
    case 1: pointer.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
    case 2: pointer.storeBytes(of: UInt16(truncatingIfNeeded: value).littleEndian, as: UInt16.self)
    case 4: pointer.storeBytes(of: UInt32(truncatingIfNeeded: value).littleEndian, as: UInt32.self)
    default: pointer.storeBytes(of: value.littleEndian, as: UInt64.self)
    }
}

/// The low `count` bytes (0 to 8) of `value`, least significant first.
public func littleEndianBytes(_ value: UInt64, count: Int = 8) -> [UInt8] {
    (0..<max(0, min(count, 8))).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
}

/// The value of the `count` bytes (0 to 8) at `offset` in `bytes`, least significant first;
/// bytes outside the array (or at a negative offset) read as zero.
public func littleEndianWord(_ bytes: [UInt8], at offset: Int, count: Int = 8) -> UInt64 {
    var value: UInt64 = 0
    guard offset >= 0, offset < bytes.count else { return 0 }
    for index in 0..<max(0, min(count, 8, bytes.count - offset)) {
        value |= UInt64(bytes[offset + index]) << (8 * UInt64(index))
    }
    return value
}
