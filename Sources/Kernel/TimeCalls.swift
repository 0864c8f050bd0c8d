// Time, sleep, randomness and identity. All time is simulated: clocks read the hart's
// cycle count through the configured clock frequency, and sleeping moves that count
// forward, so a run is a pure function of program, configuration and seed.

import Machine

extension Kernel {
    /// CLOCK_REALTIME starts at 2026-01-01T00:00:00Z on every run.
    static let realtimeEpoch: UInt64 = 1_767_225_600
    static let nanosecondsPerSecond: UInt64 = 1_000_000_000

    func clockGetTime(_ arguments: SystemCallArguments, hart: Hart) -> SystemCallResult {
        let clock = arguments.int32(0)
        guard clock >= 0, clock <= 11 else { return .error(.EINVAL) }
        var now = nanoseconds(hart)
        if clock == 0 || clock == 5 || clock == 8 || clock == 11 { now += Kernel.realtimeEpoch * Kernel.nanosecondsPerSecond }
        let bytes = littleEndianBytes(now / Kernel.nanosecondsPerSecond) + littleEndianBytes(now % Kernel.nanosecondsPerSecond)
        guard case .success = process.addressSpace.copyOut(bytes, to: arguments[1]) else { return .error(.EFAULT) }
        return .value(0)
    }

    func clockGetResolution(_ arguments: SystemCallArguments) -> SystemCallResult {
        guard arguments.int32(0) >= 0, arguments.int32(0) <= 11 else { return .error(.EINVAL) }
        guard arguments[1] != 0 else { return .value(0) }
        let resolution = max(1, Kernel.nanosecondsPerSecond / configuration.clockFrequency)
        guard case .success = process.addressSpace.copyOut(littleEndianBytes(0) + littleEndianBytes(resolution), to: arguments[1]) else {
            return .error(.EFAULT)
        }
        return .value(0)
    }

    func clockSleep(_ arguments: SystemCallArguments, hart: Hart) -> SystemCallResult {
        let clock = arguments.int32(0), flags = arguments.int32(1)
        guard clock >= 0, clock <= 11, flags & ~1 == 0 else { return .error(.EINVAL) }
        let result = sleep(request: arguments[2], remaining: arguments[3], absolute: flags & 1 != 0, hart: hart,
                           realtime: clock == 0 || clock == 8)
        // clock_nanosleep returns the error number itself, not -1/errno.
        if case .error(let errno) = result { return .value(errno.rawValue) }
        return result
    }

    /// nanosleep: time passes on this hart's clock. One thread, so nothing else runs meanwhile.
    func sleep(request: UInt64, remaining: UInt64, absolute: Bool, hart: Hart, realtime: Bool = false) -> SystemCallResult {
        guard case .success(let bytes) = process.addressSpace.copyIn(from: request, count: 16) else { return .error(.EFAULT) }
        let seconds = Int64(bitPattern: littleEndianWord(bytes, at: 0)), nanos = Int64(bitPattern: littleEndianWord(bytes, at: 8))
        guard seconds >= 0, nanos >= 0, nanos < 1_000_000_000 else { return .error(.EINVAL) }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: Kernel.nanosecondsPerSecond)
        var duration = overflow ? UInt64.max : whole.addingReportingOverflow(UInt64(nanos)).partialValue
        if absolute {
            let now = nanoseconds(hart) + (realtime ? Kernel.realtimeEpoch * Kernel.nanosecondsPerSecond : 0)
            duration = duration > now ? duration - now : 0
        }
        // Cycles to let pass, capped at about a century of simulated time.
        let cap: UInt64 = 100 * 365 * 86_400
        let wholeSeconds = min(duration / Kernel.nanosecondsPerSecond, cap)
        let cycles = wholeSeconds * configuration.clockFrequency
            + (duration % Kernel.nanosecondsPerSecond) * configuration.clockFrequency / Kernel.nanosecondsPerSecond
        hart.advanceClock(by: cycles)
        return .value(0)
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
