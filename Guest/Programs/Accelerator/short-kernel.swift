// The short kernel of two that share the accelerator (lab: gpu-sharing). It waits until
// the long kernel holds the lanes (argument 1: microseconds, 2,000 by default), then
// submits four tiny items and times submit-to-completion on the simulated clock: how long
// a short job waits behind a long one is what preemption granularity decides.
// Output: "short: items N wrong W submit-to-completion-us T".

import Sync

/// The kernel: out[index] = index * 3 (argument: out's device address).
let triple: AcceleratorKernel = { index, argument in
    let out = UnsafeMutablePointer<UInt64>(bitPattern: UInt(argument)).unsafelyUnwrapped
    out[Int(index)] = index &* 3
}

let delay = System.number(1, default: 2_000)
let items = 4
do {
    let gpu = try AcceleratorContext()
    let out = try gpu.allocate(items, of: UInt64.self)
    System.sleep(nanoseconds: UInt64(delay) * 1_000)
    let start = System.monotonicNanoseconds()
    let run = try gpu.submit(kernel: triple, items: items, groupSize: items, argument: out.address)
    try gpu.wait(run)
    let took = (System.monotonicNanoseconds() &- start) / 1_000
    let values = try gpu.read(out, filling: 0)
    var wrong = 0
    for (i, value) in values.enumerated() where value != UInt64(i) &* 3 { wrong += 1 }
    print("short: items \(items) wrong \(wrong) submit-to-completion-us \(took)")
    System.exit(wrong == 0 ? 0 : 1)
} catch {
    print("short: failed \(error.description)")
    System.exit(2)
}
