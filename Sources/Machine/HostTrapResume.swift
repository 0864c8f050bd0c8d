// Whether a batch may go on after the host kernel handled a trap. A host trap normally
// ends the batch, and the scheduler of harts (Stepping.swift) starts the next one: it
// takes a pending interrupt, sizes the batch to the next timer deadline, and with several
// harts picks the earliest. With one hart and flat timing, a handler that changed none of
// what that choice reads (the clock, the timer and software interrupt state, the
// privilege, satp, a stop) leaves the next batch exactly as the rest of this one would
// run: the hart keeps going, and a system call costs no batch exit and entry.

/// What the next batch's start depends on, as it was before the handler ran. The CLINT's
/// timer and software interrupt state is not copied: every change to it goes through
/// `Machine.deviceChanged`, which counts.
struct HostTrapResumeState {
    let cycle: UInt64
    let satp: UInt64
    let mie: UInt64
    let mipSoftware: UInt64
    let stimecmp: UInt64
    let menvcfg: UInt64
    let deviceChanges: UInt64
}

extension Hart {
    /// Whether a trap with this record may continue the batch at all: a synchronous
    /// exception on the only hart, with one cycle per instruction (with caches or SMT the
    /// trap itself changes what the timing model holds), and no earlier request to stop.
    @inline(__always)
    func mayResumeAfterHostTrap(_ record: TrapRecord) -> Bool {
        hostTrapMayResume && !breakRequested && !record.isInterrupt
    }

    @inline(__always)
    func hostTrapResumeState() -> HostTrapResumeState {
        HostTrapResumeState(cycle: cycle, satp: satp, mie: mie, mipSoftware: mipSoftware, stimecmp: stimecmp,
                            menvcfg: menvcfg, deviceChanges: machine.deviceChanges)
    }

    /// After the handler: true if nothing the next batch's start reads has changed and
    /// nobody asked for the batch to end. A fatal fault, a power-off or a tohost exit come
    /// with `breakRequested`; the kernel asks for a stop with `stopRequested`.
    ///
    /// The clock may have moved (a context switch costs cycles) when no deadline can fall
    /// inside the rest of the batch: no timer is armed and the machine has no horizon.
    /// Then the next batch would start at once with the same budget, as the rest of this
    /// one runs; batch ends cut nothing else (the kernel's run loop counts instructions).
    @inline(__always)
    func canResumeAfterHostTrap(_ before: HostTrapResumeState) -> Bool {
        guard !breakRequested, !waitingForInterrupt, privilege == .user, !machine.stopRequested else { return false }
        guard satp == before.satp, mie == before.mie, mipSoftware == before.mipSoftware,
              stimecmp == before.stimecmp, menvcfg == before.menvcfg,
              machine.deviceChanges == before.deviceChanges else { return false }
        return cycle == before.cycle || clockMayMoveWithinBatch()
    }

    /// No timer deadline and no horizon: a clock moved by the host cuts no batch short.
    func clockMayMoveWithinBatch() -> Bool {
        machine.horizon == .max && machine.nextTimerDeadline(self) == nil
    }

    /// Goes on with the batch: the trapped instruction's uncount (it did not retire) is
    /// settled now, as the batch's end would have settled it.
    @inline(__always)
    func resumeAfterHostTrap() {
        instret &-= trappedInBatch
        trappedInBatch = 0
    }
}
