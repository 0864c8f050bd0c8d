// The owner of a secret (lab: gpu-sharing, isolation). It allocates a 64 KiB public
// buffer and then a buffer holding a secret, prints both device addresses, and starts
// `spy` with them while its context is alive; the spy's kernels read those addresses in
// the spy's own context. Each context has its own page table on the device, so the spy
// reads its own memory or faults, never the secret.
// Output: "secret: public 0x… secret-buffer 0x… value V", then the spy's lines.

import Sync

let secretValue: UInt64 = 0x5EC2_E7C0_FFEE_1234

func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

do {
    let gpu = try AcceleratorContext()
    let open = try gpu.allocate(8_192, of: UInt64.self)
    let hidden = try gpu.allocate(512, of: UInt64.self)
    try gpu.copy([UInt64](repeating: 0x1111, count: 8_192), to: open)
    try gpu.copy([UInt64](repeating: secretValue, count: 512), to: hidden)
    print("secret: public \(hex(open.address)) secret-buffer \(hex(hidden.address)) value \(secretValue)")
    let spy = try Process.spawn("spy", arguments: ["\(open.address)", "\(hidden.address)"])
    let status = try spy.wait()
    let left = try gpu.read(hidden, filling: 0)
    print("secret: spy ended \(status), secret intact \(left.allSatisfy { $0 == secretValue } ? 1 : 0)")
    try gpu.destroy()
} catch {
    print("secret: failed \(error.description)")
    System.exit(2)
}
