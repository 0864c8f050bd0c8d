// The kernel against a reference: the project's own Swift programs (Guest/Programs/Checks)
// print the same bytes and exit with the same status under `interleave run`'s kernel as
// under qemu-riscv64, Linux's own user-mode emulator.

import Kernel
import Testing
import Toolchain

@Suite("Kernel: same output as qemu-riscv64")
struct ReferenceTests {
    static let programs = ["integers", "floats", "strings", "collections", "classes", "recursion"]

    @Test("Swift programs match qemu-riscv64 byte for byte", .needsGuestToolchain, .needsQemu, arguments: programs)
    func matchesQemu(_ name: String) throws {
        let elf = try GuestPrograms.build("Checks/\(name).swift")
        let ours = try run(elf) { $0.memoryLimit = 64 << 20 }
        if case .exited = ours.ending {} else { Issue.record("\(name): \(ours.ending)") }
        #expect(!ours.output.isEmpty)
        let reference = try GuestPrograms.runUnderQemu(elf)
        #expect(ours.text == String(decoding: reference.output, as: UTF8.self), "\(name)")
        #expect(ours.ending.status == reference.status, "\(name)")
    }

    @Test("the runtime's allocator reuses freed memory: 200,000 small and 200 large allocate/free pairs stay within a few mappings",
          .needsGuestToolchain)
    func heapReuse() throws {
        let elf = try GuestPrograms.build("Checks/heap-reuse.c")
        let ours = try run(elf) { $0.memoryLimit = 64 << 20 }
        #expect(ours.ending == .exited(status: 0), "\(ours.text)")
        #expect(ours.statistics.peakMemory <= 8 << 20, "touched \(ours.statistics.peakMemory) bytes")
    }

    @Test("the allocator's C program prints the same under qemu-riscv64", .needsGuestToolchain, .needsQemu)
    func heapReuseMatchesQemu() throws {
        let elf = try GuestPrograms.build("Checks/heap-reuse.c")
        let ours = try run(elf) { $0.memoryLimit = 64 << 20 }
        let reference = try GuestPrograms.runUnderQemu(elf)
        #expect(ours.text == String(decoding: reference.output, as: UTF8.self))
        #expect(reference.status == 0)
    }

    @Test("a Swift program runs the same at -Onone and -Osize as at -O", .needsGuestToolchain)
    func optimizationLevels() throws {
        let fast = try GuestPrograms.build("Checks/collections.swift")
        let small = try GuestPrograms.build("Checks/collections.swift", optimization: .size)
        let plain = try GuestPrograms.build("Checks/collections.swift", optimization: .none)
        let expected = try run(fast).text
        #expect(try run(small).text == expected)
        #expect(try run(plain) { $0.memoryLimit = 64 << 20 }.text == expected)
    }

    @Test("the same guest and seed give byte-identical output and counts", .needsGuestToolchain)
    func deterministicGuest() throws {
        let elf = try GuestPrograms.build("Checks/collections.swift")
        let first = try run(elf, configure: { $0.seed = 99 })
        let second = try run(elf, configure: { $0.seed = 99 })
        #expect(first.output == second.output)
        #expect(first.statistics == second.statistics)
    }
}
