// The accelerator's driver calls (Interleave's own, from 0x1050). A process opens a
// context on the device, allocates buffers in the context's own address space, copies
// to and from them, submits kernels and waits for them, as a program does through a GPU
// driver. Handles are per process (1, 2, ...); a device address is an address in the
// context's space (Machine/Devices/Accelerator.swift: AcceleratorLayout).
//
//   accel_create()                                   0x1050  -> context handle
//   accel_destroy(ctx)                               0x1051  -> 0
//   accel_alloc(ctx, bytes)                          0x1052  -> device address
//   accel_free(ctx, address)                         0x1053  -> 0
//   accel_copy_in(ctx, device, source, length)       0x1054  -> 0   (process memory to the device)
//   accel_copy_out(ctx, destination, device, length) 0x1055  -> 0   (the device to process memory)
//   accel_submit(ctx, entry, items, group, argument) 0x1056  -> submission number (from 1)
//   accel_wait(ctx, submission)                      0x1057  -> 0 when it completed
//
// The kernel function is `void kernel(uint64_t index, uint64_t argument)`, an address in
// the program: the context holds a copy of the program's image at the same addresses.
//
// Errors: -ENODEV no accelerator on this machine; -EBADF not a context of this process;
// -ENOMEM the device's memory is full; -EINVAL a bad size, group or address; -EFAULT a
// bad pointer in process memory (copy); -EMFILE too many contexts. accel_wait answers
// -EFAULT when one of the kernel's lanes faulted (the report names context, lane, item,
// PC, instruction and address) and -ETIMEDOUT when the watchdog reset the context; -EIO
// to any call on a context that faulted (create a new one); a reset context stays usable.
//
// Details of this kernel's driver: a process has at most 16 contexts (-EMFILE), a
// context at most 4,096 buffers (-ENOMEM) and 256 unfinished submissions (-EAGAIN). A
// buffer is whole pages with an unmapped guard page after it; accel_free takes its start.
// A copy names one buffer (all of [device, device + length) inside it, else -EINVAL),
// at most 1 GiB, and every byte of the process's range must be readable (copy_in) or
// writable (copy_out), else -EFAULT; it costs the caller's hart simulated time as a DMA at
// 8 GB/s. accel_submit takes 1 to 2^32 items, a group of 1 to 2^20, and an entry inside
// the program's code (-EINVAL otherwise). accel_wait on a submission never issued is
// -EINVAL; on one that already ended it answers at once (0, -ETIMEDOUT for one a reset
// dropped, -EFAULT for one a fault dropped: a faulted context's waits answer so, its other
// calls -EIO); a signal cuts it short with -EINTR; accel_destroy of a context other
// threads wait on wakes them with -EBADF. accel_destroy and a process's end free the
// context and everything in it.

import Machine

extension Kernel {
    static let acceleratorCreate: UInt64 = 0x1050, acceleratorDestroy: UInt64 = 0x1051
    static let acceleratorAlloc: UInt64 = 0x1052, acceleratorFree: UInt64 = 0x1053
    static let acceleratorCopyIn: UInt64 = 0x1054, acceleratorCopyOut: UInt64 = 0x1055
    static let acceleratorSubmit: UInt64 = 0x1056, acceleratorWait: UInt64 = 0x1057
}

/// How the kernel shares the accelerator among contexts. Part of the kernel's
/// configuration (nil there: the machine has no accelerator).
public struct AcceleratorSettings: Sendable, Equatable {
    /// The device itself: lanes, memory, clock, preemption granularity.
    public var device = AcceleratorConfiguration()
    /// How long a context keeps the lanes while another waits, in microseconds.
    public var sliceMicroseconds: UInt64 = 1_000
    /// Windows' TDR: a context that keeps the accelerator this long after it was asked to
    /// leave is reset (TdrDelay, 2 s by default), in microseconds.
    public var watchdogMicroseconds: UInt64 = 2_000_000
    /// While work is outstanding the driver looks at the device this often (its interrupt),
    /// in microseconds.
    public var pollMicroseconds: UInt64 = 50

    public init() {}
}

extension AcceleratorSettings {
    /// The accepted ranges, in microseconds.
    public static let sliceRange: ClosedRange<UInt64> = 1...60_000_000
    public static let watchdogRange: ClosedRange<UInt64> = 1...600_000_000
    public static let pollRange: ClosedRange<UInt64> = 1...1_000_000

    /// Checks the policy's settings and the device's; the message says what is accepted.
    public func validate() throws(KernelError) {
        do { try device.validate() } catch { throw KernelError(error.message) }
        try KernelConfiguration.check(sliceMicroseconds, Self.sliceRange, "the accelerator's time slice", unit: "microseconds")
        try KernelConfiguration.check(watchdogMicroseconds, Self.watchdogRange, "the accelerator's watchdog", unit: "microseconds")
        try KernelConfiguration.check(pollMicroseconds, Self.pollRange, "the accelerator driver's poll interval", unit: "microseconds")
    }
}

/// The driver's calls (numbers and ABI in the header above).
extension Kernel {
    func acceleratorCall(_ number: UInt64, _ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        guard let driver = acceleratorDriver else { return .error(.ENODEV) }
        advanceAccelerator(to: hart.cycle)   // the device is where the CPU is before the call acts
        if runEnded || thread.isExited { return .noReturn }   // the lanes reached the instruction limit
        let process = thread.process
        if number == Kernel.acceleratorCreate { return createAcceleratorContext(process, hart: hart, driver) }
        guard let context = driver.context(pid: process.pid, handle: arguments.a0) else { return .error(.EBADF) }
        switch number {
        case Kernel.acceleratorDestroy:
            destroyAcceleratorContext(context, driver)
            programTimer(machine.harts[AcceleratorDriver.hart])
            return .value(0)
        case Kernel.acceleratorWait:
            return waitForAccelerator(context, submission: arguments.a1, hart: hart, thread: thread)
        default: break
        }
        guard !context.faulted else { return .error(.EIO) }
        switch number {
        case Kernel.acceleratorAlloc: return allocateAcceleratorBuffer(context, bytes: arguments.a1, driver)
        case Kernel.acceleratorFree: return freeAcceleratorBuffer(context, address: arguments.a1, driver)
        case Kernel.acceleratorCopyIn:
            return copyToAccelerator(context, device: arguments.a1, source: arguments.a2, length: arguments.a3, process, hart: hart, driver)
        case Kernel.acceleratorCopyOut:
            return copyFromAccelerator(context, destination: arguments.a1, device: arguments.a2, length: arguments.a3, process, hart: hart, driver)
        default:
            let launch = AcceleratorLaunch(entry: arguments.a1, items: arguments.a2, groupSize: arguments.a3, argument: arguments.a4)
            return submitToAccelerator(context, launch, hart: hart, driver)
        }
    }

    /// accel_create: a context with the program's image copied in, and its handle.
    private func createAcceleratorContext(_ process: Process, hart: Hart, _ driver: AcceleratorDriver) -> SystemCallResult {
        guard let handle = driver.freeHandle(pid: process.pid) else { return .error(.EMFILE) }
        guard let id = driver.device.createContext() else { return .error(.ENOMEM) }
        let context = AcceleratorContext(deviceID: id, serial: driver.nextSerial, handle: handle, pid: process.pid, processName: process.name)
        let (copied, bytes) = copyProgramImage(of: process, into: context, driver: driver)
        guard copied else {
            driver.device.destroyContext(id)
            return .error(.ENOMEM)
        }
        driver.nextSerial &+= 1
        driver.register(context)
        hart.advanceClock(by: driver.copyCycles(bytes))
        traceAccelerator(context, .created, deviceCycle: driver.device.cycle)
        return .value(Int64(handle))
    }

    /// accel_alloc: whole pages, first fit, zeroed, read+write.
    private func allocateAcceleratorBuffer(_ context: AcceleratorContext, bytes: UInt64, _ driver: AcceleratorDriver) -> SystemCallResult {
        let space = AcceleratorLayout.bufferLimit - AcceleratorLayout.bufferBase
        guard bytes > 0, bytes <= space, let length = AddressSpace.pageUp(bytes) else { return .error(.EINVAL) }
        guard context.buffers.count < AcceleratorDriver.buffersPerContext, let start = context.firstFit(bytes: length),
              driver.device.map(context.deviceID, at: start, bytes: length, writable: true, executable: false) else {
            return .error(.ENOMEM)
        }
        context.insertBuffer(start: start, end: start + length)
        return .value(Int64(bitPattern: start))
    }

    /// accel_free: the buffer that starts at `address`.
    private func freeAcceleratorBuffer(_ context: AcceleratorContext, address: UInt64, _ driver: AcceleratorDriver) -> SystemCallResult {
        guard let index = context.buffers.firstIndex(where: { $0.start == address }) else { return .error(.EINVAL) }
        let buffer = context.buffers.remove(at: index)
        driver.device.unmap(context.deviceID, at: buffer.start, bytes: buffer.end - buffer.start)
        return .value(0)
    }

    /// Whether every page of [address, address + length) of the process allows `access`
    /// (giving untouched pages their frames, as a copy would).
    private func processRangeAllows(_ process: Process, _ address: UInt64, _ length: UInt64, _ access: MemoryAccess) -> Bool {
        let (end, overflow) = address.addingReportingOverflow(length)
        guard !overflow else { return false }
        var page = AddressSpace.pageDown(address)
        while page < end {
            guard case .success = process.addressSpace.resolve(max(page, address), for: access) else { return false }
            page &+= AddressSpace.pageSize
            if page == 0 { break }
        }
        return true
    }

    /// The checks both copies make: a length within the limit, all of it inside one of
    /// the context's buffers, all of it in the process's memory.
    private func checkCopy(_ context: AcceleratorContext, device: UInt64, process address: UInt64, length: UInt64,
                           _ access: MemoryAccess, _ process: Process) -> Errno? {
        guard length <= AcceleratorDriver.copyLimit, context.buffer(holding: device, length: length) != nil else { return .EINVAL }
        guard processRangeAllows(process, address, length, access) else { return .EFAULT }
        return nil
    }

    /// accel_copy_in: process memory to a buffer, in chunks.
    private func copyToAccelerator(_ context: AcceleratorContext, device: UInt64, source: UInt64, length: UInt64, _ process: Process, hart: Hart,
                                   _ driver: AcceleratorDriver) -> SystemCallResult {
        guard length > 0 else { return context.buffer(holding: device, length: 0) == nil ? .error(.EINVAL) : .value(0) }
        if let error = checkCopy(context, device: device, process: source, length: length, .read, process) { return .error(error) }
        var done: UInt64 = 0
        while done < length {
            let chunk = Int(min(length - done, UInt64(AcceleratorDriver.copyChunk)))
            guard case .success(let bytes) = process.addressSpace.copyIn(from: source &+ done, count: chunk) else { return .error(.EFAULT) }
            guard driver.device.write(context.deviceID, at: device &+ done, bytes) else { return .error(.EINVAL) }
            done += UInt64(chunk)
        }
        hart.advanceClock(by: driver.copyCycles(length))
        return .value(0)
    }

    /// accel_copy_out: a buffer to process memory, in chunks.
    private func copyFromAccelerator(_ context: AcceleratorContext, destination: UInt64, device: UInt64, length: UInt64, _ process: Process, hart: Hart,
                                     _ driver: AcceleratorDriver) -> SystemCallResult {
        guard length > 0 else { return context.buffer(holding: device, length: 0) == nil ? .error(.EINVAL) : .value(0) }
        if let error = checkCopy(context, device: device, process: destination, length: length, .write, process) { return .error(error) }
        var done: UInt64 = 0
        while done < length {
            let chunk = Int(min(length - done, UInt64(AcceleratorDriver.copyChunk)))
            guard let bytes = driver.device.read(context.deviceID, at: device &+ done, count: chunk) else { return .error(.EINVAL) }
            guard case .success = process.addressSpace.copyOut(bytes, to: destination &+ done) else { return .error(.EFAULT) }
            done += UInt64(chunk)
        }
        hart.advanceClock(by: driver.copyCycles(length))
        return .value(0)
    }

    /// accel_submit: a launch queued after the context's earlier ones.
    private func submitToAccelerator(_ context: AcceleratorContext, _ launch: AcceleratorLaunch, hart: Hart,
                                     _ driver: AcceleratorDriver) -> SystemCallResult {
        guard launch.items >= 1, launch.items <= AcceleratorDriver.itemLimit,
              launch.groupSize >= 1, launch.groupSize <= AcceleratorDriver.groupLimit,
              launch.entry & 1 == 0,
              context.programRanges.contains(where: { $0.executable && $0.start <= launch.entry && launch.entry < $0.end }) else {
            return .error(.EINVAL)
        }
        guard context.pendingCount < AcceleratorDriver.pendingPerContext else { return .error(.EAGAIN) }
        guard let submission = driver.device.submit(context.deviceID, launch) else { return .error(.EINVAL) }
        context.lastIssued = max(context.lastIssued, submission)
        context.pending.append((submission, driver.device.cycle))
        context.metrics.submissions &+= 1
        traceAccelerator(context, .submitted, deviceCycle: driver.device.cycle, submission: submission)
        if driver.onLanes === context, context.isSwitchedIn, context.pendingCount == 1, let head = context.firstPending {
            startAcceleratorSubmission(head, of: context, at: driver.device.cycle)   // it runs at once: the lanes are its
        }
        acceleratorContextBecameReady(context, driver)
        programTimer(machine.harts[AcceleratorDriver.hart])
        return .value(Int64(bitPattern: submission))
    }

    /// accel_wait: 0 when the submission completed; blocks the thread until it ends.
    private func waitForAccelerator(_ context: AcceleratorContext, submission: UInt64, hart: Hart, thread: Thread) -> SystemCallResult {
        guard submission >= 1, submission <= context.lastIssued else { return .error(.EINVAL) }
        if submission <= context.finishedThrough {
            return context.outcome(of: submission).map { .error($0) } ?? .value(0)
        }
        context.waiters.removeAll { waiter in
            if case .blocked(.accelerator(let serial, _)) = waiter.thread.state, serial == context.serial { return false }
            return true   // woken by a signal, or gone
        }
        context.waiters.append((thread, submission))
        block(thread, on: hart, .accelerator(context: context.serial, submission: submission))
        return .noReturn
    }
}
