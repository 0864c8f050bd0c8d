// A stray access on the accelerator: item 3 of a kernel writes to an address nothing is
// mapped at. The lane faults, the kernel reports it (context, lane, item, PC, instruction,
// address), the wait answers EFAULT and the context is dead (EIO to later calls); the
// process itself goes on, and a new context works.
// Output: "stray: wait EFAULT", "stray: old context EIO", "stray: new context wrong W".

import Sync

/// The kernel: out[index] = index, but item 3 writes to address 0x2000 (argument: out's address).
let stray: AcceleratorKernel = { index, argument in
    let out = UnsafeMutablePointer<UInt64>(bitPattern: UInt(argument)).unsafelyUnwrapped
    if index == 3 {
        UnsafeMutablePointer<UInt64>(bitPattern: 0x2000).unsafelyUnwrapped.pointee = 0xBAD
    }
    out[Int(index)] = index
}

/// A kernel that stays inside its buffer: out[index] = index.
let tidy: AcceleratorKernel = { index, argument in
    UnsafeMutablePointer<UInt64>(bitPattern: UInt(argument)).unsafelyUnwrapped[Int(index)] = index
}

func name(_ error: SystemError) -> String {
    error == .badAddress ? "EFAULT" : error == .inputOutput ? "EIO" : error == .timedOut ? "ETIMEDOUT" : error.description
}

do {
    let gpu = try AcceleratorContext()
    let out = try gpu.allocate(8, of: UInt64.self)
    let run = try gpu.submit(kernel: stray, items: 8, groupSize: 4, argument: out.address)
    do {
        try gpu.wait(run)
        print("stray: wait returned 0")
    } catch {
        print("stray: wait \(name(error))")
    }
    do {
        _ = try gpu.submit(kernel: tidy, items: 8, groupSize: 4, argument: out.address)
        print("stray: old context still takes work")
    } catch {
        print("stray: old context \(name(error))")
    }
    let fresh = try AcceleratorContext()
    let buffer = try fresh.allocate(8, of: UInt64.self)
    try fresh.wait(try fresh.submit(kernel: tidy, items: 8, groupSize: 4, argument: buffer.address))
    let values = try fresh.read(buffer, filling: 0)
    var wrong = 0
    for (i, value) in values.enumerated() where value != UInt64(i) { wrong += 1 }
    print("stray: new context wrong \(wrong)")
} catch {
    print("stray: failed \(name(error))")
    System.exit(2)
}
