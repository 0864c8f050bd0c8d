// What a deadlock report says about the word a thread waits on in futex_wait: its address,
// its value, the symbol it belongs to, and — for the Sync library's locks, recognised by
// a tag word beside the futex word — what the lock is and, for a mutex, which thread holds
// it and where that thread took it.
//
// The layouts are Guest/Sync's (Mutex.swift, Semaphore.swift, Condition.swift), in 32-bit
// words from the futex word. A Sync.Mutex notes its holder's stack pointer and the return
// address of lock() on every acquisition (two stores; why there, see Mutex.swift); the
// kernel turns the stack pointer into the thread whose stack holds it. Everything is read
// from guest memory with Process.peek, so a forged record gives a wrong line, never a
// host crash or a newly mapped page.

import Machine

enum SyncLockRecord {
    /// Word 1 of a Sync.Mutex: "MUTX".
    static let mutexTag: UInt32 = 0x5854_554D
    /// Word 2 of a Sync.Semaphore: "SEMA".
    static let semaphoreTag: UInt32 = 0x414D_4553
    /// Word 2 of a Sync.Condition: "COND".
    static let conditionTag: UInt32 = 0x444E_4F43
}

extension Process {
    /// A 32-bit word of user memory, if its page is mapped.
    func peekWord32(_ address: UInt64) -> UInt32? {
        address & 3 == 0 ? peek(address, size: 4).map { UInt32(truncatingIfNeeded: $0) } : nil
    }

    /// One line on the futex word at `address`: `word 0x… holds 2, in main.flag: a
    /// Sync.Mutex held by thread 2, taken at main.worker()+0x1c (0x10abc)`. `threads` are
    /// this process's threads, to find a holder by its stack.
    func describeFutexWord(_ address: UInt64, threads: [Thread]) -> String {
        let hex = "0x" + String(address, radix: 16)
        guard let value = peekWord32(address) else { return "word \(hex) cannot be read" }
        var line = "word \(hex) holds \(value)"
        if let symbol = symbolizeData(address) { line += ", in \(symbol)" }
        if let ending = threads.first(where: { $0.clearChildTIDAddress == address && !$0.isExited }) {
            line += ": thread \(ending.tid)'s id word, cleared when it ends (a join waits for it)"   // Clone.swift
        } else if peekWord32(address &+ 4) == SyncLockRecord.mutexTag, address & 7 == 0 {
            line += ": a Sync.Mutex" + describeMutexHolder(address, state: value, threads: threads)
        } else if peekWord32(address &+ 8) == SyncLockRecord.semaphoreTag {
            line += ": a Sync.Semaphore with \(value) permits (no thread holds a semaphore: any thread may signal it)"
        } else if peekWord32(address &+ 8) == SyncLockRecord.conditionTag {
            line += ": a Sync.Condition's sequence number (it waits for a signal or broadcast)"
        }
        return line
    }

    /// `held by thread 2, taken at …`, from the record after the mutex's tag.
    private func describeMutexHolder(_ address: UInt64, state: UInt32, threads: [Thread]) -> String {
        guard state != 0 else { return ", free now" }
        guard let stackPointer = peekWord(address &+ 8), let taken = peekWord(address &+ 16), taken != 0 else {
            return ", held (by whom is not recorded)"
        }
        let place = describe(returnAddress: taken)
        let holder = thread(owningStackAt: stackPointer, among: threads).map { "thread \($0.tid)" } ?? "no live thread"
        return " held by \(holder), taken at \(place)"
    }

    /// The thread whose stack holds `address`: a spawned thread by its stack region, the
    /// main thread by the main stack (the region that ends at the top of user memory).
    func thread(owningStackAt address: UInt64, among threads: [Thread]) -> Thread? {
        guard let region = addressSpace.region(containing: address), region.kind == .stack else { return nil }
        if let owner = threads.first(where: { $0.stack?.start == region.start && !$0.isExited }) { return owner }
        if region.end == UserLayout.stackTop { return threads.first { $0.tid == mainThreadID } }
        return nil
    }

    /// `main.flag` or `main.table+0x10` for an address inside a data symbol; nil for the
    /// heap and the stack, where no symbol lies.
    func symbolizeData(_ address: UInt64) -> String? {
        guard let region = addressSpace.region(containing: address), region.kind == .program else { return nil }
        return symbolize(address)
    }
}
