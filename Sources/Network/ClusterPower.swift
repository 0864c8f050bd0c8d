// Machines losing power and coming back (NetworkSettings.crashes). Each crash and each
// restart is an event on the cluster's clock; windows end at the next one, so it falls
// between windows: a crash ends every process of the machine (Kernel.losePower: its stack
// forgets its connections without a packet), and packets to it are lost while it is
// down; a restart boots a new kernel whose clock starts at that cycle and starts the
// machine's programs anew, as a first boot does.
//
// Part A (cluster) owns this file.

import Kernel
import Machine

/// A crash or a restart of one machine, at a cycle.
struct PowerEvent: Equatable {
    enum Kind: Equatable { case crash, restart }
    var cycle: UInt64
    /// Machine index, from 0.
    var machine: Int
    var kind: Kind

    /// Every crash and restart in the order they happen (ties: machine, then crash first).
    static func schedule(_ crashes: [Crash], clockFrequency: UInt64) -> [PowerEvent] {
        var events: [PowerEvent] = []
        for crash in crashes {
            let index = crash.machine - 1
            events.append(PowerEvent(cycle: cycles(crash.atNanoseconds, clockFrequency), machine: index, kind: .crash))
            if let restart = crash.restartNanoseconds {
                events.append(PowerEvent(cycle: cycles(restart, clockFrequency), machine: index, kind: .restart))
            }
        }
        return events.sorted { ($0.cycle, $0.machine, $0.kind == .crash ? 0 : 1) < ($1.cycle, $1.machine, $1.kind == .crash ? 0 : 1) }
    }

    static func cycles(_ nanoseconds: UInt64, _ clockFrequency: UInt64) -> UInt64 {
        SimulatedTime.nanoseconds(nanoseconds, clockFrequency: clockFrequency).cycles
    }
}

extension Cluster {
    /// When the next crash or restart happens, if one is still to come.
    var nextPowerEventCycle: UInt64? { nextPowerEvent < powerEvents.count ? powerEvents[nextPowerEvent].cycle : nil }

    /// Applies every crash and restart due by `cycle` (every machine has run up to it).
    func applyPowerEvents(dueBy cycle: UInt64) {
        while nextPowerEvent < powerEvents.count, powerEvents[nextPowerEvent].cycle <= cycle {
            let event = powerEvents[nextPowerEvent]
            nextPowerEvent += 1
            switch event.kind {
            case .crash: crash(event.machine, atCycle: event.cycle)
            case .restart: restart(event.machine, atCycle: event.cycle)
            }
        }
    }

    func crash(_ index: Int, atCycle cycle: UInt64) {
        down[index] = true
        let who = ClusterConfiguration.describe(index, configuration.machines)
        let time = SimulatedTime(cycles: cycle).microseconds(clockFrequency: clockFrequency)
        kernels[index].losePower(atCycle: cycle, report: "\(who) crashed at \(time) µs (cycle \(cycle)): it lost power and every process on it ended")
        onPowerChange?(index, cycle, false)
    }

    func restart(_ index: Int, atCycle cycle: UInt64) {
        boots[index] += 1
        // The programs booted once already, so they boot again; a failure here (none is
        // expected: the same bytes and settings) leaves the machine down.
        guard let (kernel, interface) = try? bootKernel(index, atCycle: cycle, boot: boots[index]) else { return }
        kernels[index] = kernel
        interfaces[index] = interface
        down[index] = false
        onPowerChange?(index, cycle, true)
    }
}
