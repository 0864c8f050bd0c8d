// What a kernel running on the host (DESIGN decision 2) may do to a hart besides reading
// and writing registers: switch the address space, drop cached translations after it
// edits page tables, save and restore fcsr, let simulated time pass, park an idle hart
// as `wfi` would, and use the CLINT's timer and software interrupts to wake it.

extension Hart {
    /// Installs `satp` as a kernel's `csrw satp` + `sfence.vma` would: the new address
    /// space is in effect from the next instruction, with no stale translations.
    public func setAddressTranslation(_ value: UInt64) {
        let mode = value >> 60
        guard mode == 0 || mode == 8 else { return }
        satp = value & ((0xF << 60) | (0xFFFF << 44) | ((1 << 44) - 1))
        fenceVirtualMemory(address: nil, asid: nil)
        updateTranslation()
    }

    /// Moves the PC, keeping the fetch cache: for a host kernel returning from a trap or
    /// switching threads. The run loop checks every PC's page against the cached one, and
    /// whatever changes a translation or code (satp, sfence, a flush, a store into a
    /// decoded page, an evicted block) drops the cache where it happens.
    public func setPCKeepingFetch(_ value: UInt64) {
        pc = value & ~1
    }

    /// Forgets this hart's LR reservation, so its next `sc` fails: what a kernel must do on
    /// every trap entry and thread switch (Linux and xv6 do it with a dummy `sc`), or a
    /// thread's `sc` could succeed over a store another thread made on the same hart.
    public func dropReservation() {
        guard reservation != nil else { return }   // the common case, without a call into the machine
        machine.clearReservation(hart: self)
    }

    /// Ends the store buffer's credit (InstructionTiming.swift): a thread switch passes a
    /// fence, as a real kernel's does, so the next thread gets no time the last one earned.
    public func drainStoreBuffer() {
        storeCredit = 0
        drainsStoreBuffer = true
    }

    /// The current `satp` (mode, ASID, root page number).
    public var addressTranslation: UInt64 { satp }

    /// `sfence.vma` on behalf of the host after it changed page tables: one page, or all.
    public func flushAddressTranslation(address: UInt64? = nil) {
        fenceVirtualMemory(address: address, asid: nil)
    }

    /// Turns the F and D extensions on (mstatus.FS = Initial) or off, as a kernel does
    /// before it first runs a thread; with FS Off every float instruction is illegal.
    public func setFloatingPointEnabled(_ enabled: Bool) {
        mstatus = (mstatus & ~CSRBits.fs) | (enabled ? 1 << 13 : 0)
    }

    /// Copies x0–x31 and f0–f31 into the arrays (32 entries each) in one go: a context
    /// switch's save, without a call per register.
    public func saveRegisters(integers: inout [UInt64], floats: inout [UInt64]) {
        guard integers.count >= 32, floats.count >= 32 else { return }
        integers.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress?.update(from: x, count: 32) }
        integers[0] = 0
        floats.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress?.update(from: f, count: 32) }
    }

    /// a0–a5 in one call: a system call's arguments.
    public func argumentRegisters() -> (a0: UInt64, a1: UInt64, a2: UInt64, a3: UInt64, a4: UInt64, a5: UInt64) {
        (x[10], x[11], x[12], x[13], x[14], x[15])
    }

    /// A context switch's save into a kernel's fixed block of 32 words: x0–x31 (x0 saved
    /// as zero), or f0–f31.
    public func saveIntegerRegisters(into words: UnsafeMutablePointer<UInt64>) {
        words.update(from: x, count: 32)
        words[0] = 0
    }

    public func saveFloatRegisters(into words: UnsafeMutablePointer<UInt64>) {
        words.update(from: f, count: 32)
    }

    /// A context switch's restore from such a block: x1–x31 (x0 stays zero), or f0–f31.
    public func restoreIntegerRegisters(from words: UnsafePointer<UInt64>) {
        (x + 1).update(from: words + 1, count: 31)
    }

    public func restoreFloatRegisters(from words: UnsafePointer<UInt64>) {
        f.update(from: words, count: 32)
    }

    /// Loads x1–x31 and f0–f31 from the arrays (32 entries each; x0 stays zero).
    public func restoreRegisters(integers: [UInt64], floats: [UInt64]) {
        guard integers.count >= 32, floats.count >= 32 else { return }
        integers.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { (x + 1).update(from: base + 1, count: 31) }
        }
        floats.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { f.update(from: base, count: 32) }
        }
    }

    /// `fcsr`: the rounding mode (bits 7:5) and the accrued exception flags (bits 4:0).
    public var floatingPointControl: UInt64 {
        get { UInt64(frm) << 5 | UInt64(fflags) }
        set {
            frm = UInt8(truncatingIfNeeded: (newValue >> 5) & 7)
            fflags = UInt8(truncatingIfNeeded: newValue & 0x1F)
        }
    }

    /// Lets user mode read the counters whose bits are set in `mask` (bit 0 `cycle`, 1
    /// `time`, 2 `instret`), as firmware's mcounteren and a kernel's scounteren do: Linux
    /// lets programs read `time` always (Go's runtime does at start-up) and, before 6.6 or
    /// with `kernel.perf_user_access=2`, `cycle` and `instret` too.
    public func setUserCounterAccess(_ mask: UInt64) {
        mcounteren = mask & 0xFFFF_FFFF
        scounteren = mask & 0xFFFF_FFFF
    }

    /// Lets the CLINT's timer and software interrupts reach the host kernel while this hart
    /// runs user code (M-level interrupts are always enabled below M-mode).
    public func enableKernelInterrupts() {
        mie |= CSRBits.mtip | CSRBits.msip
        breakRequested = true
    }

    /// Puts the hart to sleep as `wfi` would: it runs again when an interrupt is pending
    /// (its timer deadline, or a wake-up from `Machine.wakeUp`), at the PC it has now.
    public func park() {
        if !hasWakeUpInterrupt { waitingForInterrupt = true }
        breakRequested = true
    }

    /// Moves this hart's clock forward, as if it had slept for `cycles`.
    public func advanceClock(by cycles: UInt64) {
        cycle = cycle.addingSaturated(cycles)
    }
}

extension Machine {
    /// Programs hart `index`'s timer to interrupt at `cycle` on that hart's clock (nil: never).
    public func setTimer(hart index: Int, atCycle cycle: UInt64?) {
        guard index >= 0, index < harts.count else { return }
        let compare: UInt64
        if let cycle {
            let (ticks, remainder) = cycle.quotientAndRemainder(dividingBy: cyclesPerTimerTick)
            compare = (ticks &+ (remainder == 0 ? 0 : 1)) &+ clint.timeOffset
        } else {
            compare = .max
        }
        // The same deadline again (a cooperative kernel sets "none" at every switch) changes
        // nothing a hart looks at, unless the hart sleeps (deviceChanged moves its clock).
        if clint.mtimecmp[index] == compare && !harts[index].waitingForInterrupt { return }
        clint.mtimecmp[index] = compare
        deviceChanged(hart: index)
    }

    /// Raises (or clears) hart `index`'s software interrupt: the host kernel's way to wake
    /// an idle hart when work arrives for it, as an inter-processor interrupt.
    public func setWakeUp(hart index: Int, _ pending: Bool) {
        guard index >= 0, index < harts.count else { return }
        clint.msip[index] = pending
        deviceChanged(hart: index)
    }
}
