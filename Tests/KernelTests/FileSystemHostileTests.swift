// Hostile arguments to every file call: negative and huge counts, offsets and
// descriptors, pointers to nowhere and to the top of the address space. Each call
// answers with an errno (or a result); none may trap the host, and the program runs on.

import Kernel
import Testing

@Suite("Files: hostile arguments")
struct FileSystemHostileTests {
    static let calls: [Int64] = [17, 34, 35, 46, 48, 49, 56, 61, 62, 67, 68, 79, 80, 82, 83, 276]

    static let patterns: [[Int64]] = [
        [-1, -1, -1, -1, -1, -1],
        [Int64.max, Int64.max, Int64.max, Int64.max, Int64.max, Int64.max],
        [Int64.min, Int64.min, Int64.min, Int64.min, Int64.min, Int64.min],
        [-100, 0xFFFF_FFFF_FFF0, 1 << 20, 0, -100, 0xFFFF_FFFF_FFF0],
        [-100, UserProgram.data, 0o101, 0o644, -100, UserProgram.data],   // "/tmp/x" created
        [3, UserProgram.data + 0x100, Int64.max, Int64.max - 2, 0, 0],     // fd 3 at huge offsets
        [3, UserProgram.data + 0x100, 4096, (1 << 62) + 7, 1, 0],
        [3, 1 << 40, 1, 1 << 40, 0x1000, 1],
        [-100, UserProgram.data, 0x7FFF_FFFF, 0x7FFF_FFFF, 0x7FFF_FFFF, 0x7FFF_FFFF],
    ]

    @Test("every file call with hostile arguments answers without trapping the host")
    func hostileArguments() throws {
        let elf = UserProgram.elf(data: Array("/tmp/x".utf8) + [0]) { asm in
            for pattern in Self.patterns {
                for call in Self.calls { UserProgram.call(&asm, call, pattern) }
            }
            UserProgram.call(&asm, 93, [0])
        }
        let result = try run(elf)
        #expect(result.ending == .exited(status: 0), "\(result.text)")
    }
}
