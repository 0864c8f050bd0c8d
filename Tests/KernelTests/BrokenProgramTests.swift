// Swift programs that are broken on purpose (Guest/Programs/Broken): each ends with the
// status and the report the issue promises, never with a hung or crashed host.

import Kernel
import Testing

@Suite("Kernel: broken Swift programs")
struct BrokenProgramTests {
    @Test("an index out of range stops at Swift's trap, in the function that indexed", .needsGuestToolchain)
    func outOfBounds() throws {
        let elf = try GuestPrograms.build("Broken/out-of-bounds.swift")
        let result = try run(elf)
        guard case .killed(let fault) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(result.ending.status == 132)
        #expect(result.text.hasPrefix("about to read index 3"))
        #expect(fault.symbol?.contains("element") == true, "symbol: \(fault.symbol ?? "none")")
        #expect(fault.explanation.contains("index out of range"))
    }

    @Test("a store into the first page is a segmentation fault naming the function and address", .needsGuestToolchain)
    func nullPointer() throws {
        let elf = try GuestPrograms.build("Broken/null-pointer.swift")
        let result = try run(elf)
        guard case .killed(let fault) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(result.ending.status == 139)
        #expect(fault.address == 16)
        #expect(fault.instruction?.hasPrefix("sd") == true || fault.instruction?.hasPrefix("c.sd") == true)
        #expect(fault.symbol?.contains("store") == true, "symbol: \(fault.symbol ?? "none")")
    }

    @Test("allocating without bound ends at the memory limit with a report", .needsGuestToolchain)
    func allocateForever() throws {
        let elf = try GuestPrograms.build("Broken/allocate-forever.swift")
        let result = try run(elf) { $0.memoryLimit = 32 << 20 }
        guard case .outOfMemory(let report) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(result.ending.status == 137)
        #expect(report.contains("32 MiB"))
        #expect(result.statistics.peakMemory <= 32 << 20)
    }

    @Test("endless output is cut at the limit and the program stopped", .needsGuestToolchain)
    func flood() throws {
        let elf = try GuestPrograms.build("Broken/flood.swift")
        let result = try run(elf) { $0.outputLimit = 256 << 10 }
        guard case .outputLimit = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(result.output.count == 256 << 10)
        #expect(result.ending.status == 153)
    }

    @Test("an endless loop stops at the instruction limit, in the spinning function", .needsGuestToolchain)
    func spin() throws {
        let elf = try GuestPrograms.build("Broken/spin.swift")
        let result = try run(elf) { $0.instructionLimit = 2_000_000 }
        guard case .instructionLimit(let report) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(result.ending.status == 152)
        #expect(result.text == "spinning\n")
        #expect(report.contains("spin"))
    }
}
