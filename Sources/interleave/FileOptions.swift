// The file system's options for `run`: --mount brings host folders in (read-only unless
// `:rw`), --disk-latency sets what a read of the simulated disk costs, --max-fds each
// program's descriptor limit. Nothing of the host is read here: a mounted folder's
// entries and files are read when the guest first uses them.

import ArgumentParser
import Kernel
import Machine

struct FileOptions: ParsableArguments {
    @Option(name: .customLong("mount"),
            help: ArgumentHelp("Show the host folder HOSTDIR at GUESTDIR in the guest's file system, read-only, or writable with :rw (the guest's writes, new files, removals and renames then change the host folder at once). Repeatable. The guest cannot reach outside HOSTDIR: '..' stops at the guest's own folders, and symbolic links that lead out are not shown.",
                               valueName: "HOSTDIR:GUESTDIR[:rw]"))
    var mounts: [String] = []

    @Option(help: ArgumentHelp("What a read of a mounted file's page that is not cached yet costs in simulated time: the thread waits and the hart runs others (100us, the default, is an SSD's random read; 0: no wait). \(FileOptions.latencyAccepted).",
                               valueName: "time"))
    var diskLatency: String = "100us"

    @Option(help: "Each program's limit on open descriptors (RLIMIT_NOFILE, soft and hard) \(OptionRange.text(OptionRange.maxFds)).")
    var maxFds: Int = 1024

    static let latencyAccepted = "TIME is 0 or a number with ns, us, ms or s (250us, 1.5ms), at most 10s"

    func validate() throws {
        try OptionRange.check(maxFds, OptionRange.maxFds, option: "max-fds")
        guard FileOptions.latencyMilliseconds(diskLatency) != nil else {
            throw ValidationError("--disk-latency must be a time: \(FileOptions.latencyAccepted); not '\(diskLatency)'")
        }
        for mount in mounts { _ = try FileOptions.mountPoint(mount) }
    }

    func apply(to configuration: inout KernelConfiguration, clockFrequency: UInt64) throws {
        configuration.fileDescriptorLimit = maxFds
        configuration.mounts = try mounts.map(FileOptions.mountPoint)
        let milliseconds = FileOptions.latencyMilliseconds(diskLatency) ?? 0
        configuration.diskLatencyCycles = milliseconds == 0 ? 0
            : max(1, SimulatedTime(milliseconds: milliseconds, clockFrequency: clockFrequency)?.cycles ?? 1)
    }

    /// "HOSTDIR:GUESTDIR" or "HOSTDIR:GUESTDIR:rw" (or ":ro"); the guest folder must be absolute.
    static func mountPoint(_ text: String) throws -> MountPoint {
        var rest = Substring(text)
        var writable = false
        if rest.hasSuffix(":rw") {
            writable = true
            rest = rest.dropLast(3)
        } else if rest.hasSuffix(":ro") {
            rest = rest.dropLast(3)
        }
        guard let colon = rest.lastIndex(of: ":") else {
            throw ValidationError("--mount must be HOSTDIR:GUESTDIR or HOSTDIR:GUESTDIR:rw (like ./data:/data), not '\(text)'")
        }
        let host = String(rest[..<colon]), guest = String(rest[rest.index(after: colon)...])
        guard !host.isEmpty else { throw ValidationError("--mount '\(text)': the host folder is missing (HOSTDIR:GUESTDIR)") }
        let guestParts = guest.split(separator: "/")
        guard guest.hasPrefix("/"), !guestParts.isEmpty, !guestParts.contains(where: { $0 == "." || $0 == ".." }) else {
            throw ValidationError("--mount '\(text)': the guest folder must be an absolute path below / without . or .. (like /data), not '\(guest)'")
        }
        guard !host.split(separator: "/").contains("..") else {
            throw ValidationError("--mount '\(text)': the host folder may not contain '..'; name it directly")
        }
        return MountPoint(hostPath: host, guestPath: guest, writable: writable)
    }

    /// Milliseconds in "0", "500ns", "250us", "250µs", "1.5ms" or "2s"; nil otherwise or past 10 s.
    static func latencyMilliseconds(_ text: String) -> Double? {
        let units: [(suffix: String, perMillisecond: Double)] = [("ns", 1e-6), ("us", 1e-3), ("µs", 1e-3), ("ms", 1), ("s", 1000)]
        if text == "0" { return 0 }
        for unit in units where text.hasSuffix(unit.suffix) {
            guard let value = Double(text.dropLast(unit.suffix.count)), value.isFinite, value >= 0 else { return nil }
            let milliseconds = value * unit.perMillisecond
            return milliseconds <= 10_000 ? milliseconds : nil
        }
        return nil
    }
}
