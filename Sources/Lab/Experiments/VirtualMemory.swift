// Experiment 4, virtual-memory (Windows 1.0 onwards): two processes of the same program
// store their own value at the same virtual address and each reads back its own; a third
// process stores through a bad pointer and only it ends.

import Kernel

extension Experiment {
    static let virtualMemory = Experiment(
        number: 4, name: "virtual-memory",
        summary: "Two processes, one virtual address, two values; a stray write ends only its process.",
        chapter: "Windows 1.0: virtual memory",
        body: { context in try VirtualMemory(context).run() })
}

struct VirtualMemory {
    let context: LabContext
    init(_ context: LabContext) { self.context = context }

    func run() throws -> Finding {
        var configuration = context.baseConfiguration()
        configuration.harts = context.options.harts ?? 1
        context.options.era?.apply(to: &configuration)
        let result = try context.run(RunSpec(main: "same-address",
                                             programs: ["same-address": "Processes/same-address.swift", "fault": "Processes/fault.swift"],
                                             alsoStarting: ["same-address", "fault"], configuration: configuration, traced: true))
        // "process 1: slot at 70000 holds 1111 (its own)"
        let reports = result.lines(starting: "process ").filter { $0.contains("slot at") }
        let addresses = Set(reports.compactMap { integer(after: "slot at ", in: $0) })
        let values = Set(reports.compactMap { integer(after: " holds ", in: $0) })
        let own = reports.filter { $0.hasSuffix("(its own)") }.count
        var finding = Finding(point: """
            Every process has its own page tables, so the same virtual address leads each to a frame of its own: \
            two processes store different values at one address and each reads back its own. \
            A stray write faults in the MMU and the kernel ends only the process that made it.
            """)
        for report in reports {
            guard let pid = integer(after: "process ", in: report), let address = integer(after: "slot at ", in: report),
                  let value = integer(after: " holds ", in: report) else { continue }
            finding.add("  process \(pid): the global at virtual address 0x\(String(address, radix: 16)) holds \(value)"
                        + (report.hasSuffix("(its own)") ? ", the value it stored" : ", NOT the value it stored"))
        }
        finding.add("")
        let rows = result.statistics.processes.map { process in
            [String(process.pid), process.name, process.ending.map(describe) ?? "running"]
        }
        finding.add(table(["pid", "program", "ending"], rows))
        let faulting = result.statistics.processes.first { $0.name == "fault" }
        let others = result.statistics.processes.filter { $0.name != "fault" }
        finding.figures = [
            "reports": Double(reports.count), "distinct addresses": Double(addresses.count),
            "distinct values": Double(values.count), "own values": Double(own),
            "fault status": Double(faulting?.ending?.status ?? -1),
            "others exited 0": Double(others.filter { $0.ending == .exited(status: 0) }.count),
            "others": Double(others.count),
        ]
        context.show(result, in: &finding, title: "virtual memory: two processes and a stray write")
        return finding
    }

    func describe(_ ending: ProcessEnding) -> String {
        switch ending {
        case .exited(let status): "exited with status \(status)"
        case .killed(let fault):
            "killed by the kernel\(fault.signal == 11 ? " (segmentation fault)" : ""): address 0x\(String(fault.address, radix: 16)), status \(ending.status)"
        default: "ended with status \(ending.status)"
        }
    }
}
