// Vector add on the accelerator: c[i] = a[i] + b[i] for every item i, 64 items a work-group.
// The program opens a context, copies a and b in, runs the kernel, copies c out and checks
// every element. It sleeps first (argument 1, in microseconds; 1000 when started beside
// another program) so that a program started with it holds the lanes when it submits.
// Output: "vector-add: items N wrong W sum S submit-to-completion-us T".

import Sync

/// The kernel: argument is the device address of three addresses (a, b, c).
let add: AcceleratorKernel = { index, argument in
    let block = UnsafePointer<UInt64>(bitPattern: UInt(argument)).unsafelyUnwrapped
    let a = UnsafePointer<UInt64>(bitPattern: UInt(block[0])).unsafelyUnwrapped
    let b = UnsafePointer<UInt64>(bitPattern: UInt(block[1])).unsafelyUnwrapped
    let c = UnsafeMutablePointer<UInt64>(bitPattern: UInt(block[2])).unsafelyUnwrapped
    let i = Int(index)
    c[i] = a[i] &+ b[i]
}

let items = System.number(2, default: 256)
let delay = System.number(1, default: 1_000)
if delay > 0 { System.sleep(nanoseconds: UInt64(delay) * 1_000) }
do {
    let gpu = try AcceleratorContext()
    let a = try gpu.allocate(items, of: UInt64.self)
    let b = try gpu.allocate(items, of: UInt64.self)
    let c = try gpu.allocate(items, of: UInt64.self)
    let block = try gpu.allocate(3, of: UInt64.self)
    try gpu.copy((0..<items).map { UInt64($0) }, to: a)
    try gpu.copy((0..<items).map { UInt64($0) &* 1_000 }, to: b)
    try gpu.copy([a.address, b.address, c.address], to: block)
    let start = System.monotonicNanoseconds()
    let run = try gpu.submit(kernel: add, items: items, groupSize: 64, argument: block.address)
    try gpu.wait(run)
    let took = (System.monotonicNanoseconds() &- start) / 1_000
    let sums = try gpu.read(c, filling: 0)
    var wrong = 0, sum: UInt64 = 0
    for (i, value) in sums.enumerated() {
        if value != UInt64(i) &* 1_001 { wrong += 1 }
        sum &+= value
    }
    print("vector-add: items \(items) wrong \(wrong) sum \(sum) submit-to-completion-us \(took)")
    try gpu.destroy()
    System.exit(wrong == 0 ? 0 : 1)
} catch {
    print("vector-add: failed \(error.description)")
    System.exit(2)
}
