// What a process has used, as getrusage, times and sysinfo report it (issue 16), from the
// kernel's own counters in simulated time:
//   getrusage(who, usage)  RUSAGE_SELF (every thread of the process, live or exited),
//       RUSAGE_THREAD (the caller), RUSAGE_CHILDREN (children reaped, and theirs); CPU time
//       is the cycles its threads ran, all of it user time (the kernel runs on the host);
//       maxrss in KiB, minor faults (pages given a frame on first touch), context switches
//       (not split by cause: all counted as voluntary); the other fields are zero
//   times(buf)  the same times in clock ticks (USER_HZ, 100 a second); returns the ticks
//       since the machine started
//   sysinfo(info)  uptime, the threads that can run now as every load average (an
//       instant, not a decaying average), RAM as the memory limit and what is free of it,
//       the number of threads

import Machine

extension Kernel {
    static let RUSAGE_SELF: Int32 = 0, RUSAGE_CHILDREN: Int32 = -1, RUSAGE_THREAD: Int32 = 1
    /// Linux's USER_HZ: what times() and clock_t count in.
    static let userTicksPerSecond: UInt64 = 100

    /// Cycles `thread` has run, including the slice it is in now.
    func runCycles(of thread: Thread) -> UInt64 {
        var cycles = thread.metrics.runCycles
        if case .running(let index) = thread.state, index < machine.harts.count {
            let now = machine.harts[index].cycle
            cycles &+= now > thread.stateSince ? now - thread.stateSince : 0
        }
        return cycles
    }

    /// Cycles every thread of `process` has run: the live ones' and those that exited.
    func runCycles(of process: Process) -> UInt64 {
        process.liveThreads.values.reduce(process.endedThreadCycles) { $0 &+ runCycles(of: $1) }
    }

    /// Called as a parent reaps `child`: the child's faults and peak go to the parent's
    /// RUSAGE_CHILDREN, with the child's own reaped children's (reap counts the cycles).
    func accountReaped(_ child: Process, by parent: Process) {
        parent.attributes.reapedChildFaults &+= child.addressSpace.demandFaults &+ child.attributes.reapedChildFaults
        parent.attributes.reapedChildPeakPages = max(parent.attributes.reapedChildPeakPages, child.addressSpace.peakResidentPages,
                                                     child.attributes.reapedChildPeakPages)
    }

    private func microseconds(_ cycles: UInt64) -> UInt64 {
        SimulatedTime(cycles: cycles).microseconds(clockFrequency: configuration.clockFrequency)
    }

    private func userTicks(_ cycles: UInt64) -> UInt64 {
        SimulatedTime(cycles: cycles).nanoseconds(clockFrequency: configuration.clockFrequency) / (1_000_000_000 / Kernel.userTicksPerSecond)
    }

    /// getrusage(who, usage): struct rusage, 144 bytes on riscv64.
    func resourceUsage(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let process = thread.process
        let cycles: UInt64, peakPages: UInt64, faults: UInt64, switches: UInt64
        switch arguments.int32(0) {
        case Kernel.RUSAGE_SELF:
            cycles = runCycles(of: process)
            peakPages = process.addressSpace.peakResidentPages
            faults = process.addressSpace.demandFaults
            switches = process.liveThreads.values.reduce(process.attributes.endedThreadSwitches) { $0 &+ $1.metrics.switches }
        case Kernel.RUSAGE_THREAD:
            // Faults are counted per process, not per thread; the peak is the process's, as on Linux.
            cycles = runCycles(of: thread)
            peakPages = process.addressSpace.peakResidentPages
            faults = 0
            switches = thread.metrics.switches
        case Kernel.RUSAGE_CHILDREN:
            cycles = process.reapedChildrenCycles
            peakPages = process.attributes.reapedChildPeakPages
            faults = process.attributes.reapedChildFaults
            switches = 0
        default:
            return .error(.EINVAL)
        }
        let user = microseconds(cycles)
        var bytes = littleEndianBytes(user / 1_000_000) + littleEndianBytes(user % 1_000_000)
        bytes += [UInt8](repeating: 0, count: 16)                      // ru_stime
        bytes += littleEndianBytes(peakPages &* (AddressSpace.pageSize / 1024))   // ru_maxrss, KiB
        bytes += [UInt8](repeating: 0, count: 3 * 8)                   // ixrss, idrss, isrss
        bytes += littleEndianBytes(faults)                             // minflt
        bytes += [UInt8](repeating: 0, count: 7 * 8)                   // majflt ... nsignals
        bytes += littleEndianBytes(switches) + littleEndianBytes(0)    // nvcsw, nivcsw
        guard case .success = process.addressSpace.copyOut(bytes, to: arguments[1]) else { return .error(.EFAULT) }
        return .value(0)
    }

    /// times(buf): struct tms (utime, stime, cutime, cstime) in clock ticks; buf may be NULL.
    func processTimes(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let process = thread.process
        if arguments[0] != 0 {
            let bytes = littleEndianBytes(userTicks(runCycles(of: process))) + littleEndianBytes(0)
                + littleEndianBytes(userTicks(process.reapedChildrenCycles)) + littleEndianBytes(0)
            guard case .success = process.addressSpace.copyOut(bytes, to: arguments[0]) else { return .error(.EFAULT) }
        }
        return .value(Int64(userTicks(driftedElapsed(hart, realtime: false).cycles)))
    }

    /// sysinfo(info): struct sysinfo, 112 bytes on riscv64, with mem_unit 1.
    func systemInformation(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let (seconds, nanoseconds) = clockReading(hart, realtime: false)
        let uptime = seconds &+ (nanoseconds > 0 ? 1 : 0)   // rounded up, as Linux does
        let runnable = threads.values.reduce(UInt64(0)) { count, thread in
            switch thread.state {
            case .ready, .running: count + 1
            default: count
            }
        }
        let load = runnable << 16   // SI_LOAD_SHIFT
        let total = configuration.memoryLimit
        let used = min(total, frames.framesInUse &* AddressSpace.pageSize)
        var bytes = littleEndianBytes(uptime) + littleEndianBytes(load) + littleEndianBytes(load) + littleEndianBytes(load)
        bytes += littleEndianBytes(total) + littleEndianBytes(total - used)   // totalram, freeram
        bytes += [UInt8](repeating: 0, count: 4 * 8)                        // sharedram, bufferram, totalswap, freeswap
        bytes += littleEndianBytes(UInt64(min(threads.count, Int(UInt16.max))), count: 2) + [0, 0, 0, 0, 0, 0]   // procs, pad
        bytes += [UInt8](repeating: 0, count: 16)                           // totalhigh, freehigh
        bytes += littleEndianBytes(1, count: 4) + [0, 0, 0, 0]               // mem_unit, padding
        guard case .success = thread.process.addressSpace.copyOut(bytes, to: arguments[0]) else { return .error(.EFAULT) }
        return .value(0)
    }
}
