// Loading a program into a fresh address space, as Linux's execve does: a region per
// PT_LOAD segment with its permissions, the file's bytes copied in (the rest of each
// segment is demand-zero, like .bss), the heap's break just above the highest segment,
// and the stack with argc, argv, envp and the auxiliary vector a Linux libc expects.

import Machine

/// Where things live in a process's virtual address space (Sv39 lower half, 256 GiB).
enum UserLayout {
    static let pageSize: UInt64 = 4096
    /// The first page stays unmapped, so a null pointer always faults.
    static let lowest: UInt64 = 0x1000
    /// The stack ends one page below the top of user memory; that last page holds the
    /// kernel's trampoline, where a thread's entry function returns to (`exit(a0)`).
    static let stackTop: UInt64 = PageTable.userLimit - 0x1000
    static let trampoline: UInt64 = stackTop
    /// `li a7, 93` (exit) then `ecall`: the thread's return value becomes its exit status;
    /// 8 bytes on, `li a7, 139` (rt_sigreturn) then `ecall`, where a signal handler returns.
    static let trampolineCode: [UInt8] = [0x93, 0x08, 0xD0, 0x05, 0x73, 0x00, 0x00, 0x00,
                                          0x93, 0x08, 0xB0, 0x08, 0x73, 0x00, 0x00, 0x00]
    static let signalReturn: UInt64 = trampoline + 8
    /// Space left unmapped between the lowest possible stack page and the mappings.
    static let stackGap: UInt64 = 64 << 20
    static let maximumSegments = 64
}

/// Auxiliary-vector keys (Linux `<elf.h>`).
enum AuxiliaryVector {
    static let null: UInt64 = 0, pageSize: UInt64 = 6, entry: UInt64 = 9, uid: UInt64 = 11, euid: UInt64 = 12
    static let gid: UInt64 = 13, egid: UInt64 = 14, hardwareCapabilities: UInt64 = 16, clockTick: UInt64 = 17
    static let secure: UInt64 = 23, random: UInt64 = 25, executableName: UInt64 = 31
}

struct LoadedProgram {
    var entry: UInt64
    var stackPointer: UInt64
    var breakStart: UInt64
}

enum ProgramLoader {
    /// Maps `image` into `space` and builds the initial stack. `randomBytes` are the 16
    /// bytes AT_RANDOM points at (seeded, so runs repeat).
    static func load(_ image: ELFImage, into space: AddressSpace, arguments: [String], environment: [String],
                     stackLimit: UInt64, randomBytes: [UInt8]) throws(KernelError) -> LoadedProgram {
        let segments = image.segments.filter { $0.memorySize > 0 }
        guard !segments.isEmpty else { throw KernelError("the program has no loadable segment") }
        guard segments.count <= UserLayout.maximumSegments else {
            throw KernelError("the program has \(segments.count) loadable segments; at most \(UserLayout.maximumSegments) are accepted")
        }
        let stackBottom = UserLayout.stackTop - stackLimit
        var pieces: [(start: UInt64, end: UInt64)] = []
        for segment in segments {
            let (end, overflow) = segment.virtualAddress.addingReportingOverflow(segment.memorySize)
            guard !overflow, segment.virtualAddress >= UserLayout.lowest, end <= stackBottom - UserLayout.stackGap,
                  let pageEnd = AddressSpace.pageUp(end) else {
                throw KernelError("a segment at 0x\(String(segment.virtualAddress, radix: 16)) (\(segment.memorySize) bytes) lies outside user memory (0x1000 ..< 0x\(String(stackBottom - UserLayout.stackGap, radix: 16)))")
            }
            pieces.append((AddressSpace.pageDown(segment.virtualAddress), pageEnd))
        }
        // Regions over the segments' pages; a page two segments share gets both permissions.
        var boundaries = Set<UInt64>()
        for piece in pieces { boundaries.insert(piece.start); boundaries.insert(piece.end) }
        let points = boundaries.sorted()
        for (start, end) in zip(points, points.dropFirst()) {
            let covering = pieces.indices.filter { pieces[$0].start < end && start < pieces[$0].end }
            guard !covering.isEmpty else { continue }
            let permissions = covering.reduce(UInt64(0)) { $0 | segmentPermissions(segments[$1]) }
            space.addRegion(MemoryRegion(start: start, end: end, permissions: permissions, kind: .program))
        }
        // The file's bytes; pages past them stay demand-zero.
        for segment in segments where segment.fileSize > 0 {
            let bytes = Array(image.segmentBytes(segment))
            var offset = 0
            while offset < bytes.count {
                let virtual = segment.virtualAddress + UInt64(offset)
                let pageOffset = Int(virtual & (UserLayout.pageSize - 1))
                let chunk = min(bytes.count - offset, Int(UserLayout.pageSize) - pageOffset)
                let permissions = space.region(containing: virtual)?.permissions ?? 0
                guard let frame = space.populate(virtual, permissions: permissions) else {
                    throw KernelError("the program does not fit in the memory limit")
                }
                space.memory.write(bytes[offset..<offset + chunk], at: frame + UInt64(pageOffset))
                offset += chunk
            }
        }
        space.addRegion(MemoryRegion(start: stackBottom, end: UserLayout.stackTop, permissions: PTE.read | PTE.write, kind: .stack))
        let stackPointer = try buildStack(space, image: image, arguments: arguments, environment: environment,
                                          randomBytes: randomBytes)
        return LoadedProgram(entry: image.entry, stackPointer: stackPointer, breakStart: pieces.map(\.end).max() ?? UserLayout.lowest)
    }

    static func segmentPermissions(_ segment: ELFImage.Segment) -> UInt64 {
        (segment.readable ? PTE.read : 0) | (segment.writable ? PTE.write : 0) | (segment.executable ? PTE.execute : 0)
    }

    /// The initial stack, from the top down: strings, 16 random bytes, then (16-byte
    /// aligned) argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL.
    static func buildStack(_ space: AddressSpace, image: ELFImage, arguments: [String], environment: [String],
                           randomBytes: [UInt8]) throws(KernelError) -> UInt64 {
        var top = UserLayout.stackTop
        func push(_ bytes: [UInt8]) throws(KernelError) -> UInt64 {
            top -= UInt64(bytes.count)
            guard case .success = space.copyOut(bytes, to: top) else {
                throw KernelError("the arguments do not fit on the stack")
            }
            return top
        }
        let totalStrings = (arguments + environment).reduce(0) { $0 + $1.utf8.count + 1 }
        guard totalStrings <= 256 << 10 else {
            throw KernelError("arguments and environment take \(totalStrings) bytes; at most 256 KiB are accepted")
        }
        var argumentPointers: [UInt64] = []
        for argument in arguments { argumentPointers.append(try push(Array(argument.utf8) + [0])) }
        var environmentPointers: [UInt64] = []
        for variable in environment { environmentPointers.append(try push(Array(variable.utf8) + [0])) }
        let random = try push(randomBytes)
        let hardware = "imafdc".unicodeScalars.reduce(UInt64(0)) { $0 | 1 << UInt64($1.value - 97) }
        let auxiliary: [(UInt64, UInt64)] = [
            (AuxiliaryVector.pageSize, UserLayout.pageSize), (AuxiliaryVector.entry, image.entry),
            (AuxiliaryVector.uid, 0), (AuxiliaryVector.euid, 0), (AuxiliaryVector.gid, 0), (AuxiliaryVector.egid, 0),
            (AuxiliaryVector.hardwareCapabilities, hardware), (AuxiliaryVector.clockTick, 100),
            (AuxiliaryVector.secure, 0), (AuxiliaryVector.random, random),
            (AuxiliaryVector.executableName, argumentPointers.first ?? 0), (AuxiliaryVector.null, 0),
        ]
        var words: [UInt64] = [UInt64(arguments.count)] + argumentPointers + [0] + environmentPointers + [0]
        for (key, value) in auxiliary { words += [key, value] }
        top = (top - UInt64(words.count * 8)) & ~15
        var bytes: [UInt8] = []
        for word in words { bytes += littleEndianBytes(word) }
        guard case .success = space.copyOut(bytes, to: top) else { throw KernelError("the arguments do not fit on the stack") }
        return top
    }
}
