// Eras: presets that set the whole scheduling policy, and the foreground boost, the way
// a system of that time did (the figures come from the story in ../shared/DESIGN.md).
// Times are in microseconds of simulated time and become cycles through the clock
// frequency, so an era means the same milliseconds at any --clock-hz.
//
//   era           policy           tick              slice     foreground
//   dos           single-tasking   -                 -         -
//   win1          cooperative      -                 -         -
//   win95         round robin      15.6 ms           20 ms     priority +2
//   xp            round robin      15.6 ms           20 ms     priority +2, slice 60 ms
//   server        round robin      15.6 ms           120 ms    -
//   linux         round robin      4 ms (HZ=250)     4 ms      -
//   linux-server  round robin      10 ms (HZ=100)    10 ms     -
//   tickless      round robin      none (NO_HZ)      4 ms      -
//
// Starvation boost (NT's balance-set manager, StarvationBoost.swift): win95, xp and server
// raise a thread ready for 4 s to priority 15 for two slices, checked once a second.
//
// A slice is checked at ticks, so with a tick it ends at the tick nearest its end (a
// 20 ms slice on a 15.6 ms tick lasts one tick, 120 ms lasts 7.5 ticks rounded to 7 or
// 8, about 117 ms); tickless ends it exactly.

import Machine

public enum Era: String, CaseIterable, Sendable {
    case dos, win1, win95, xp, server, linux
    case linuxServer = "linux-server"
    case tickless

    /// What it stands for, for help text (one line of at most 66 characters).
    public var summary: String {
        switch self {
        case .dos: "DOS (1983): single-tasking; the next program waits"
        case .win1: "Windows 1.0 (1985): cooperative, no timer"
        case .win95: "Windows 95: 15.6 ms tick, 20 ms slice, foreground +2 priority"
        case .xp: "Windows XP: 15.6 ms tick, 20 ms slice; foreground +2, 60 ms"
        case .server: "Windows Server: 15.6 ms tick, fixed 120 ms slice, no boost"
        case .linux: "desktop Linux: HZ=250, 4 ms tick and slice"
        case .linuxServer: "server Linux: HZ=100, 10 ms tick and slice"
        case .tickless: "Linux NO_HZ / Windows 8: no tick, timer per deadline, 4 ms slice"
        }
    }

    /// The periodic tick in microseconds (nil: none — cooperative, single-tasking or tickless).
    public var tickMicroseconds: UInt64? {
        switch self {
        case .dos, .win1, .tickless: nil
        case .win95, .xp, .server: 15_600
        case .linux: 4_000
        case .linuxServer: 10_000
        }
    }

    /// The time slice in microseconds (nil: no preemption).
    public var sliceMicroseconds: UInt64? {
        switch self {
        case .dos, .win1: nil
        case .win95, .xp: 20_000
        case .server: 120_000
        case .linux, .tickless: 4_000
        case .linuxServer: 10_000
        }
    }

    /// The foreground process's priority boost and slice (microseconds), if the era has one.
    public var foreground: (priority: Int, sliceMicroseconds: UInt64?)? {
        switch self {
        case .win95: (2, nil)
        case .xp: (2, 60_000)
        default: nil
        }
    }

    /// The era's microseconds at a clock (SimulatedTime's rounding: up to a whole cycle).
    static func cycles(_ microseconds: UInt64, clockFrequency: UInt64) -> UInt64 {
        max(1, SimulatedTime.microseconds(microseconds, clockFrequency: clockFrequency).cycles)
    }

    /// The era's policy at a clock of `clockFrequency` cycles per second.
    public func policy(clockFrequency: UInt64) -> SchedulingPolicy {
        switch self {
        case .dos: return .singleTasking
        case .win1: return .cooperative
        default:
            let slice = Era.cycles(sliceMicroseconds ?? 10_000, clockFrequency: clockFrequency)
            return .roundRobin(sliceCycles: slice, tickCycles: tickMicroseconds.map { Era.cycles($0, clockFrequency: clockFrequency) })
        }
    }

    /// The starvation boost (Windows NT's balance-set manager: a thread ready for about 4 s is
    /// raised to priority 15 for two quanta, checked once a second): on for the Windows eras
    /// with priorities — win95, xp and server (NT's figures stand for the line) — and off for
    /// dos and win1 (no priorities to starve under) and the Linux eras (CFS gives every thread
    /// its share instead). Microseconds: the wait and the check period.
    public var starvation: (waitMicroseconds: UInt64, periodMicroseconds: UInt64)? {
        switch self {
        case .win95, .xp, .server: (4_000_000, 1_000_000)
        default: nil
        }
    }

    public func starvationBoost(clockFrequency: UInt64) -> StarvationBoost? {
        starvation.map { StarvationBoost(waitCycles: Era.cycles($0.waitMicroseconds, clockFrequency: clockFrequency),
                                         periodCycles: Era.cycles($0.periodMicroseconds, clockFrequency: clockFrequency)) }
    }

    public func foregroundBoost(clockFrequency: UInt64) -> ForegroundBoost? {
        foreground.map { ForegroundBoost(priority: $0.priority, sliceCycles: $0.sliceMicroseconds.map { Era.cycles($0, clockFrequency: clockFrequency) }) }
    }

    /// Sets `configuration`'s scheduling and foreground boost to the era's, at its clock.
    public func apply(to configuration: inout KernelConfiguration) {
        configuration.scheduling = policy(clockFrequency: configuration.clockFrequency)
        configuration.foregroundBoost = foregroundBoost(clockFrequency: configuration.clockFrequency)
        configuration.starvationBoost = starvationBoost(clockFrequency: configuration.clockFrequency)
    }

    /// The table for help text: one line per era.
    public static var helpTable: String {
        allCases.map { era in
            let name = era.rawValue + String(repeating: " ", count: max(1, 14 - era.rawValue.count))
            return name + era.summary
        }.joined(separator: "\n")
    }
}
