// Real bare-metal software on the bare machine: the teaching kernel of
// Guest/BareMetal/teaching-kernel (written as kernels for QEMU's virt board are: M-mode
// start, PMP, Sv39 tables without A/D bits, UART, PLIC, a virtio disk read and written
// under interrupts), and a Spike-style program printing through HTIF from segments
// whose flags are empty.

import Testing
@testable import Machine

@Suite(.enabled(if: CrossTools.available, "needs clang and ld.lld for riscv64"))
struct TeachingKernelTests {
    static func disk() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 128 * 512)
        bytes.replaceSubrange(0 ..< 27, with: Array("hello from the disk image!\n".utf8))
        return bytes
    }

    static func boot(_ storage: MemoryBlockStorage, configure: (inout MachineConfiguration) -> Void = { _ in })
        throws -> (stop: StopReason, output: String, machine: Machine) {
        let image = try ELFImage(bytes: try BareMetalC.build("teaching-kernel"))
        var configuration = MachineConfiguration()
        configuration.ramSize = 128 << 20
        configure(&configuration)
        let machine = try Machine(configuration: configuration)
        try machine.load(image)
        try machine.attachDrive(storage)
        let stop = machine.run(budget: 20_000_000)
        return (stop, String(decoding: machine.uart.takeOutput(), as: UTF8.self), machine)
    }

    @Test func bootsReadsAndWritesItsDisk() throws {
        let storage = MemoryBlockStorage(bytes: Self.disk())
        let (stop, output, machine) = try Self.boot(storage)
        #expect(stop == .powerOff(exitCode: 0), "\(stop)\n\(output)")
        #expect(output == """
            teaching kernel: S-mode
            paging on: Sv39, page tables without A and D bits
            virtio disk: 128 sectors
            sector 0: hello from the disk image!
            sector 1 written and read back
            A and D set by the hardware: yes
            disk interrupts: 3

            """)
        let written = "written by the teaching kernel: hello from the disk image!\n"
        #expect(Array(storage.bytes[512 ..< 512 + written.utf8.count]) == Array(written.utf8))
        #expect(machine.virtio[0].requestsServed == 3)
    }

    /// QEMU's virt board, the machine the kernel was written for, prints the same and
    /// leaves the same disk.
    @Test(.needsQemuSystem) func qemuAgrees() throws {
        let storage = MemoryBlockStorage(bytes: Self.disk())
        let (stop, output, _) = try Self.boot(storage)
        let qemu = try QemuSystem.boot(kernel: try BareMetalC.build("teaching-kernel"), disk: Self.disk())
        #expect(stop == .powerOff(exitCode: 0) && qemu.status == 0)
        #expect(output == qemu.output.replacingOccurrences(of: "\r\n", with: "\n"))
        #expect(storage.bytes == qemu.disk)
    }

    /// The same kernel on four harts, under a strict PMP (it sets its own entry) and with caches.
    @Test func bootsUnderOtherConfigurations() throws {
        for configure: (inout MachineConfiguration) -> Void in [
            { $0.hartCount = 4 }, { $0.pmpPolicy = .strict }, { $0.memoryHierarchy = MemoryPreset.named("zen4")?.hierarchy },
        ] {
            let (stop, output, _) = try Self.boot(MemoryBlockStorage(bytes: Self.disk()), configure: configure)
            #expect(stop == .powerOff(exitCode: 0), "\(stop)\n\(output)")
            #expect(output.contains("sector 1 written and read back"))
        }
    }

    /// What happened before the walker set A and D: the first fetch after paging is on
    /// faults, and so does the fetch of the handler; the run ends with the report.
    @Test func withoutHardwareAccessedDirtyTheKernelCannotStart() throws {
        let (stop, output, machine) = try Self.boot(MemoryBlockStorage(bytes: Self.disk()), configure: { $0.accessDirtyUpdates = .pageFault })
        guard case .fatal(let report) = stop else {
            Issue.record("expected the unhandled-trap report, got \(stop)")
            return
        }
        #expect(report.cause == ExceptionCause.instructionPageFault.rawValue && report.privilege == .supervisor, "\(report)")
        #expect(!output.contains("paging on"))
        // The frame-pointer chain leads back from kvminithart to kmain.
        let image = try ELFImage(bytes: try BareMetalC.build("teaching-kernel"))
        #expect(image.nearestSymbol(atOrBefore: report.pc)?.symbol.name == "kvminithart")
        let callers = machine.harts[0].frameChain().compactMap { image.nearestSymbol(atOrBefore: $0)?.symbol.name }
        #expect(callers.first == "kmain", "\(callers)")
    }

    @Test func aReadOnlyDiskRefusesTheWrite() throws {
        let storage = MemoryBlockStorage(bytes: Self.disk(), readOnly: true)
        let (stop, output, _) = try Self.boot(storage)
        #expect(stop == .powerOff(exitCode: 3))
        #expect(output.contains("write of sector 1 failed: status 1"))
        #expect(storage.bytes == Self.disk())
    }

    @Test func spikeStyleProgramPrintsThroughHTIF() throws {
        let image = try ELFImage(bytes: try BareMetalC.build("spike-hello"))
        #expect(image.segments.allSatisfy { !$0.readable && !$0.writable && !$0.executable }, "segments without flags")
        var configuration = MachineConfiguration()
        configuration.ramSize = 16 << 20
        let machine = try Machine(configuration: configuration)
        try machine.load(image)
        let stop = machine.run(budget: 1_000_000)
        #expect(stop == .toHost(exitCode: 0))
        let output = try #require(machine.htif).takeOutput()
        #expect(String(decoding: output.standardOutput, as: UTF8.self) == "hello from a Spike-style program\nsum of the first 100 squares: 338350\n")
    }
}
