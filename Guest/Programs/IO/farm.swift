// farm.swift: work handed to another process over a channel — no shared memory. The
// parent spawns `farm-worker` and gives it its end: the numbers of inherited
// descriptors (a pipe each way, or one end of a socketpair; every other descriptor is
// close-on-exec, so the worker holds no end it must not), or a TCP port on
// 127.0.0.1 to connect to. It sends jobs (8-byte numbers), reads back their squares,
// and checks every one. Needs process_spawn, so Interleave only:
//
//   interleave run Guest/Programs/IO/farm.swift Guest/Programs/IO/farm-worker.swift -- pipes 100
//   (channels: pipes, socketpair, tcp)
import Sync

let channel = System.arguments.count > 1 ? System.arguments[1] : "pipes"
let jobs = max(1, System.number(2, default: 100))

func encode(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
func decode(_ bytes: [UInt8]) -> UInt64 { bytes.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * $1.offset) } }

do throws(SystemError) {
    let toWorker: FileDescriptor, fromWorker: FileDescriptor
    let worker: Process
    switch channel {
    case "pipes":
        // Every end close-on-exec but the worker's two: a child holding the parent's
        // write end of the jobs pipe would never read the end of file.
        let jobsPipe = try Pipe.make(closeOnExec: true), resultsPipe = try Pipe.make(closeOnExec: true)
        try jobsPipe.readEnd.setCloseOnExec(false)
        try resultsPipe.writeEnd.setCloseOnExec(false)
        worker = try Process.spawn("farm-worker", arguments: ["\(jobsPipe.readEnd.rawValue)", "\(resultsPipe.writeEnd.rawValue)"])
        try jobsPipe.readEnd.close()
        try resultsPipe.writeEnd.close()
        (toWorker, fromWorker) = (jobsPipe.writeEnd, resultsPipe.readEnd)
    case "socketpair":
        let (mine, theirs) = try Socket.pair(closeOnExec: true)
        try theirs.descriptor.setCloseOnExec(false)
        worker = try Process.spawn("farm-worker", arguments: ["\(theirs.descriptor.rawValue)", "\(theirs.descriptor.rawValue)"])
        try theirs.close()
        (toWorker, fromWorker) = (mine.descriptor, mine.descriptor)
    default:
        let listener = try Listener.tcp(closeOnExec: true)
        worker = try Process.spawn("farm-worker", arguments: ["tcp", "\(try listener.port())"])
        let connection = try listener.accept()
        try listener.close()
        (toWorker, fromWorker) = (connection.descriptor, connection.descriptor)
    }
    var wrong = 0
    // One job in flight at a time: a round trip per job, as a request and its answer.
    for job in 1...jobs {
        try toWorker.write(encode(UInt64(job)))
        if decode(try fromWorker.read(exactly: 8)) != UInt64(job * job) { wrong += 1 }
    }
    try toWorker.close()
    if fromWorker != toWorker { try fromWorker.close() }
    let status = try worker.wait()
    print("\(channel): \(jobs) jobs, wrong answers \(wrong), worker status \(status)")
} catch {
    print("farm: \(error.description)")
    System.exit(1)
}
