// A hart's full memory path, used whenever the run loop's inline RAM access does not
// apply: translation, devices on the bus, accesses that cross a page, pages that need
// watching (decoded code, `tohost`, LR reservations), and instruction fetch.

extension Hart {
    /// Fetches and decodes the instruction at `self.pc`, refreshing the fetch cache.
    /// Returns nil after raising a fetch fault.
    func fetchSlow() -> DecodedInstruction? {
        let pc = self.pc
        guard let physical = translate(pc, .fetch, pc: pc) else { return nil }
        guard let offset = memory.offset(of: physical, length: 2),
              pmpAllows(physical, size: 2, kind: .fetch, mode: privilege) else {
            raise(.instructionAccessFault, value: pc, pc: pc)
            return nil
        }
        let block = memory.decodedBlock(forOffset: offset)
        fetchBlock = block
        fetchPageBase = pc & ~0xFFF
        fetchPageOffset = offset & ~0xFFF
        if fetchChecksPMP && !pmpAllowsWholePage(physical, kind: .fetch, mode: privilege) {
            // PMP splits this page: every fetch in it is checked on its own.
            invalidateFetch()
        }
        let slot = Int(truncatingIfNeeded: (pc & 0xFFF) >> 1)
        if block[slot].operation != .decode {
            // A pair fused while PMP was not checking runs apart, each fetch checked (Fusion.swift).
            let cached = fetchChecksPMP ? Fusion.unfused(block[slot], bytes: memory.bytes, offset: offset) : block[slot]
            if cached.length == 4 && !pmpAllows(physical &+ 2, size: 2, kind: .fetch, mode: privilege) {
                raise(.instructionAccessFault, value: pc &+ 2, pc: pc)
                return nil
            }
            return cached
        }

        let low = UInt16(truncatingIfNeeded: loadLittleEndian(memory.bytes + offset, size: 2))
        if low & 3 != 3 {
            let decoded = fusedUnlessSplit(Decoder.decode(parcel: low), offset: offset)
            block[slot] = decoded
            return decoded
        }
        if pc & 0xFFF <= 0xFFC {
            guard memory.offset(of: physical, length: 4) != nil,
                  pmpAllows(physical &+ 2, size: 2, kind: .fetch, mode: privilege) else {
                raise(.instructionAccessFault, value: pc &+ 2, pc: pc)
                return nil
            }
            let decoded = fusedUnlessSplit(Decoder.decode(UInt32(truncatingIfNeeded: loadLittleEndian(memory.bytes + offset, size: 4))), offset: offset)
            block[slot] = decoded
            return decoded
        }
        // A 32-bit instruction straddling two pages: decoded each time, never cached.
        guard let upperPhysical = translate(pc &+ 2, .fetch, pc: pc) else { return nil }
        guard pmpAllows(upperPhysical, size: 2, kind: .fetch, mode: privilege),
              let upper = memory.readInteger(at: upperPhysical, size: 2) else {
            raise(.instructionAccessFault, value: pc &+ 2, pc: pc)
            return nil
        }
        return Decoder.decode(UInt32(low) | UInt32(upper) << 16)
    }

    /// Loads `size` bytes (1, 2, 4, 8) at virtual `address`, zero-extended; nil after a fault.
    func loadSlow(_ address: UInt64, size: Int, pc: UInt64) -> UInt64? {
        if address & 0xFFF > 4096 - UInt64(size) {
            if pointWatch != nil && !pointChecksSuspended {
                // Under exploration both pages are one schedule point, asked before any byte.
                guard checkPointAcrossPages(address, size: size, kind: .read, pc: pc) else { return nil }
                pointChecksSuspended = true
                let value = loadSlow(address, size: size, pc: pc)
                pointChecksSuspended = false
                return value
            }
            // Crosses a page: byte by byte, each translated (misaligned accesses are executed).
            var value: UInt64 = 0
            for index in 0..<size {
                guard let byte = loadSlow(address &+ UInt64(index), size: 1, pc: pc) else { return nil }
                value |= byte << UInt64(8 * index)
            }
            return value
        }
        guard let physical = translate(address, .load, pc: pc) else { return nil }
        guard pmpAllows(physical, size: UInt64(size), kind: .load, mode: dataPrivilege) else {
            raise(.loadAccessFault, value: address, pc: pc)
            return nil
        }
        if let offset = memory.offset(of: physical, length: UInt64(size)) {
            if pointWatch != nil, !checkPoint(offset: offset, lastOffset: offset &+ size &- 1, physical: physical,
                                              kind: .read, reason: .sharedAccess, pc: pc) { return nil }
            fillFastTLB(address, physical: physical, store: false)
            if let raceLog { logAccess(raceLog, physical: physical, virtual: address, size: size, isWrite: false, pc: pc) }
            if let memorySystem {
                if memorySystem.keepsValues {
                    let (value, cycles) = memorySystem.loadValue(hart: id, offset: offset, size: size, pc: pc)
                    cycle &+= cycles
                    return value
                }
                guard charge(memorySystem.load(hart: id, offset: offset, size: size, pc: pc, now: cycle)) else { return nil }
            }
            return loadLittleEndian(memory.bytes + offset, size: size)
        }
        guard physical & UInt64(size - 1) == 0, let value = machine.deviceLoad(physical, size: size, hart: self) else {
            raise(.loadAccessFault, value: address, pc: pc)
            return nil
        }
        return value
    }

    /// Stores the low `size` bytes of `value` at virtual `address`; false after a fault.
    func storeSlow(_ address: UInt64, size: Int, value: UInt64, pc: UInt64) -> Bool {
        if address & 0xFFF > 4096 - UInt64(size) {
            if pointWatch != nil && !pointChecksSuspended {
                guard checkPointAcrossPages(address, size: size, kind: .write, pc: pc) else { return false }
                pointChecksSuspended = true
                let stored = storeSlow(address, size: size, value: value, pc: pc)
                pointChecksSuspended = false
                return stored
            }
            // Translate every byte first so a fault leaves memory untouched.
            var physical: [UInt64] = []
            for index in 0..<size {
                guard let byteAddress = translate(address &+ UInt64(index), .store, pc: pc) else { return false }
                guard memory.offset(of: byteAddress, length: 1) != nil,
                      pmpAllows(byteAddress, size: 1, kind: .store, mode: dataPrivilege) else {
                    raise(.storeAccessFault, value: address &+ UInt64(index), pc: pc)
                    return false
                }
                physical.append(byteAddress)
            }
            // Only the first byte may wait for its line: once one byte is written, the rest follow.
            for (index, byteAddress) in physical.enumerated() {
                if let raceLog { logAccess(raceLog, physical: byteAddress, virtual: address &+ UInt64(index), size: 1, isWrite: true, pc: pc) }
                guard dataStore(byteAddress, size: 1, value: value >> UInt64(8 * index), pc: pc, mayWait: index == 0) else { return false }
            }
            return true
        }
        guard let physical = translate(address, .store, pc: pc) else { return false }
        guard pmpAllows(physical, size: UInt64(size), kind: .store, mode: dataPrivilege) else {
            raise(.storeAccessFault, value: address, pc: pc)
            return false
        }
        if let offset = memory.offset(of: physical, length: UInt64(size)) {
            if pointWatch != nil, !checkPoint(offset: offset, lastOffset: offset &+ size &- 1, physical: physical,
                                              kind: .write, reason: .sharedAccess, pc: pc) { return false }
            fillFastTLB(address, physical: physical, store: true)
            if let raceLog { logAccess(raceLog, physical: physical, virtual: address, size: size, isWrite: true, pc: pc) }
            return dataStore(physical, size: size, value: value, pc: pc)
        }
        guard physical & UInt64(size - 1) == 0, machine.deviceStore(physical, size: size, value: value, hart: self) else {
            raise(.storeAccessFault, value: address, pc: pc)
            return false
        }
        return true
    }

    /// A store instruction's write to RAM (the caller checked the range) through the caches:
    /// charged its latency, and with coherence off written into this core's private copy.
    /// False when the store must first wait for its line (nothing written; it issues again).
    func dataStore(_ physical: UInt64, size: Int, value: UInt64, pc: UInt64, mayWait: Bool = true) -> Bool {
        if let memorySystem {
            let offset = Int(truncatingIfNeeded: physical &- memory.base)
            if memorySystem.keepsValues {
                cycle &+= memorySystem.storeValue(hart: id, offset: offset, size: size, value: value, pc: pc)
                physicalStore(physical, size: size, value: value, writesRAM: false)
                return true
            }
            var answer = memorySystem.store(hart: id, offset: offset, size: size, pc: pc, now: cycle)
            if !mayWait && answer & MemorySystem.waitForLine != 0 {
                // Wait here instead: the second asking is served as the line arrives.
                cycle &+= answer & ~MemorySystem.waitForLine
                answer = memorySystem.store(hart: id, offset: offset, size: size, pc: pc, now: cycle)
            }
            guard charge(answer) else { return false }
        }
        physicalStore(physical, size: size, value: value)
        return true
    }

    /// Adds a slow-path access's cycles to the hart's time; false when the answer was "wait
    /// for the line" (MissWait.swift): the instruction then counts as stepped but not
    /// retired, ends the batch, and issues again once the others have run up to its time.
    func charge(_ answer: UInt64) -> Bool {
        cycle &+= answer & ~MemorySystem.waitForLine
        guard answer & MemorySystem.waitForLine != 0 else { return true }
        trappedInBatch &+= 1
        breakRequested = true
        return false
    }

    /// Stores into RAM (the caller checked the range), honouring the page flags. Without
    /// `writesRAM` only the flags' side effects happen (the value went into a private cache).
    func physicalStore(_ physical: UInt64, size: Int, value: UInt64, writesRAM: Bool = true) {
        let offset = Int(truncatingIfNeeded: physical &- memory.base)
        let flags = memory.pageFlags[offset >> 12] | memory.pageFlags[(offset + size - 1) >> 12]
        if writesRAM { storeLittleEndian(value, memory.bytes + offset, size: size) }
        if flags != 0 {
            if flags & PageFlags.decoded.rawValue != 0 { memory.invalidateDecoded(offset: offset, length: size) }
            if flags & PageFlags.reserved.rawValue != 0 { machine.breakReservations(physical, size: size, storingHart: id) }
            if flags & PageFlags.watched.rawValue != 0 { machine.watchedStore(physical, size: size, hart: self) }
            if flags & PageFlags.unwritten.rawValue != 0 { memory.storeHitUnwritten(offset: offset, size: size) }
        }
    }
}
