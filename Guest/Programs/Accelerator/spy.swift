// The spy (lab: gpu-sharing, isolation): started by `secret` with two device addresses of
// the secret's context. For each it opens a context of its own, fills its own first buffer
// with a marker (0xA5A5), and runs a kernel that loads from the address and stores what
// it found. The address means nothing in the spy's context: the load finds the spy's own
// memory (the same layout puts the spy's first buffer where the secret's public one is) or
// faults (nothing is mapped there), and the wait says EFAULT.
// Output per address: "spy: read 0x… value V" or "spy: read 0x… faulted EFAULT".

import Sync

/// The kernel: argument is the device address of (target address, result address).
let peek: AcceleratorKernel = { _, argument in
    let block = UnsafePointer<UInt64>(bitPattern: UInt(argument)).unsafelyUnwrapped
    let target = UnsafePointer<UInt64>(bitPattern: UInt(block[0])).unsafelyUnwrapped
    let result = UnsafeMutablePointer<UInt64>(bitPattern: UInt(block[1])).unsafelyUnwrapped
    result.pointee = target.pointee
}

func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

for index in 1..<max(1, System.arguments.count) {
    guard let target = UInt64(System.arguments[index]) else { continue }
    do {
        let gpu = try AcceleratorContext()
        let own = try gpu.allocate(8, of: UInt64.self)
        try gpu.copy([UInt64](repeating: 0xA5A5, count: 8), to: own)
        let block = try gpu.allocate(2, of: UInt64.self)
        let result = try gpu.allocate(1, of: UInt64.self)
        try gpu.copy([target, result.address], to: block)
        let run = try gpu.submit(kernel: peek, items: 1, groupSize: 1, argument: block.address)
        do {
            try gpu.wait(run)
            let value = try gpu.read(result, filling: 0)[0]
            print("spy: read \(hex(target)) value \(value)")
        } catch {
            print("spy: read \(hex(target)) faulted \(error == .badAddress ? "EFAULT" : error.description)")
        }
        try? gpu.destroy()
    } catch {
        print("spy: failed \(error.description)")
    }
}
