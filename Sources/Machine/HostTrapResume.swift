// Whether a batch may go on after the host kernel handled a trap. A host trap normally
// ends the batch, and the scheduler of harts (Stepping.swift) starts the next one: it
// takes a pending interrupt, sizes the batch to the next timer deadline, and with several
// harts picks the earliest. With one hart and flat timing, a handler that changed none of
// what that choice reads (the clock, the timer and software interrupt state, the
// privilege, satp, a stop) leaves the next batch exactly as the rest of this one would
// run: the hart keeps going, and a system call costs no batch exit and entry.

/// What the next batch's start depends on, as it was before the handler ran.
struct HostTrapResumeState {
    let cycle: UInt64
    let satp: UInt64
    let mie: UInt64
    let mipSoftware: UInt64
    let stimecmp: UInt64
    let menvcfg: UInt64
    let mtimecmp: UInt64
    let msip: Bool
}

extension CLINT {
    /// This hart's timer compare value and software interrupt bit, read in one call.
    @inline(__always)
    func resumeState(hart: Int) -> (mtimecmp: UInt64, msip: Bool) { (mtimecmp[hart], msip[hart]) }
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
        let (mtimecmp, msip) = machine.clint.resumeState(hart: id)
        return HostTrapResumeState(cycle: cycle, satp: satp, mie: mie, mipSoftware: mipSoftware, stimecmp: stimecmp,
                                   menvcfg: menvcfg, mtimecmp: mtimecmp, msip: msip)
    }

    /// After the handler: true if nothing the next batch's start reads has changed and
    /// nobody asked for the batch to end. A fatal fault, a power-off or a tohost exit come
    /// with `breakRequested`; the kernel asks for a stop with `stopRequested`.
    @inline(__always)
    func canResumeAfterHostTrap(_ before: HostTrapResumeState) -> Bool {
        guard !breakRequested, !waitingForInterrupt, privilege == .user, !machine.stopRequested else { return false }
        guard cycle == before.cycle, satp == before.satp, mie == before.mie, mipSoftware == before.mipSoftware,
              stimecmp == before.stimecmp, menvcfg == before.menvcfg else { return false }
        let (mtimecmp, msip) = machine.clint.resumeState(hart: id)
        return mtimecmp == before.mtimecmp && msip == before.msip
    }

    /// Goes on with the batch: the trapped instruction's uncount (it did not retire) is
    /// settled now, as the batch's end would have settled it.
    @inline(__always)
    func resumeAfterHostTrap() {
        instret &-= trappedInBatch
        trappedInBatch = 0
    }
}
