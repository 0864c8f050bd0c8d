// fd 0 at the kernel's level: with no standard input (KernelIO.readInput nil, as when the
// shell closed it) read gives EBADF before looking at the count or the buffer, as Linux
// does; with one, read moves the bytes and then reports end of file.

import Kernel
import Machine
import Testing

@Suite("Kernel: standard input")
struct StandardInputTests {
    /// Three reads of fd 0 (16 bytes, 0 bytes, 16 bytes into a null buffer); their results
    /// go to the data area as three words, and the program writes them out and exits.
    static let program = UserProgram.elf { asm in
        for (index, (count, buffer)) in [(Int64(16), UserProgram.data + 64), (0, UserProgram.data + 64), (16, 0)].enumerated() {
            UserProgram.call(&asm, 63, [0, buffer, count])
            asm.li(.t0, UserProgram.data + Int64(index) * 8)
            asm.sd(.a0, 0, .t0)
        }
        UserProgram.call(&asm, 64, [1, UserProgram.data, 24])
        UserProgram.call(&asm, 93, [0])
    }

    static func results(_ io: KernelIO) throws -> [Int64] {
        let output = Box()
        var streams = io
        streams.writeOutput = { output.bytes += $0 }
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 16 << 20
        let kernel = try Kernel(executable: program, name: "read", arguments: [], configuration: configuration, io: streams)
        #expect(kernel.run() == .exited(status: 0))
        return (0..<output.bytes.count / 8).map { Int64(bitPattern: littleEndianWord(output.bytes, at: $0 * 8)) }
    }

    final class Box { var bytes: [UInt8] = [] }

    @Test("closed: every read of fd 0 gives EBADF, even of 0 bytes or into a bad buffer")
    func closed() throws {
        let io = KernelIO(readInput: nil, writeOutput: { _ in }, writeError: { _ in })
        #expect(try Self.results(io) == [-9, -9, -9])
    }

    @Test("open: the bytes, then 0 for a 0-byte read, then EFAULT for a bad buffer")
    func open() throws {
        let io = KernelIO(readInput: { Array("hello".utf8.prefix($0)) }, writeOutput: { _ in }, writeError: { _ in })
        #expect(try Self.results(io) == [5, 0, -14])
    }
}
