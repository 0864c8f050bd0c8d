// The file system against Linux: Guest/Programs/Checks/files.c makes every file and
// descriptor call (openat, pread64/pwrite64, lseek, fstat/newfstatat, getdents64,
// mkdirat, unlinkat, renameat2, ftruncate, fsync, getcwd/chdir, faccessat; close, dup,
// dup3, fcntl, prlimit64, readv/writev; the errnos of bad input) and prints each result,
// inside a folder it makes under /tmp and removes. Under qemu-riscv64 the calls reach
// the host's Linux, so the two outputs must be the same, byte for byte.

import Kernel
import Testing

@Suite("Files: the same results and errnos as Linux (qemu-riscv64)")
struct FileSystemReferenceTests {
    @Test("every file and descriptor call prints the same under the kernel as under qemu-riscv64",
          .needsGuestToolchain, .needsQemu)
    func matchesQemu() throws {
        let elf = try GuestPrograms.build("Checks/files.c")
        let ours = try run(elf)
        #expect(ours.ending == .exited(status: 0), "\(ours.text)")
        #expect(ours.text.hasSuffix("done\n"))
        #expect(ours.text.split(separator: "\n").count > 200)
        let reference = try GuestPrograms.runUnderQemu(elf)
        let theirs = String(decoding: reference.output, as: UTF8.self)
        let ourLines = ours.text.split(separator: "\n", omittingEmptySubsequences: false)
        let theirLines = theirs.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, (mine, other)) in zip(ourLines, theirLines).enumerated() where mine != other {
            Issue.record("line \(index + 1): kernel \"\(mine)\", Linux \"\(other)\"")
            break
        }
        #expect(ours.text == theirs)
        #expect(reference.status == 0)
    }
}
