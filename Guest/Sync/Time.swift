// Time.swift: reading clocks and sleeping.
//
// Under Interleave's kernel both clocks are simulated time, derived from the
// cycle count, so a run is repeatable; under qemu-riscv64 they are the host's.

/// struct timespec (Linux riscv64): seconds and nanoseconds, 64 bits each.
struct TimeSpec {
    var seconds: Int = 0
    var nanoseconds: Int = 0
}

extension System {
    /// clock_gettime clock ids.
    enum ClockID: Int {
        case realtime = 0
        case monotonic = 1
    }

    static func nanoseconds(of clock: ClockID) -> UInt64 {
        var time = TimeSpec()
        withUnsafeMutablePointer(to: &time) { pointer in
            _ = infallibleSyscall("clock_gettime", SystemCallNumber.clockGetTime,
                                  clock.rawValue, Int(bitPattern: pointer))
        }
        return UInt64(time.seconds) &* 1_000_000_000 &+ UInt64(time.nanoseconds)
    }

    /// Nanoseconds since an arbitrary start; never goes backwards. For
    /// measuring intervals.
    public static func monotonicNanoseconds() -> UInt64 {
        nanoseconds(of: .monotonic)
    }

    /// Nanoseconds since 1970-01-01 UTC (the realtime clock).
    public static func realtimeNanoseconds() -> UInt64 {
        nanoseconds(of: .realtime)
    }

    /// Sleeps at least `nanoseconds` (nanosleep); when a signal cuts the sleep
    /// short it sleeps again for the time that was left.
    public static func sleep(nanoseconds: UInt64) {
        var request = TimeSpec(seconds: Int(nanoseconds / 1_000_000_000),
                               nanoseconds: Int(nanoseconds % 1_000_000_000))
        var remaining = TimeSpec()
        while true {
            let result = withUnsafeMutablePointer(to: &request) { requestPointer in
                withUnsafeMutablePointer(to: &remaining) { remainingPointer in
                    syscall(SystemCallNumber.nanosleep, Int(bitPattern: requestPointer),
                            Int(bitPattern: remainingPointer))
                }
            }
            if result != -SystemError.interrupted.code { break }
            request = remaining
        }
    }
}
