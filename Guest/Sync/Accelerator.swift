// Accelerator.swift: the shared accelerator (a GPU-like device) for guest programs, through
// the kernel's driver calls (Kernel/AcceleratorCalls.swift, numbers 0x1050-0x1057).
//
// A program opens a context (its own address space on the device), allocates buffers in
// it, copies its data in, submits a kernel — a plain C-convention function run once per
// work item with the item's index and one argument — waits for it, and copies the results
// out. The device runs a copy of the program's image at the same addresses, so the address
// of a function in the program is the kernel's address on the device; the kernel sees only
// its context's memory (buffer addresses, not the program's heap or stack).
//
//     let gpu = try AcceleratorContext()
//     let data = try gpu.allocate(1024, of: UInt64.self)
//     try gpu.copy(values, to: data)
//     let run = try gpu.submit(kernel: double, items: 1024, groupSize: 64, argument: data.address)
//     try gpu.wait(run)                      // blocks this thread, no busy polling
//     let doubled = try gpu.read(data)
//
// A kernel may not make system calls, allocate, or use the program's globals that start
// lazily: it runs on the device's lanes, not on the CPU. Returning ends its item.

/// A kernel: `kernel(index, argument)` for every item index of a submission.
public typealias AcceleratorKernel = @convention(c) (UInt64, UInt64) -> Void

/// A typed buffer in one context's device memory: `count` values of `Element` at `address`
/// (an address in that context's space, valid in its kernels, meaningless elsewhere).
public struct DeviceBuffer<Element: BitwiseCopyable>: Equatable {
    public let address: UInt64
    public let count: Int

    /// The device address of element `index` (for kernels that want to know where things are).
    public func address(of index: Int) -> UInt64 {
        address &+ UInt64(truncatingIfNeeded: index) &* UInt64(MemoryLayout<Element>.stride)
    }
}

/// One submitted kernel launch of a context, numbered from 1 in submission order.
public struct AcceleratorSubmission: Equatable {
    public let number: Int
}

/// A context on the accelerator: the process's own address space and queue on the device.
/// Contexts of one process are independent; all of them die with the process.
public struct AcceleratorContext: Equatable {
    /// The driver's handle (1, 2, ... per process).
    public let handle: Int

    /// Opens a context: the driver copies the program's loaded image (code and data) into
    /// a new address space on the device. Throws ENODEV when the machine has no
    /// accelerator (run with `--accelerator`), EMFILE when the process has too many contexts.
    public init() throws(SystemError) {
        handle = try System.checkedSyscall(SystemCallNumber.acceleratorCreate)
    }

    /// Closes the context and frees all its device memory; work still running is dropped.
    public func destroy() throws(SystemError) {
        try System.checkedSyscall(SystemCallNumber.acceleratorDestroy, handle)
    }

    /// Allocates room for `count` values in the context's memory (zeroed, whole pages, an
    /// unmapped guard page after them). Throws ENOMEM when the device's memory is full,
    /// EINVAL for a count of 0 or too many.
    public func allocate<Element: BitwiseCopyable>(_ count: Int, of type: Element.Type) throws(SystemError) -> DeviceBuffer<Element> {
        let bytes = try Self.byteCount(count, of: Element.self)
        let address = try System.checkedSyscall(SystemCallNumber.acceleratorAlloc, handle, bytes)
        return DeviceBuffer(address: UInt64(UInt(bitPattern: address)), count: count)
    }

    /// Frees a buffer `allocate` made; its addresses fault in later kernels.
    public func free<Element>(_ buffer: DeviceBuffer<Element>) throws(SystemError) {
        try System.checkedSyscall(SystemCallNumber.acceleratorFree, handle, Int(bitPattern: UInt(buffer.address)))
    }

    /// Copies `values` into the buffer from element `index` on. The driver copies before
    /// the call returns, and the calling thread pays for it in simulated time (a DMA at
    /// 8 GB/s). Throws EINVAL when they do not fit.
    public func copy<Element: BitwiseCopyable>(_ values: [Element], to buffer: DeviceBuffer<Element>, at index: Int = 0) throws(SystemError) {
        guard index >= 0, index <= buffer.count, values.count <= buffer.count - index else { throw .invalidArgument }
        if values.isEmpty { return }
        let result = values.withUnsafeBytes { raw in
            System.syscall(SystemCallNumber.acceleratorCopyIn, handle, Int(bitPattern: UInt(buffer.address(of: index))),
                           Int(bitPattern: raw.baseAddress), raw.count)
        }
        try System.check(result)
    }

    /// Copies the buffer's first `values.count` elements into `values` (the driver copies at once).
    public func copy<Element: BitwiseCopyable>(from buffer: DeviceBuffer<Element>, into values: inout [Element]) throws(SystemError) {
        guard values.count <= buffer.count else { throw .invalidArgument }
        if values.isEmpty { return }
        let handle = handle
        let result = values.withUnsafeMutableBytes { raw in
            System.syscall(SystemCallNumber.acceleratorCopyOut, handle, Int(bitPattern: raw.baseAddress),
                           Int(bitPattern: UInt(buffer.address)), raw.count)
        }
        try System.check(result)
    }

    /// The whole buffer, copied out.
    public func read<Element: BitwiseCopyable>(_ buffer: DeviceBuffer<Element>, filling zero: Element) throws(SystemError) -> [Element] {
        var values = [Element](repeating: zero, count: buffer.count)
        try copy(from: buffer, into: &values)
        return values
    }

    /// Queues `kernel(index, argument)` for index 0..<items, handed to the lanes in
    /// work-groups of `groupSize` items, after this context's earlier submissions. Returns
    /// at once; the kernel runs when the kernel's scheduler gives this context the lanes.
    /// Throws EINVAL for no items, a group size of 0 or a kernel outside the program's code,
    /// EAGAIN while 256 of the context's submissions are unfinished, EIO when it faulted before.
    public func submit(kernel: AcceleratorKernel, items: Int, groupSize: Int, argument: UInt64 = 0) throws(SystemError) -> AcceleratorSubmission {
        guard items > 0, groupSize > 0 else { throw .invalidArgument }
        let entry = unsafeBitCast(kernel, to: Int.self)
        let number = try System.checkedSyscall(SystemCallNumber.acceleratorSubmit, handle, entry, items, groupSize,
                                               Int(bitPattern: UInt(argument)))
        return AcceleratorSubmission(number: number)
    }

    /// Blocks the calling thread (it gives the CPU away; no polling) until the submission
    /// has ended. Throws EFAULT when a lane faulted (the kernel's report says where and
    /// why; the context is dead: make a new one), ETIMEDOUT when the watchdog reset the
    /// context because it kept the accelerator too long (the context stays usable). A
    /// signal's interruption is retried; another thread's `destroy` ends it with EBADF.
    public func wait(_ submission: AcceleratorSubmission) throws(SystemError) {
        try System.retryingInterrupts(SystemCallNumber.acceleratorWait, handle, submission.number)
    }

    /// `count` values of `Element` in bytes, or EINVAL when that is 0 or overflows.
    static func byteCount<Element>(_ count: Int, of type: Element.Type) throws(SystemError) -> Int {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Element>.stride)
        guard count > 0, !overflow else { throw .invalidArgument }
        return bytes
    }
}

extension SystemCallNumber {
    /// Interleave's own: accel_create() → context handle.
    public static let acceleratorCreate = 0x1050
    /// Interleave's own: accel_destroy(ctx) → 0.
    public static let acceleratorDestroy = 0x1051
    /// Interleave's own: accel_alloc(ctx, bytes) → device address.
    public static let acceleratorAlloc = 0x1052
    /// Interleave's own: accel_free(ctx, address) → 0.
    public static let acceleratorFree = 0x1053
    /// Interleave's own: accel_copy_in(ctx, device, source, length) → 0.
    public static let acceleratorCopyIn = 0x1054
    /// Interleave's own: accel_copy_out(ctx, destination, device, length) → 0.
    public static let acceleratorCopyOut = 0x1055
    /// Interleave's own: accel_submit(ctx, entry, items, group, argument) → submission number.
    public static let acceleratorSubmit = 0x1056
    /// Interleave's own: accel_wait(ctx, submission) → 0; blocks until it ended.
    public static let acceleratorWait = 0x1057
}

extension SystemError {
    public static let inputOutput = SystemError(code: 5)   // EIO: the context faulted earlier
    public static let noDevice = SystemError(code: 19)     // ENODEV: no accelerator on this machine
}
