// I/O as the kernel records it: through a pipe (Guest/Programs/Pipes/pipe-stream.c) every
// write and read is an event with its byte count, the writes tile the stream from 0 to
// the last byte in order and so do the reads, every read gets an arrow from a write in
// the Perfetto trace, every block for I/O is announced by the call that waits, and every
// I/O wake names a thread that was waiting. Over TCP (the lab's event-loop server and
// client) each accept shares its connection with one connect, and each socket read has
// an arrow from a write of the other process. Through every socket call of the sockets
// checks (Checks/sockets.c: peeks, MSG_WAITALL, shutdowns, datagrams) each stream's
// writes and its consuming reads still tile it.

import Foundation
import Kernel
import Machine
import Testing
import Trace

@Suite("Kernel: I/O in the trace")
struct IOTraceKernelTests {
    static let total = 60_000

    static func tracedPipe(harts: Int, seed: UInt64) throws -> (ending: ProcessEnding, log: TraceLog) {
        let elf = try GuestPrograms.build("Pipes/pipe-stream.c")
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 32 << 20
        configuration.harts = harts
        configuration.seed = seed
        configuration.jitter = 3_000
        configuration.scheduling = .roundRobin(sliceCycles: 20_000, tickCycles: 10_000)
        let recorder = TraceRecorder(clockFrequency: configuration.clockFrequency, harts: harts)
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: elf, name: "pipe-stream", arguments: ["threads", "\(seed)", "\(total)"],
                                configuration: configuration, io: streams.io, trace: recorder)
        return (kernel.run(), recorder.log)
    }

    @Test("a pipe's writes and reads tile its stream in order, and each read has an arrow from a write",
          .needsGuestToolchain, arguments: [1, 2])
    func pipeTransfers(harts: Int) throws {
        let (ending, log) = try Self.tracedPipe(harts: harts, seed: 3)
        #expect(ending == .exited(status: 0))
        var writes: [IOTransfer] = [], reads: [IOTransfer] = []
        for event in log.events {
            switch event.kind {
            case .ioWrite(let transfer) where transfer.stream != 0: writes.append(transfer)
            case .ioRead(let transfer) where transfer.stream != 0: reads.append(transfer)
            default: break
            }
        }
        #expect(Set(writes.map(\.stream)).count == 1 && Set(reads.map(\.stream)) == Set(writes.map(\.stream)))
        for transfers in [writes, reads] {
            var position: UInt64 = 0
            for transfer in transfers {
                #expect(transfer.start == position, "each transfer starts where the last ended")
                position = transfer.range.upperBound
            }
            #expect(position == UInt64(Self.total))
        }
        // Perfetto: one "bytes" arrow per read, each from a write event's time and thread.
        let json = ChromeTraceWriter.render(log)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let events = try #require(root["traceEvents"] as? [[String: Any]])
        let finishes = events.filter { $0["name"] as? String == "bytes" && $0["ph"] as? String == "f" }
        #expect(finishes.count == reads.count)
    }

    @Test("every block for I/O follows a wait event of the same thread, and every wake names a waiting thread",
          .needsGuestToolchain)
    func waitsAndWakes() throws {
        let (ending, log) = try Self.tracedPipe(harts: 2, seed: 5)
        #expect(ending == .exited(status: 0))
        var announced: Set<Int32> = [], waiting: Set<Int32> = [], blocks = 0, wakes = 0
        for event in log.events {
            switch event.kind {
            case .ioWait(let tid, let call, _):
                #expect(call == 63 || call == 64, "a pipe's reader and writer wait in read and write")
                announced.insert(tid)
            case .threadStops(let tid, .waitingForIO, _):
                #expect(announced.remove(tid) != nil, "thread \(tid) blocked for I/O without a wait event")
                waiting.insert(tid)
                blocks += 1
            case .ioWake(_, let woken, let events):
                #expect(waiting.remove(woken) != nil, "woke \(woken), which was not waiting")
                #expect(events != 0)
                wakes += 1
            default: break
            }
        }
        #expect(blocks > 0 && wakes > 0 && wakes <= blocks)
    }

    @Test("over TCP every accept takes the connection of one connect, and reads get arrows from the other process",
          .needsGuestToolchain)
    func connectionsOverTCP() throws {
        let connections = 12
        var elves: [String: [UInt8]] = [:]
        for name in ["event-loop-server", "event-loop-client"] { elves[name] = try GuestPrograms.build("Lab/\(name).c") }
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 64 << 20
        configuration.harts = 2
        let recorder = TraceRecorder(clockFrequency: configuration.clockFrequency, harts: 2)
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: try #require(elves["event-loop-server"]), name: "event-loop-server",
                                arguments: ["epoll", "\(connections)", "2", "tcp"], configuration: configuration,
                                io: streams.io, programs: elves, trace: recorder)
        #expect(kernel.run() == .exited(status: 0))
        let log = recorder.log
        var connects: [UInt32] = [], accepts: [UInt32] = [], socketReads = 0
        for event in log.events {
            switch event.kind {
            case .connect(_, _, let result, let connection):
                #expect(result == 0)
                connects.append(connection)
            case .accept(_, _, _, let connection):
                #expect(connects.contains(connection), "an accept after its connect")
                accepts.append(connection)
            case .ioRead(let transfer) where transfer.stream != 0: socketReads += 1
            default: break
            }
        }
        #expect(connects.count == connections && !connects.contains(0))
        #expect(Set(connects).count == connections && Set(accepts) == Set(connects))
        #expect(socketReads >= 2 * 2 * connections, "each request and each answer read")
        let json = ChromeTraceWriter.render(log)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let events = try #require(root["traceEvents"] as? [[String: Any]])
        func arrows(_ name: String) -> [(start: [String: Any], finish: [String: Any])] {
            var starts: [Int: [String: Any]] = [:], pairs: [([String: Any], [String: Any])] = []
            for event in events where event["name"] as? String == name {
                guard let id = event["id"] as? Int else { continue }
                if event["ph"] as? String == "s" { starts[id] = event }
                if event["ph"] as? String == "f", let start = starts[id] { pairs.append((start, event)) }
            }
            return pairs
        }
        #expect(arrows("connection").count == connections)
        let bytes = arrows("bytes")
        #expect(bytes.count == socketReads)
        #expect(bytes.allSatisfy { $0.start["pid"] as? Int != $0.finish["pid"] as? Int }, "from one process to the other")
    }

    @Test("every socket call of the sockets checks: each stream's writes and reads tile it, peeks leave it alone",
          .needsGuestToolchain)
    func everySocketCall() throws {
        let elf = try GuestPrograms.build("Checks/sockets.c")
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 32 << 20
        let recorder = TraceRecorder(clockFrequency: configuration.clockFrequency, harts: 1)
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: elf, name: "sockets", arguments: [], configuration: configuration,
                                io: streams.io, trace: recorder)
        _ = kernel.run()
        var written: [UInt32: UInt64] = [:], read: [UInt32: UInt64] = [:], transfers = 0
        for event in recorder.log.events {
            switch event.kind {
            case .ioWrite(let transfer) where transfer.stream != 0:
                #expect(transfer.start == written[transfer.stream, default: 0], "stream \(transfer.stream): writes tile it")
                written[transfer.stream] = transfer.range.upperBound
                transfers += 1
            case .ioRead(let transfer) where transfer.stream != 0:
                #expect(transfer.start == read[transfer.stream, default: 0], "stream \(transfer.stream): reads tile it")
                read[transfer.stream] = transfer.range.upperBound
                #expect(transfer.range.upperBound <= written[transfer.stream, default: 0], "nothing read before it is written")
                transfers += 1
            default: break
            }
        }
        #expect(transfers > 10 && written.count > 3)
    }
}
