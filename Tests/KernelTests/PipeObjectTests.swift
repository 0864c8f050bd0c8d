// The pipe and eventfd objects on their own: the ring buffer against a plain array under
// seeded random operations (wrapping, growing, resizing), readiness as poll and epoll will
// see it, and the wakes each change sends to the other end's waiters (what epoll
// registrations hear).

@testable import Kernel
import Machine
import Testing

@Suite("Pipes: the objects")
struct PipeObjectTests {
    /// Records every readiness change it is told of.
    final class Recorder: ReadinessWatcher {
        var events: [PollEvents] = []
        var released = 0
        func readinessChanged(_ events: PollEvents, _ context: IOContext) { self.events.append(events) }
        func fileReleased(_ file: OpenFile, _ context: IOContext) { released += 1 }
    }

    static func kernel() throws -> Kernel {
        let elf = UserProgram.elf { asm in UserProgram.call(&asm, 93, [0]) }
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 16 << 20
        return try Kernel(executable: elf, name: "test", arguments: [], configuration: configuration,
                          io: KernelIO(writeOutput: { _ in }, writeError: { _ in }))
    }

    struct Ends {
        let buffer = PipeBuffer()
        let reader: PipeEnd, writer: PipeEnd
        let readFile: OpenFile, writeFile: OpenFile
        init() {
            reader = PipeEnd(buffer, isReadEnd: true)
            writer = PipeEnd(buffer, isReadEnd: false)
            readFile = OpenFile(reader, flags: [], serial: 1)
            writeFile = OpenFile(writer, flags: .writeOnly, serial: 2)
        }
    }

    @Test("the ring buffer gives back exactly what went in, in order, through wraps, growth and resizes (1,000 seeded operations)")
    func ringMatchesModel() {
        var random = Random(seed: 42)
        let buffer = PipeBuffer()
        var model: [UInt8] = []
        var produced: UInt64 = 0
        for step in 0..<1_000 {
            switch random.next() % 10 {
            case 0:
                let size = [4096, 8192, 65536, 1 << 20][Int(random.next() % 4)]
                let refused = buffer.resize(to: size)
                #expect((refused == .EBUSY) == (model.count > size), "step \(step)")
                if refused == nil { #expect(buffer.capacity == size) }
            case 1...5:
                let count = Int(random.next() % 9000) + 1
                let room = buffer.capacity - model.count
                let bytes = (0..<count).map { UInt8(truncatingIfNeeded: produced &+ UInt64($0)) }
                let taken = buffer.append(bytes[...])
                #expect(taken == min(count, room), "step \(step)")
                model += bytes.prefix(taken)
                produced &+= UInt64(taken)
            default:
                let count = Int(random.next() % 12000) + 1
                let taken = buffer.take(count)
                #expect(taken == Array(model.prefix(count)), "step \(step)")
                model.removeFirst(taken.count)
            }
            #expect(buffer.count == model.count)
            #expect(buffer.count <= buffer.capacity)
        }
    }

    @Test("readiness: the read end is POLLIN with bytes and POLLHUP with no writer; the write end POLLOUT with PIPE_BUF free and POLLERR with no reader")
    func readiness() throws {
        let kernel = try Self.kernel()
        let context = IOContext(kernel: kernel, cycle: 0, thread: nil, hart: nil)
        let ends = Ends()
        #expect(ends.reader.readiness(for: ends.readFile) == [])
        #expect(ends.writer.readiness(for: ends.writeFile) == [.output, .writeNormal])
        guard case .done(let taken) = ends.writer.write([UInt8](repeating: 7, count: 65536 - 4095), to: ends.writeFile, context) else {
            Issue.record("write did not complete")
            return
        }
        #expect(taken == 65536 - 4095)
        #expect(ends.reader.readiness(for: ends.readFile) == [.input, .readNormal])
        #expect(ends.writer.readiness(for: ends.writeFile) == [], "4095 bytes free is less than PIPE_BUF")
        // An atomic write that does not fit waits, having taken nothing.
        guard case .wouldBlock = ends.writer.write([UInt8](repeating: 1, count: 4096), to: ends.writeFile, context) else {
            Issue.record("a 4096-byte write into 4095 free bytes must wait")
            return
        }
        #expect(ends.buffer.count == 65536 - 4095)
        _ = ends.reader.read(1, from: ends.readFile, context)
        #expect(ends.writer.readiness(for: ends.writeFile) == [.output, .writeNormal])
        ends.writer.released(context)
        #expect(ends.reader.readiness(for: ends.readFile) == [.input, .readNormal, .hangUp])
        guard case .done(let rest) = ends.reader.read(1 << 20, from: ends.readFile, context) else {
            Issue.record("read did not complete")
            return
        }
        #expect(rest.count == 65536 - 4096)
        #expect(ends.reader.readiness(for: ends.readFile) == [.hangUp])
        guard case .done(let end) = ends.reader.read(10, from: ends.readFile, context) else {
            Issue.record("end of file must complete")
            return
        }
        #expect(end.isEmpty)

        let other = Ends()
        other.reader.released(context)
        #expect(other.writer.readiness(for: other.writeFile) == [.output, .writeNormal, .error])
        guard case .failed(.EPIPE) = other.writer.write([1], to: other.writeFile, context) else {
            Issue.record("a write with no reader must fail with EPIPE")
            return
        }
    }

    @Test("every write tells the readers' watchers; writers hear when PIPE_BUF bytes are free again; a close tells the other end")
    func wakes() throws {
        let kernel = try Self.kernel()
        let context = IOContext(kernel: kernel, cycle: 0, thread: nil, hart: nil)
        let ends = Ends()
        let readers = Recorder(), writers = Recorder()
        ends.reader.waiters.addWatcher(readers)
        ends.writer.waiters.addWatcher(writers)
        _ = ends.writer.write([1, 2, 3], to: ends.writeFile, context)
        #expect(readers.events == [[.input, .readNormal]] && writers.events.isEmpty)
        _ = ends.writer.write([UInt8](repeating: 9, count: 70_000), to: ends.writeFile, context)
        #expect(readers.events.count == 2, "every write tells the readers")
        _ = ends.reader.read(2, from: ends.readFile, context)
        #expect(writers.events.isEmpty, "2 bytes free: a writer could not go on yet")
        _ = ends.reader.read(4094, from: ends.readFile, context)
        #expect(writers.events == [[.output, .writeNormal]], "PIPE_BUF bytes free again")
        _ = ends.reader.read(100, from: ends.readFile, context)
        #expect(writers.events.count == 1, "no news for writers while the pipe has room")
        ends.writer.released(context)
        #expect(readers.events.last == [.input, .hangUp])
        let other = Ends()
        let otherWriters = Recorder()
        other.writer.waiters.addWatcher(otherWriters)
        other.reader.released(context)
        #expect(otherWriters.events == [[.error]])
    }

    @Test("eventfd: the count adds up, a read takes it all (or 1 as a semaphore), overflow waits, readiness follows")
    func eventCounter() throws {
        let kernel = try Self.kernel()
        let context = IOContext(kernel: kernel, cycle: 0, thread: nil, hart: nil)
        let counter = EventCounter(initial: 0, isSemaphore: false)
        let file = OpenFile(counter, flags: .readWrite, serial: 1)
        let watcher = Recorder()
        counter.waiters.addWatcher(watcher)
        #expect(counter.readiness(for: file) == [.output, .writeNormal])
        guard case .wouldBlock = counter.read(8, from: file, context) else { Issue.record("empty must wait"); return }
        guard case .done(8) = counter.write(littleEndianBytes(UInt64(40)), to: file, context) else { Issue.record("write"); return }
        guard case .done(8) = counter.write(littleEndianBytes(UInt64(2)), to: file, context) else { Issue.record("write"); return }
        #expect(counter.readiness(for: file) == [.input, .readNormal, .output, .writeNormal])
        #expect(watcher.events.count == 2 && watcher.events.allSatisfy { $0.contains(.input) })
        guard case .done(let bytes) = counter.read(8, from: file, context) else { Issue.record("read"); return }
        #expect(littleEndianWord(bytes, at: 0) == 42 && counter.value == 0)
        guard case .done(8) = counter.write(littleEndianBytes(UInt64.max - 1), to: file, context) else { Issue.record("max"); return }
        #expect(counter.readiness(for: file) == [.input, .readNormal])
        guard case .wouldBlock = counter.write(littleEndianBytes(UInt64(1)), to: file, context) else { Issue.record("overflow must wait"); return }
        guard case .failed(.EINVAL) = counter.write(littleEndianBytes(UInt64.max), to: file, context) else { Issue.record("2^64-1"); return }
        guard case .failed(.EINVAL) = counter.read(7, from: file, context) else { Issue.record("short read"); return }

        let semaphore = EventCounter(initial: 2, isSemaphore: true)
        let semaphoreFile = OpenFile(semaphore, flags: .readWrite, serial: 2)
        for expected: UInt64 in [1, 1] {
            guard case .done(let taken) = semaphore.read(8, from: semaphoreFile, context) else { Issue.record("semaphore"); return }
            #expect(littleEndianWord(taken, at: 0) == expected)
        }
        guard case .wouldBlock = semaphore.read(8, from: semaphoreFile, context) else { Issue.record("semaphore at 0 must wait"); return }
    }

    @Test("SIGPIPE's ending reports status 141 and wait status 13; signal state across process_spawn keeps only SIG_IGN")
    func signalState() {
        let ending = ProcessEnding.signalled(signal: 13, report: "r")
        #expect(ending.status == 141 && ending.waitStatus == 13 && ending.isFailure)
        var state = SignalState()
        state.setAction(13, SignalAction(handler: SignalAction.ignoreHandler))
        state.setAction(10, SignalAction(handler: 0x1234, flags: 0x1000_0000, mask: 1))
        let child = state.acrossExec
        #expect(child.action(13).handler == SignalAction.ignoreHandler)
        #expect(child.action(10) == SignalAction())
        #expect(SignalState().action(64) == SignalAction())
    }

    /// A small seeded generator (SplitMix64).
    struct Random {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
