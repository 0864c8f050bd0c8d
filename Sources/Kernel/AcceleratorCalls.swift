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
