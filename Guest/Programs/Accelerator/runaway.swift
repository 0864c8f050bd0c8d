// A runaway kernel (lab: gpu-sharing): its item 0 loops for ever, as a shader with a bug
// would. Under boundary preemption the device cannot take the lanes back, so only the
// kernel's watchdog (Windows' TDR) ends it: the wait answers ETIMEDOUT, and the context,
// reset, takes new work. Programs started beside it go on.
// Output: "runaway: wait ETIMEDOUT after-us T", then "runaway: after the reset wrong W".

import Sync

/// The kernel: item 0 never returns; the others store their index (argument: out's address).
let forever: AcceleratorKernel = { index, argument in
    let out = UnsafeMutablePointer<UInt64>(bitPattern: UInt(argument)).unsafelyUnwrapped
    if index == 0 {
        var count: UInt64 = 0
        while true {
            count &+= 1
            out[0] = count
        }
    }
    out[Int(index)] = index
}

/// A kernel that ends: out[index] = index + 7.
let small: AcceleratorKernel = { index, argument in
    let out = UnsafeMutablePointer<UInt64>(bitPattern: UInt(argument)).unsafelyUnwrapped
    out[Int(index)] = index &+ 7
}

do {
    let gpu = try AcceleratorContext()
    let out = try gpu.allocate(4, of: UInt64.self)
    let start = System.monotonicNanoseconds()
    let run = try gpu.submit(kernel: forever, items: 4, groupSize: 4, argument: out.address)
    do {
        try gpu.wait(run)
        print("runaway: wait returned 0 (not reset)")
    } catch {
        let took = (System.monotonicNanoseconds() &- start) / 1_000
        let name = error == .timedOut ? "ETIMEDOUT" : error == .badAddress ? "EFAULT" : error.description
        print("runaway: wait \(name) after-us \(took)")
    }
    let again = try gpu.submit(kernel: small, items: 4, groupSize: 4, argument: out.address)
    try gpu.wait(again)
    let values = try gpu.read(out, filling: 0)
    var wrong = 0
    for (i, value) in values.enumerated() where value != UInt64(i) &+ 7 { wrong += 1 }
    print("runaway: after the reset wrong \(wrong)")
} catch {
    print("runaway: failed \(error.description)")
    System.exit(2)
}
