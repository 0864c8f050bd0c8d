// Futex.swift: the kernel's one blocking primitive, for the locks built on it.
// `wait` sleeps only if the word still holds the value the caller saw, so a
// wake between the caller's check and its sleep cannot be lost.

public enum Futex {
    static let wait = 0, wake = 1, privateFlag = 128

    /// Sleeps while `*word == expected`; returns at once (false) if it does not.
    /// True after a wake-up. `timeoutNanoseconds` bounds the sleep (nil: forever).
    @discardableResult
    public static func wait(_ word: UnsafeMutablePointer<UInt32>, expected: UInt32,
                            timeoutNanoseconds: UInt64? = nil) -> Bool {
        var timeout = (seconds: 0, nanoseconds: 0)
        if let timeoutNanoseconds {
            timeout = (Int(timeoutNanoseconds / 1_000_000_000), Int(timeoutNanoseconds % 1_000_000_000))
        }
        return withUnsafeMutablePointer(to: &timeout) { pointer in
            let timeoutAddress = timeoutNanoseconds == nil ? 0 : Int(bitPattern: pointer)
            return System.syscall(SystemCallNumber.futex, Int(bitPattern: word), wait | privateFlag,
                                  Int(expected), timeoutAddress) == 0
        }
    }

    /// Wakes up to `count` threads waiting on `word`, first come first served;
    /// returns how many it woke.
    @discardableResult
    public static func wake(_ word: UnsafeMutablePointer<UInt32>, count: Int = 1) -> Int {
        max(0, System.syscall(SystemCallNumber.futex, Int(bitPattern: word), wake | privateFlag, count))
    }
}
