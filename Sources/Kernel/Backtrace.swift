// The callers of a stopped thread, for fault and deadlock reports: a walk of the
// frame-pointer chain that guest programs keep (they are built with frame pointers; see
// BuildRecipe). On RISC-V a function with a frame sets s0 (fp) to its stack pointer at
// entry, saves its return address at fp-8 and its caller's fp at fp-16 (gcc's leaf
// functions save only the caller's fp, at fp-8).
//
// Guest memory is untrusted and a program may keep no frame pointers at all (s0 is then an
// ordinary register), so a caller is shown only when it is real: every fp must be aligned,
// inside the stack region that holds sp, above sp and above the previous fp (so a cycle
// ends the walk), and every return address must sit in executable memory right after a
// call instruction (jal/jalr/c.jalr linking ra). Reads only look at pages already mapped:
// a report never gives a page a frame.

import Machine
import MachineTools

extension Process {
    /// Most callers a report shows.
    static let backtraceDepth = 12

    /// The return addresses of the functions that led to `pc`, innermost first.
    ///
    /// The register ra names the immediate caller only when the function at `pc` has not
    /// saved it yet (a frameless leaf such as the system-call stub, or a fault in the
    /// prologue); once the function has made calls, ra points back into itself. So ra is
    /// taken first only when it is a real return address outside the function at `pc` and
    /// differs from what the frame at fp saved.
    func callers(pc: UInt64, returnAddress: UInt64, stackPointer: UInt64, framePointer: UInt64) -> [UInt64] {
        var result: [UInt64] = []
        guard let stack = stackRegion(containing: stackPointer) else {
            return isReturnAddress(returnAddress) && !sameFunction(returnAddress &- 1, pc) ? [returnAddress] : []
        }
        func isFrame(_ frame: UInt64, above floor: UInt64) -> Bool {
            frame & 7 == 0 && frame > floor && frame <= stack.end && frame >= stack.start &+ 16
        }
        var frame = framePointer, floor = stackPointer
        var chain: [UInt64] = []
        // gcc's leaf functions keep a frame without ra: fp-8 holds the caller's fp, and ra
        // is still in its register. Then the walk goes on from the caller's frame.
        if isFrame(frame, above: floor), let saved = peekWord(frame &- 8), !isReturnAddress(saved),
           isFrame(saved, above: frame), isReturnAddress(returnAddress), !sameFunction(returnAddress &- 1, pc) {
            chain.append(returnAddress)
            floor = frame
            frame = saved
        }
        while chain.count < Process.backtraceDepth, isFrame(frame, above: floor),
              let saved = peekWord(frame &- 8), isReturnAddress(saved), let next = peekWord(frame &- 16) {
            chain.append(saved)
            floor = frame
            frame = next
        }
        if isReturnAddress(returnAddress), !sameFunction(returnAddress &- 1, pc), chain.first != returnAddress {
            result.append(returnAddress)
        }
        result += chain
        return Array(result.prefix(Process.backtraceDepth))
    }

    /// The stack that holds `stackPointer`: the main thread's stack region, or a writable,
    /// non-executable mapping (where pthread_create and Go put their threads' stacks).
    private func stackRegion(containing stackPointer: UInt64) -> MemoryRegion? {
        guard let region = addressSpace.region(containing: stackPointer) else { return nil }
        switch region.kind {
        case .stack: return region
        case .mapping: return region.permissions & PTE.write != 0 && region.permissions & PTE.execute == 0 ? region : nil
        default: return nil
        }
    }

    /// `function+0x1c (0x10b44)` for each caller, or the bare address without symbols.
    func describeCallers(pc: UInt64, returnAddress: UInt64, stackPointer: UInt64, framePointer: UInt64) -> [String] {
        callers(pc: pc, returnAddress: returnAddress, stackPointer: stackPointer, framePointer: framePointer)
            .map(describe(returnAddress:))
    }

    /// `function+0x1c (file.swift:12, 0x10b44)` for a return address (the line of the call
    /// before it), `function+0x1c (0x10b44)` without line information, or the bare address.
    func describe(returnAddress address: UInt64) -> String {
        let hex = "0x" + String(address, radix: 16)
        let line = sourceLocation(at: address &- 1).map { "\($0), " } ?? ""
        return symbolize(returnAddress: address).map { "\($0) (\(line)\(hex))" } ?? hex
    }

    /// `function+0x1c (file.swift:12)` for a PC, `function+0x1c` without line information.
    func describeCode(at address: UInt64) -> String? {
        symbolize(address).map { name in sourceLocation(at: address).map { "\(name) (\($0))" } ?? name }
    }

    /// The file and line of the code at `address`, when the program has DWARF line
    /// information; its table is read once per image, on the first report that asks.
    func sourceLocation(at address: UInt64) -> CodeLocation? {
        try? loadedLineTable().get().location(at: address)
    }

    /// Why the program's line information could not be read, if it could not.
    var lineTableProblem: String? {
        if case .failure(let error) = loadedLineTable() { return error.message }
        return nil
    }

    private func loadedLineTable() -> Result<DWARFLineTable, DWARFError> {
        if let lineTable { return lineTable }
        let table = Result { () throws(DWARFError) in try DWARFLineTable(image: image) }
        lineTable = table
        return table
    }

    /// `function+0x1c` for a return address, named by the call before it: a call that ends
    /// a function (to a function that never returns) returns to the next function's start.
    func symbolize(returnAddress address: UInt64) -> String? {
        guard let (symbol, _) = image.nearestSymbol(atOrBefore: address &- 1) else { return nil }
        let offset = address &- symbol.value
        guard symbol.size == 0 || offset <= symbol.size || offset < 0x1000 else { return nil }
        return "\(SymbolNames.demangle(symbol.name))+0x\(String(offset, radix: 16))"
    }

    /// The callers of a thread that is not on a hart, from its saved registers.
    func describeCallers(of context: ThreadContext) -> [String] {
        describeCallers(pc: context.pc, returnAddress: context.integers[1], stackPointer: context.integers[2],
                        framePointer: context.integers[8])
    }

    /// Whether two code addresses lie in the same function (false without symbols).
    private func sameFunction(_ first: UInt64, _ second: UInt64) -> Bool {
        guard let a = image.nearestSymbol(atOrBefore: first), let b = image.nearestSymbol(atOrBefore: second) else { return false }
        return a.symbol.value == b.symbol.value
    }

    /// True when the instruction before `address` is a call that links ra, in executable memory.
    private func isReturnAddress(_ address: UInt64) -> Bool {
        guard address >= 4, address & 1 == 0, let region = addressSpace.region(containing: address &- 2),
              region.permissions & PTE.execute != 0 else { return false }
        if let half = peek(address &- 2, size: 2), half & 0xF07F == 0x9002, (half >> 7) & 0x1F != 0 { return true }   // c.jalr
        guard let low = peek(address &- 4, size: 2), let high = peek(address &- 2, size: 2) else { return false }
        let bits = low | high << 16
        let linksRA = (bits >> 7) & 0x1F == 1
        return linksRA && (bits & 0x7F == 0x6F || bits & 0x707F == 0x67)                                            // jal, jalr
    }

    /// An aligned 64-bit word of readable user memory, if its page is mapped.
    func peekWord(_ address: UInt64) -> UInt64? {
        address & 7 == 0 ? peek(address, size: 8) : nil
    }

    /// `size` bytes (naturally aligned, so within one page) of readable user memory whose
    /// page is already mapped; nil otherwise.
    func peek(_ address: UInt64, size: Int) -> UInt64? {
        guard let region = addressSpace.region(containing: address), region.permissions & (PTE.read | PTE.execute) != 0,
              let (frame, _) = addressSpace.pageTable.lookup(AddressSpace.pageDown(address)) else { return nil }
        return addressSpace.memory.readInteger(at: frame + (address & (AddressSpace.pageSize - 1)), size: size)
    }
}

/// A report's lines for a backtrace: `called from f+0x10 (0x…)`, then `       from …` under it.
func callerLines(_ callers: [String], indent: String) -> [String] {
    callers.enumerated().map { indent + ($0.offset == 0 ? "called from " : "       from ") + $0.element }
}
