// The bench's C program of the CoreMark kind (Guest/Programs/Bench/coremark-kind.c), built
// against glibc as `interleave bench` builds it, at small iteration counts (no timing): it
// checks its own CRCs against the values it knows, so a wrong interpreter fails it with no
// reference, and it prints the same under the kernel as under qemu-riscv64.

import Kernel
import Testing

@Suite struct CoreMarkKindTests {
    static func build() throws -> [UInt8] { try GlibcPrograms.build("Bench/coremark-kind.c") }

    @Test("at 10 iterations its CRCs and checksum are the ones it knows", .needsGlibcToolchain)
    func checksItself() throws {
        let run = try GlibcPrograms.runSeparately(try Self.build(), name: "coremark-kind", arguments: ["10"])
        #expect(run.status == 0, "\(run.ending) \(run.output) \(run.error)")
        #expect(run.output.contains("coremark-kind: 10 iterations\n"), "\(run.output)")
        #expect(run.output.hasSuffix("first iteration and checksum checked: correct\n"), "\(run.output)")
        #expect(!run.output.contains("MISMATCH"))
        #expect(run.statistics.instructions > 1_000_000, "\(run.statistics.instructions)")
    }

    @Test("the same output as qemu-riscv64 at 1, 3 and 10 iterations, and the same usage error",
          .needsGlibcToolchain, .needsQemu)
    func sameAsQemu() throws {
        let elf = try Self.build()
        for arguments in [["1"], ["3"], ["10"], ["ten"]] {
            let run = try GlibcPrograms.runSeparately(elf, name: "coremark-kind", arguments: arguments)
            let reference = try GuestPrograms.runUnderQemu(elf, arguments: arguments)
            #expect(run.output == String(decoding: reference.output, as: UTF8.self), "\(arguments): \(run.error)")
            #expect(run.status == reference.status, "\(arguments)")
            #expect(run.status == (arguments == ["ten"] ? 2 : 0), "\(arguments): \(run.ending)")
        }
    }
}
