// Random.swift: random bytes from the kernel (getrandom).
//
// Under Interleave's kernel they come from the run's seed, so the same seed
// gives the same bytes; Swift's own `Int.random(in:)` and hashing seed draw
// from the same call through the runtime's arc4random_buf.

extension System {
    /// Fills `buffer` with random bytes, calling getrandom until it is full.
    public static func fillRandomBytes(_ buffer: UnsafeMutableRawBufferPointer) {
        guard var next = buffer.baseAddress else { return }
        var left = buffer.count
        while left > 0 {
            let got = syscall(SystemCallNumber.getrandom, Int(bitPattern: next), left)
            if got == -SystemError.interrupted.code || got == -SystemError.wouldBlock.code {
                continue
            }
            if got <= 0 {
                fatalError("getrandom failed: \(SystemError(code: -got).description)")
            }
            next += got
            left -= got
        }
    }

    /// `count` random bytes.
    public static func randomBytes(count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { fillRandomBytes($0) }
        return bytes
    }
}
