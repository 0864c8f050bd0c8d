// The heap's system calls: brk moves the end of the heap region; mmap, munmap and
// mprotect manage anonymous mappings, placed top-down below the stack as Linux does.
// Nothing here takes a frame: pages get one on first touch (AddressSpace.resolve). A
// process has at most AddressSpace.maximumRegionCount regions (Linux's vm.max_map_count):
// a call that would pass it fails with ENOMEM, as on Linux.

import Machine

extension Kernel {
    static let protectionRead: UInt64 = 1, protectionWrite: UInt64 = 2, protectionExecute: UInt64 = 4
    static let mapShared: UInt64 = 0x01, mapPrivate: UInt64 = 0x02, mapSharedValidate: UInt64 = 0x03
    static let mapFixed: UInt64 = 0x10, mapAnonymous: UInt64 = 0x20, mapFixedNoReplace: UInt64 = 0x10_0000, mapStack: UInt64 = 0x2_0000
    /// Flags accepted and ignored: NORESERVE, POPULATE, STACK, GROWSDOWN, DENYWRITE, EXECUTABLE, LOCKED.
    static let mapIgnored: UInt64 = 0x4000 | 0x8000 | 0x2_0000 | 0x100 | 0x800 | 0x1000 | 0x2000

    /// The highest address a mapping may reach: below the stack's reach and its gap.
    var mappingCeiling: UInt64 { UserLayout.stackTop - configuration.stackLimit - UserLayout.stackGap }

    func setBreak(_ arguments: SystemCallArguments) -> SystemCallResult {
        let space = process.addressSpace
        let requested = arguments[0]
        let current = Int64(bitPattern: process.breakEnd)
        guard requested >= process.breakStart, let newEnd = AddressSpace.pageUp(requested), newEnd <= mappingCeiling else {
            return .value(current)
        }
        let oldEnd = AddressSpace.pageUp(process.breakEnd) ?? process.breakEnd
        if newEnd > oldEnd, !space.isFree(oldEnd, newEnd) { return .value(current) }
        if let heap = space.region(startingAt: process.breakStart), heap.kind == .heap {
            space.resizeRegion(startingAt: process.breakStart, to: newEnd)
            if newEnd < oldEnd { flushTranslations() }
        } else if newEnd > process.breakStart {
            guard space.addRegion(MemoryRegion(start: process.breakStart, end: newEnd, permissions: PTE.read | PTE.write, kind: .heap)) else {
                return .value(current)
            }
        }
        process.breakEnd = requested
        return .value(Int64(bitPattern: requested))
    }

    func mapMemory(_ arguments: SystemCallArguments) -> SystemCallResult {
        let hint = arguments[0], length = arguments[1], protection = arguments[2], flags = arguments[3]
        let fd = arguments.int32(4), offset = arguments[5]
        let sharing = flags & 0x03
        guard sharing != 0 else { return .error(.EINVAL) }
        let known = 0x03 | Kernel.mapFixed | Kernel.mapAnonymous | Kernel.mapFixedNoReplace | Kernel.mapIgnored
        if sharing == Kernel.mapSharedValidate, flags & ~known != 0 { return .error(.EINVAL) }
        guard length > 0, protection & ~7 == 0, offset & (AddressSpace.pageSize - 1) == 0 else { return .error(.EINVAL) }
        guard flags & Kernel.mapAnonymous != 0 else {
            return .error(fd >= 0 && fd <= 2 ? .ENODEV : .EBADF)   // no files to map in this kernel
        }
        guard let size = AddressSpace.pageUp(length), size <= PageTable.userLimit else { return .error(.ENOMEM) }
        let space = process.addressSpace
        let fixed = flags & (Kernel.mapFixed | Kernel.mapFixedNoReplace) != 0
        var start: UInt64
        if fixed {
            guard hint & (AddressSpace.pageSize - 1) == 0 else { return .error(.EINVAL) }
            guard hint >= UserLayout.lowest, hint <= mappingCeiling, size <= mappingCeiling - hint else { return .error(.ENOMEM) }
            start = hint
            if !space.isFree(start, start + size) {
                if flags & Kernel.mapFixedNoReplace != 0 { return .error(.EEXIST) }
                guard space.regionCountAfterRemoving(start, start + size) < AddressSpace.maximumRegionCount else { return .error(.ENOMEM) }
                space.removeRange(start, start + size)
                flushTranslations()
            }
        } else {
            let aligned = AddressSpace.pageDown(hint)
            if aligned >= UserLayout.lowest, aligned <= mappingCeiling, size <= mappingCeiling - aligned,
               space.isFree(aligned, aligned + size) {
                start = aligned
            } else {
                let floor = AddressSpace.pageUp(process.breakEnd) ?? process.breakEnd
                guard let found = space.freeRange(length: size, floor: floor, ceiling: mappingCeiling) else { return .error(.ENOMEM) }
                start = found
            }
        }
        // A thread's stack (MAP_STACK, as glibc and the Sync library map them) is a stack
        // region: fault reports, backtraces and lock records know it as one. MAP_SHARED
        // pages stay shared with a fork's child (AddressSpace.forkCopy).
        let kind: MemoryRegion.Kind = flags & Kernel.mapStack != 0 ? .stack : .mapping
        guard space.addRegion(MemoryRegion(start: start, end: start + size, permissions: Kernel.pagePermissions(protection), kind: kind,
                                           shared: sharing != Kernel.mapPrivate)) else {
            return .error(.ENOMEM)
        }
        return .value(Int64(bitPattern: start))
    }

    func unmapMemory(_ arguments: SystemCallArguments) -> SystemCallResult {
        let start = arguments[0], length = arguments[1]
        guard start & (AddressSpace.pageSize - 1) == 0, length > 0, let size = AddressSpace.pageUp(length),
              start < PageTable.userLimit, size <= PageTable.userLimit - start else { return .error(.EINVAL) }
        guard process.addressSpace.removeRange(start, start + size) else { return .error(.ENOMEM) }
        flushTranslations()
        return .value(0)
    }

    func protectMemory(_ arguments: SystemCallArguments) -> SystemCallResult {
        let start = arguments[0], length = arguments[1], protection = arguments[2]
        guard start & (AddressSpace.pageSize - 1) == 0, protection & ~7 == 0 else { return .error(.EINVAL) }
        guard length > 0 else { return .value(0) }
        guard let size = AddressSpace.pageUp(length), start < PageTable.userLimit, size <= PageTable.userLimit - start else {
            return .error(.ENOMEM)
        }
        guard process.addressSpace.protectRange(start, start + size, permissions: Kernel.pagePermissions(protection)) else {
            return .error(.ENOMEM)
        }
        flushTranslations()
        return .value(0)
    }

    static func pagePermissions(_ protection: UInt64) -> UInt64 {
        (protection & protectionRead != 0 ? PTE.read : 0) | (protection & protectionWrite != 0 ? PTE.read | PTE.write : 0)
            | (protection & protectionExecute != 0 ? PTE.execute : 0)
    }

    /// After page-table entries were removed or narrowed: no hart may keep an old translation.
    func flushTranslations() {
        for hart in machine.harts { hart.flushAddressTranslation() }
    }
}
