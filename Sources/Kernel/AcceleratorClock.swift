// The accelerator's clock beside the CPU's: the device counts its own cycles at its own
// frequency, the kernel counts the harts'. The driver converts between the two here and
// nowhere else, with full-width arithmetic that saturates instead of trapping (DESIGN
// decision 7): no option and no guest value can overflow the host. A CPU instant becomes
// the device cycle it has reached (rounded down: the device never runs ahead of the CPU),
// a device instant becomes the first CPU cycle at or after it (rounded up: the kernel
// never acts on an event before it happened).

import Machine

struct AcceleratorClock {
    /// Cycles per second of the harts and of the device.
    let cpuFrequency: UInt64
    let deviceFrequency: UInt64

    init(cpuFrequency: UInt64, deviceFrequency: UInt64) {
        self.cpuFrequency = max(1, cpuFrequency)
        self.deviceFrequency = max(1, deviceFrequency)
    }

    /// The device cycle a CPU cycle has reached.
    func deviceCycle(atCPU cycle: UInt64) -> UInt64 {
        Self.scale(cycle, by: deviceFrequency, over: cpuFrequency, roundingUp: false)
    }

    /// The first CPU cycle at or after a device cycle.
    func cpuCycle(atDevice cycle: UInt64) -> UInt64 {
        Self.scale(cycle, by: cpuFrequency, over: deviceFrequency, roundingUp: true)
    }

    /// Microseconds as device cycles (rounded up, at least one).
    func deviceCycles(microseconds: UInt64) -> UInt64 {
        max(1, Self.scale(microseconds, by: deviceFrequency, over: 1_000_000, roundingUp: true))
    }

    /// Microseconds as CPU cycles (rounded up, at least one).
    func cpuCycles(microseconds: UInt64) -> UInt64 {
        max(1, Self.scale(microseconds, by: cpuFrequency, over: 1_000_000, roundingUp: true))
    }

    /// Device cycles as whole microseconds (rounded down), for reports.
    func microseconds(deviceCycles cycles: UInt64) -> UInt64 {
        Self.scale(cycles, by: 1_000_000, over: deviceFrequency, roundingUp: false)
    }

    /// `value × numerator / denominator` with a 128-bit product, rounded down or up;
    /// UInt64.max when the quotient does not fit.
    static func scale(_ value: UInt64, by numerator: UInt64, over denominator: UInt64, roundingUp: Bool) -> UInt64 {
        let divisor = max(1, denominator)
        let product = value.multipliedFullWidth(by: numerator)
        guard product.high < divisor else { return .max }
        let (quotient, remainder) = divisor.dividingFullWidth(product)
        guard roundingUp, remainder != 0 else { return quotient }
        return quotient == .max ? .max : quotient + 1
    }
}
