// Experiment 28, gpu-sharing (Vista: the GPU is shared too). Programs share the simulated
// accelerator through the kernel's driver, as Windows Vista's WDDM made the GPU a resource
// the OS schedules among processes. Three claims, each measured on the simulated clock:
// (1) a long kernel delays a short one under work-group-boundary preemption (GPUs before
// 2016) and not under instruction-level preemption (Pascal, 2016, and later); (2) the
// watchdog (Windows' TDR) resets a runaway kernel and the other context survives with its
// result right; (3) one context cannot read another's buffer, and a stray access faults
// only its own context.

import Kernel
import Machine

extension Experiment {
    static let gpuSharing = Experiment(
        number: 28, name: "gpu-sharing",
        summary: "Two programs share an accelerator: preemption granularity, the watchdog, isolation.",
        chapter: "Vista: the GPU is shared too",
        refuses: [.harts: "each program gets a hart of its own (two), so only the accelerator is shared.",
                  .era: "the programs spend their time waiting for the accelerator: the CPU's scheduler does not decide anything here."],
        body: { context in try GPUSharing(context).run() })
}

struct GPUSharing {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    var small: Bool { context.options.size == .small }
    /// Rounds of the long kernel's loop per item (six instructions each): about 7 ms (full) or 6 ms (small) at 100 MHz.
    var rounds: Int { small ? 100_000 : 120_000 }
    /// The watchdog, scaled from TDR's 2 s so that a runaway run stays short.
    static let watchdogMicroseconds: UInt64 = 10_000
    static let sliceMicroseconds: UInt64 = 1_000
    static let secretValue: UInt64 = 0x5EC2_E7C0_FFEE_1234
    static let spyMarker: UInt64 = 0xA5A5

    func configuration(_ preemption: AcceleratorPreemption) -> KernelConfiguration {
        var configuration = context.baseConfiguration()
        configuration.harts = 2
        var settings = AcceleratorSettings()
        settings.device.preemption = preemption
        settings.sliceMicroseconds = Self.sliceMicroseconds
        settings.watchdogMicroseconds = Self.watchdogMicroseconds
        configuration.accelerator = settings
        return configuration
    }

    /// The figure after `label` on the first line starting with `prefix`, or a LabError naming the run.
    func number(_ result: RunResult, _ prefix: String, _ label: String, run: String) throws -> Int {
        for line in result.lines(starting: prefix) { if let value = integer(after: label, in: line) { return value } }
        throw LabError("gpu-sharing (\(run)) printed no '\(prefix)…\(label)' line: \(result.ending)\n\(result.output)\(result.errors)")
    }

    struct Latencies { var short: Int; var long: Int; var wrong: Int; var longPreemptions: UInt64 }

    /// Claim 1: the long and the short kernel side by side under one preemption granularity.
    func latencies(_ preemption: AcceleratorPreemption, traced: Bool = false) throws -> (Latencies, RunResult) {
        let run = "\(preemption.rawValue) preemption"
        let result = try context.run(RunSpec(main: "long", programs: ["long": "Accelerator/long-kernel.swift",
                                                                      "short": "Accelerator/short-kernel.swift"],
                                             arguments: ["\(rounds)"], alsoStarting: ["short"],
                                             configuration: configuration(preemption), traced: traced))
        let measured = Latencies(short: try number(result, "short: ", "submit-to-completion-us ", run: run),
                                 long: try number(result, "long: ", "submit-to-completion-us ", run: run),
                                 wrong: try number(result, "short: ", "wrong ", run: run) + (try number(result, "long: ", "wrong ", run: run)),
                                 // The long program is the run's first process (pid 1): the driver's count of
                                 // preemptions that took effect on its context.
                                 longPreemptions: result.statistics.accelerator.filter { $0.pid == 1 }.reduce(0) { $0 + $1.device.preemptions })
        return (measured, result)
    }

    func run() throws -> Finding {
        var finding = Finding(point: """
            The GPU is shared too: since Windows Vista the OS schedules the graphics processor among processes, each in \
            a context of its own with its own page tables, so one program's buffers do not exist in another's address \
            space. How fast it can take the device from a context is the hardware's: GPUs before 2016 could stop only \
            between work-groups, so a short job waits behind a long kernel's running groups; Pascal (2016) and later \
            save every lane's registers and switch at any instruction. A kernel that never ends would hold the device \
            for ever — Windows' watchdog (TDR, 2 s) resets the context that does not leave, and the desktop survives.
            """)
        var figures: [String: Double] = ["slice µs": Double(Self.sliceMicroseconds), "watchdog µs": Double(Self.watchdogMicroseconds)]

        // (1) Preemption granularity.
        var rows: [[String]] = []
        for preemption in [AcceleratorPreemption.workGroup, .instruction] {
            context.progress("gpu-sharing: a long and a short kernel, \(preemption.rawValue) preemption")
            let (measured, _) = try latencies(preemption)
            let key = preemption.rawValue
            figures["\(key) short µs"] = Double(measured.short)
            figures["\(key) long µs"] = Double(measured.long)
            figures["\(key) wrong"] = Double(measured.wrong)
            figures["\(key) long preemptions"] = Double(measured.longPreemptions)
            rows.append([preemption == .workGroup ? "work-group boundary (before 2016)" : "any instruction (Pascal, 2016+)",
                         duration(microseconds: Double(measured.short)), duration(microseconds: Double(measured.long)),
                         "\(measured.longPreemptions)", "\(measured.wrong)"])
        }
        let ratio = (figures["boundary short µs"] ?? 0) / max(1, figures["instruction short µs"] ?? 1)
        figures["short latency ratio"] = ratio
        finding.add(["Two programs share the accelerator: the short kernel's submit-to-completion time behind a long one."])
        finding.add(table(["preemption", "short kernel", "long kernel", "long one preempted", "wrong results"], rows))
        finding.add("Under boundary preemption the short kernel waits \(fixed(ratio, decimals: 1))× as long as under instruction-level preemption.")

        // (2) The watchdog.
        context.progress("gpu-sharing: a runaway kernel beside a well-behaved one")
        let watchdog = try context.run(RunSpec(main: "runaway", programs: ["runaway": "Accelerator/runaway.swift",
                                                                           "vector-add": "Accelerator/vector-add.swift"],
                                               alsoStarting: ["vector-add"], configuration: configuration(.workGroup)))
        let timedOut = watchdog.lines(starting: "runaway: wait ETIMEDOUT").count
        let resetAfter = try number(watchdog, "runaway: wait ", "after-us ", run: "watchdog")
        let usable = try number(watchdog, "runaway: after the reset", "wrong ", run: "watchdog")
        let survivorItems = try number(watchdog, "vector-add: ", "items ", run: "watchdog")
        let survivorWrong = try number(watchdog, "vector-add: ", "wrong ", run: "watchdog")
        let survivorLatency = try number(watchdog, "vector-add: ", "submit-to-completion-us ", run: "watchdog")
        figures["runaway timed out"] = Double(timedOut)
        figures["runaway resets"] = Double(watchdog.statistics.accelerator.filter { $0.pid == 1 }.reduce(0) { $0 + $1.resets })
        figures["runaway reset after µs"] = Double(resetAfter)
        figures["runaway wrong after reset"] = Double(usable)
        figures["survivor items"] = Double(survivorItems)
        figures["survivor wrong"] = Double(survivorWrong)
        figures["survivor µs"] = Double(survivorLatency)
        finding.add(["", "A runaway kernel (one item loops for ever) beside a vector add, boundary preemption:"])
        finding.add(table(["program", "what happened", "when"], [
            ["runaway", timedOut == 1 ? "reset by the watchdog: wait answered ETIMEDOUT" : "NOT reset", duration(microseconds: Double(resetAfter)) + " after submitting"],
            ["runaway, again", usable == 0 ? "the reset context ran a new kernel, results right" : "\(usable) results wrong after the reset", "-"],
            ["vector-add", "\(survivorItems) items, \(survivorWrong) wrong", duration(microseconds: Double(survivorLatency)) + " submit to completion"],
        ]))

        if let note = watchdog.errors.split(separator: "\n").first(where: { $0.contains("watchdog") }) {
            finding.add(["", "The kernel's note on the reset, on standard error:", "  " + note])
        }

        // (3) Isolation.
        context.progress("gpu-sharing: a spy reads the secret's device addresses")
        let isolation = try context.run(RunSpec(main: "secret", programs: ["secret": "Accelerator/secret.swift", "spy": "Accelerator/spy.swift"],
                                                configuration: configuration(.instruction)))
        let reads = isolation.lines(starting: "spy: read ")
        let values = reads.compactMap { line in line.range(of: " value ").flatMap { UInt64(line[$0.upperBound...].prefix { $0.isNumber }) } }
        let faults = reads.filter { $0.contains("faulted EFAULT") }.count
        figures["spy reads"] = Double(reads.count)
        figures["spy read the secret"] = Double(values.filter { $0 == Self.secretValue }.count)
        figures["spy read its own data"] = Double(values.filter { $0 == Self.spyMarker }.count)
        figures["spy faults"] = Double(faults)
        figures["secret intact"] = try Double(number(isolation, "secret: spy ended", "secret intact ", run: "isolation"))

        context.progress("gpu-sharing: a stray access")
        let strayRun = try context.run(RunSpec(main: "stray", programs: ["stray": "Accelerator/stray.swift"], configuration: configuration(.instruction)))
        let strayFaulted = strayRun.lines(starting: "stray: wait EFAULT").count
        let strayDead = strayRun.lines(starting: "stray: old context EIO").count
        let strayFresh = try number(strayRun, "stray: new context", "wrong ", run: "stray")
        figures["stray faulted"] = Double(strayFaulted)
        figures["stray old context refused"] = Double(strayDead)
        figures["stray new context wrong"] = Double(strayFresh)
        if case .exited(0) = strayRun.ending { figures["stray exited 0"] = 1 } else { figures["stray exited 0"] = 0 }

        finding.add(["", "One context reads another's device addresses; a kernel writes where nothing is mapped:"])
        var isolationRows = reads.map { line -> [String] in
            let address = line.dropFirst("spy: read ".count).prefix { $0 != " " }
            let value = line.range(of: " value ").flatMap { UInt64(line[$0.upperBound...].prefix { $0.isNumber }) }
            let what = value.map { $0 == Self.secretValue ? "THE SECRET" : $0 == Self.spyMarker ? "its own buffer (0xa5a5)" : "0x" + String($0, radix: 16) }
            return ["spy reads \(address)", what ?? "faulted: EFAULT (not mapped in its context)"]
        }
        isolationRows.append(["stray write to 0x2000", strayFaulted == 1 ? "faulted: EFAULT, that context only" : "did not fault"])
        isolationRows.append(["stray's next call", strayDead == 1 ? "EIO: a faulted context takes no more work" : "accepted"])
        isolationRows.append(["stray's new context", strayFresh == 0 ? "works, results right" : "\(strayFresh) results wrong"])
        finding.add(table(["access", "result"], isolationRows))
        if let report = strayRun.errors.split(separator: "\n").first(where: { $0.hasPrefix("interleave: accelerator fault") }) {
            finding.add(["", "The kernel's report of the stray access, on standard error:", "  " + report])
        }

        finding.note("""
            Two harts; the accelerator has \(AcceleratorConfiguration().lanes) lanes at \(AcceleratorConfiguration().clockFrequency / 1_000_000) MHz; \
            the kernel gives each context a \(duration(microseconds: Double(Self.sliceMicroseconds))) slice while another waits. \
            The long kernel is \(AcceleratorConfiguration().lanes) items of \(rounds) rounds of a 64-bit LCG, one work-group each; \
            the short one 4 tiny items, submitted 2 ms after the long one. The watchdog is \
            \(duration(microseconds: Double(Self.watchdogMicroseconds))), scaled from TDR's 2 s so that the run stays short; \
            it counts from the moment the kernel asked the context to leave.
            """)
        if context.makeRecorder != nil {
            let (_, traced) = try latencies(.workGroup, traced: true)
            context.show(traced, in: &finding, title: "a long and a short kernel, boundary preemption")
        }
        finding.figures = figures
        return finding
    }
}
