// A machine of a simulated network losing power (NetworkSettings.crashes): at that
// instant every process ends, as if killed (SIGKILL, status 137, with a report that says
// the machine crashed), the network stack forgets every connection without sending a
// packet, and whatever was on its way in or out is lost. A restart is a new Kernel that
// powers on later (KernelConfiguration.startCycle); nothing of this one carries over.

import Machine

extension Kernel {
    /// Cuts the power at `cycle`: every process still running ends with `report`, and
    /// nothing more leaves or enters the machine.
    public func losePower(atCycle cycle: UInt64, report: String) {
        guard ending == nil else { return }
        networkStack?.crash()
        endAll(.signalled(signal: 9, report: report))
        if let interface = networkInterface {
            interface.sent = []
            interface.arrivals = []
            interface.arrivalHead = 0
        }
        machine.stopRequested = false
    }
}
