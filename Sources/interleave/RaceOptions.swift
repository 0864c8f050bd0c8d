// `--races` for `interleave run`: turns on the kernel's race log, watches the run with a
// RaceMonitor (Explore), and prints each data race once on standard error when the run
// ends — both accesses with thread, kind, size and source line, and the variable — with
// a closing count. The exit status stays the program's.

import ArgumentParser
import Explore
import Kernel

struct RaceOptions: ParsableArguments {
    @Flag(help: "Detect data races (happens-before, FastTrack): each race is reported once on standard error when the run ends, with both accesses' threads and source lines and the variable. The run is slower (see `interleave bench --only races`).")
    var races = false

    /// Turns the race log on in `configuration` when asked.
    func configure(_ configuration: inout KernelConfiguration) {
        if races { configuration.exploration.raceLog = true }
    }

    /// A monitor watching `kernel`, or nil without --races.
    func monitor(for kernel: Kernel) -> RaceMonitor? {
        guard races else { return nil }
        let monitor = RaceMonitor()
        monitor.attach(to: kernel)
        return monitor
    }

    /// The report, after the run: one block per race and the closing line.
    static func reportLines(_ monitor: RaceMonitor) -> [String] {
        monitor.drain()
        var lines: [String] = []
        for race in monitor.races {
            lines.append("interleave: data race on \(race.variable):")
            for side in [race.first, race.second] {
                lines.append("  thread \(side.thread) \(side.isWrite ? "write" : "read") of \(side.size) byte\(side.size == 1 ? "" : "s") at \(side.location)")
            }
        }
        let count = monitor.races.count
        var closing = count == 0 ? "interleave: no data races found" : "interleave: \(count) data race\(count == 1 ? "" : "s")"
        if monitor.droppedRaces > 0 { closing += " (and \(monitor.droppedRaces) more not kept)" }
        lines.append(closing)
        return lines
    }
}
