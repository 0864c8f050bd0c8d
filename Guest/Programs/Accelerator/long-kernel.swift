// The long kernel of two that share the accelerator (lab: gpu-sharing). Four items (one
// per lane of the default device), a work-group each, every item computing for a long
// while: argument 1 rounds of a 64-bit LCG, 120,000 by default — six instructions a
// round, about 7 ms of the default 100 MHz device. It times submit-to-completion on the
// simulated clock.
// Output: "long: items N wrong W submit-to-completion-us T".

import Sync

/// The kernel: argument is the device address of (output address, rounds). Every item
/// computes the same LCG from the same seed and stores it xor its index, so the CPU checks
/// that each item ran every round (a lane whose registers a preemption lost would differ)
/// without computing it again.
let spin: AcceleratorKernel = { index, argument in
    let block = UnsafePointer<UInt64>(bitPattern: UInt(argument)).unsafelyUnwrapped
    let out = UnsafeMutablePointer<UInt64>(bitPattern: UInt(block[0])).unsafelyUnwrapped
    var value: UInt64 = 1
    var round: UInt64 = 0
    while round < block[1] {
        value = value &* 6_364_136_223_846_793_005 &+ round
        round &+= 1
    }
    out[Int(index)] = value ^ index
}

let rounds = UInt64(System.number(1, default: 120_000))
let items = 4
do {
    let gpu = try AcceleratorContext()
    let out = try gpu.allocate(items, of: UInt64.self)
    let block = try gpu.allocate(2, of: UInt64.self)
    try gpu.copy([out.address, rounds], to: block)
    let start = System.monotonicNanoseconds()
    let run = try gpu.submit(kernel: spin, items: items, groupSize: 1, argument: block.address)
    try gpu.wait(run)
    let took = (System.monotonicNanoseconds() &- start) / 1_000
    let values = try gpu.read(out, filling: 0)
    var wrong = 0
    for (i, value) in values.enumerated() where value ^ UInt64(i) != values[0] || values[0] == 0 { wrong += 1 }
    print("long: items \(items) wrong \(wrong) submit-to-completion-us \(took)")
    System.exit(wrong == 0 ? 0 : 1)
} catch {
    print("long: failed \(error.description)")
    System.exit(2)
}
