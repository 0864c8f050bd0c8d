// Time, sleep, randomness and identity. All time is simulated: clocks read the hart's
// cycle count through the configured clock frequency, and sleeping moves that count
// forward, so a run is a pure function of program, configuration and seed. A machine of
// a simulated network may have a clock that drifts and a realtime clock that is off
// (KernelConfiguration's clock offset and drift): its clocks then read what it believes.

import Machine

extension Kernel {
    /// CLOCK_REALTIME starts at 2026-01-01T00:00:00Z on every run.
    static let realtimeEpoch: UInt64 = 1_767_225_600

    func clockGetTime(_ arguments: SystemCallArguments, hart: Hart) -> SystemCallResult {
        let clock = arguments.int32(0)
        guard clock >= 0, clock <= 11 else { return .error(.EINVAL) }
        let (seconds, nanoseconds) = clockReading(hart, realtime: Kernel.isRealtime(clock))
        let bytes = littleEndianBytes(min(seconds, UInt64(Int64.max))) + littleEndianBytes(nanoseconds)
        guard case .success = process.addressSpace.copyOut(bytes, to: arguments[1]) else { return .error(.EFAULT) }
        return .value(0)
    }

    /// CLOCK_REALTIME, CLOCK_REALTIME_COARSE, CLOCK_REALTIME_ALARM and CLOCK_TAI count
    /// from the epoch; the others from the machine's start.
    static func isRealtime(_ clock: Int32) -> Bool { clock == 0 || clock == 5 || clock == 8 || clock == 11 }

    func clockGetResolution(_ arguments: SystemCallArguments) -> SystemCallResult {
        guard arguments.int32(0) >= 0, arguments.int32(0) <= 11 else { return .error(.EINVAL) }
        guard arguments[1] != 0 else { return .value(0) }
        // One cycle, in whole nanoseconds (at least 1).
        let resolution = max(1, SimulatedTime(cycles: 1).nanoseconds(clockFrequency: configuration.clockFrequency))
        guard case .success = process.addressSpace.copyOut(littleEndianBytes(0) + littleEndianBytes(resolution), to: arguments[1]) else {
            return .error(.EFAULT)
        }
        return .value(0)
    }

    func clockSleep(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let clock = arguments.int32(0), flags = arguments.int32(1)
        guard clock >= 0, clock <= 11, flags & ~1 == 0 else { return .error(.EINVAL) }
        let result = sleep(request: arguments[2], absolute: flags & 1 != 0, hart: hart, thread: thread,
                           realtime: Kernel.isRealtime(clock))
        // clock_nanosleep returns the error number itself, not -1/errno.
        if case .error(let errno) = result { return .value(errno.rawValue) }
        return result
    }

    /// nanosleep: the thread blocks until its deadline (simulated time); the hart runs
    /// others meanwhile, or idles until the deadline when there are none.
    func sleep(request: UInt64, absolute: Bool, hart: Hart, thread: Thread, realtime: Bool = false) -> SystemCallResult {
        guard case .success(let bytes) = thread.process.addressSpace.copyIn(from: request, count: 16) else { return .error(.EFAULT) }
        guard var duration = time(ofTimespec: bytes) else { return .error(.EINVAL) }
        if absolute {
            duration = duration - now(hart, realtime: realtime)
        }
        guard duration > .zero else { return .value(0) }
        let deadline = (SimulatedTime(cycles: hart.cycle) + trueDuration(ofLocal: duration)).cycles
        block(thread, on: hart, .sleep(untilCycle: deadline), deadline: deadline, timeoutResult: 0)
        return .noReturn
    }

    /// The hart's clock as this machine reads it, as a timespec: since the machine powered
    /// on (`startCycle`), or since the epoch for a realtime clock (which runs on across a
    /// restart); every clock with the machine's drift, the realtime one with its offset.
    /// Full width and clamped: no configuration or cycle can trap.
    func clockReading(_ hart: Hart, realtime: Bool) -> (seconds: UInt64, nanoseconds: UInt64) {
        let (seconds, nanoseconds) = driftedElapsed(hart, realtime: realtime).timespec(clockFrequency: configuration.clockFrequency)
        guard realtime else { return (seconds, nanoseconds) }
        let billion: Int128 = 1_000_000_000
        let total = max(0, Int128(seconds) * billion + Int128(nanoseconds) + Int128(Kernel.realtimeEpoch) * billion
                           + Int128(configuration.clockOffsetNanoseconds))
        return (UInt64(min(total / billion, Int128(Int64.max))), UInt64(total % billion))
    }

    /// The hart's clock as an instant (for absolute sleeps and timeouts), as `clockReading`
    /// reads it, in cycles (saturating).
    func now(_ hart: Hart, realtime: Bool) -> SimulatedTime {
        let frequency = configuration.clockFrequency
        let local = driftedElapsed(hart, realtime: realtime)
        guard realtime else { return local }
        let offset = configuration.clockOffsetNanoseconds
        let offsetCycles = SimulatedTime.nanoseconds(offset.magnitude, clockFrequency: frequency)
        let epoch = local + .seconds(Kernel.realtimeEpoch, clockFrequency: frequency)
        return offset >= 0 ? epoch + offsetCycles : epoch - offsetCycles
    }

    /// Cycles since power-on (or since cycle 0, for the realtime clock), as this machine's
    /// drifting clock counts them.
    func driftedElapsed(_ hart: Hart, realtime: Bool) -> SimulatedTime {
        let elapsed = realtime ? hart.cycle : hart.cycle &- min(hart.cycle, configuration.startCycle)
        return SimulatedTime(cycles: Kernel.scale(elapsed, by: 1_000_000 &+ configuration.clockDriftPartsPerMillion, over: 1_000_000))
    }

    /// How long a sleep of `local` by this machine's drifting clock truly lasts (rounded up,
    /// so the clock has reached the deadline when the sleeper wakes).
    func trueDuration(ofLocal local: SimulatedTime) -> SimulatedTime {
        let drift = configuration.clockDriftPartsPerMillion
        guard drift != 0, local != .never else { return local }
        return SimulatedTime(cycles: Kernel.scale(local.cycles, by: 1_000_000, over: 1_000_000 &+ drift, roundingUp: true))
    }

    /// `value · numerator / denominator` in full width, saturating at UInt64.max (both
    /// factors are positive: drift is validated to ±100,000 ppm).
    static func scale(_ value: UInt64, by numerator: Int64, over denominator: Int64, roundingUp: Bool = false) -> UInt64 {
        guard numerator > 0, denominator > 0 else { return value }
        if numerator == denominator { return value }
        let product = UInt128(value) * UInt128(numerator.magnitude)
        let divisor = UInt128(denominator.magnitude)
        let quotient = roundingUp ? (product + divisor - 1) / divisor : product / divisor
        return quotient > UInt128(UInt64.max) ? .max : UInt64(quotient)
    }

    /// getrandom: bytes from the kernel's seeded generator, a page at a time, so a request
    /// that runs into an unmapped page stops there (partial count) without building it all.
    func getRandom(_ arguments: SystemCallArguments) -> SystemCallResult {
        let buffer = arguments[0], count = min(arguments[1], 33_554_431), flags = arguments.int32(2)
        guard flags & ~7 == 0 else { return .error(.EINVAL) }
        var copied: UInt64 = 0
        while copied < count {
            let address = buffer &+ copied
            let chunk = min(count - copied, AddressSpace.pageSize - (address & (AddressSpace.pageSize - 1)))
            var bytes: [UInt8] = []
            bytes.reserveCapacity(Int(chunk) + 8)
            while bytes.count < Int(chunk) { bytes += littleEndianBytes(random.next()) }
            guard case .success = process.addressSpace.copyOut(Array(bytes.prefix(Int(chunk))), to: address) else {
                return copied > 0 ? .value(Int64(copied)) : .error(.EFAULT)
            }
            copied += chunk
        }
        return .value(Int64(count))
    }

    /// uname: six 65-byte fields. The release looks like Linux's so libc version checks pass.
    func uname(_ arguments: SystemCallArguments) -> SystemCallResult {
        let fields = ["Linux", "interleave", "6.1.0-interleave", "#1 Interleave teaching kernel", "riscv64", "(none)"]
        var bytes: [UInt8] = []
        for field in fields { bytes += Array(field.utf8.prefix(64)) + [UInt8](repeating: 0, count: 65 - min(64, field.utf8.count)) }
        guard case .success = process.addressSpace.copyOut(bytes, to: arguments[0]) else { return .error(.EFAULT) }
        return .value(0)
    }
}
