// farm-worker.swift: farm.swift's worker process. Arguments: the descriptor numbers it
// inherited to read jobs from and write results to, or `tcp PORT` to connect to its
// parent. Reads 8-byte numbers until the end of file and answers each with its square.
import Sync

let arguments = System.arguments
do throws(SystemError) {
    let input: FileDescriptor, output: FileDescriptor
    if arguments.count > 2 && arguments[1] == "tcp" {
        let socket = try Socket.connected(to: .loopback(port: UInt16(clamping: System.number(2, default: 0))))
        (input, output) = (socket.descriptor, socket.descriptor)
    } else {
        input = FileDescriptor(Int32(clamping: System.number(1, default: 0)))
        output = FileDescriptor(Int32(clamping: System.number(2, default: 1)))
    }
    while true {
        let job = try input.read(exactly: 8)
        if job.count < 8 { break }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(job[index]) << (8 * index) }
        let square = value &* value
        try output.write((0..<8).map { UInt8(truncatingIfNeeded: square >> (8 * $0)) })
    }
} catch {
    print("farm-worker: \(error.description)")
    System.exit(1)
}
