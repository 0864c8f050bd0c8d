// Readiness under the kernel: a thread blocked in ppoll, pselect6 or epoll_wait is woken
// by another thread's write (on one hart and on two); timeouts end at the right
// simulated time; with 10,000 idle descriptors poll's cost per call grows with them and
// epoll_wait's does not (simulated cycles, never host time); select refuses descriptor
// 1024. The programs get their descriptors from the test: doorbells, small objects that
// become readable when written to, so these tests need no other kind of descriptor.

@testable import Kernel
import Machine
import Testing

/// A test object: readable once something was written to it (until read), always writable.
final class Doorbell: FileObject {
    let kind = FileKind.eventfd
    let waiters = WaitQueue()
    var rings = 0

    init(rung: Bool = false) { rings = rung ? 1 : 0 }

    func read(_ count: Int, from file: OpenFile, _ context: IOContext) -> IOOutcome<[UInt8]> {
        guard rings > 0 else { return .wouldBlock(waiters) }
        let taken = min(count, rings)
        rings -= taken
        waiters.wake(.output, context)
        return .done([UInt8](repeating: 1, count: taken))
    }

    func write(_ bytes: [UInt8], to file: OpenFile, _ context: IOContext) -> IOOutcome<Int> {
        rings += bytes.count
        waiters.wake([.input, .readNormal], context)
        return .done(bytes.count)
    }

    func readiness(for file: OpenFile) -> PollEvents {
        rings > 0 ? [.input, .readNormal, .output, .writeNormal] : [.output, .writeNormal]
    }
}

/// A regular file as far as epoll_ctl can tell.
final class PlainFile: FileObject {
    let kind = FileKind.regular
    let waiters = WaitQueue()
}

@Suite("Kernel: readiness (pselect6, ppoll, epoll)")
struct ReadinessTests {
    /// Runs `elf` with `objects` installed as descriptors 3, 4, ...
    static func run(_ elf: [UInt8], arguments: [String] = [], objects: [FileObject],
                    configure: (inout KernelConfiguration) -> Void = { _ in }) throws -> (text: String, ending: ProcessEnding) {
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 64 << 20
        configuration.fileDescriptorLimit = max(DescriptorTable.defaultLimit, objects.count + 16)
        configure(&configuration)
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: elf, name: "readiness", arguments: arguments,
                                configuration: configuration, io: streams.io)
        for object in objects {
            let file = OpenFile(object, flags: .readWrite, serial: kernel.nextFileSerial())
            _ = kernel.firstProcess.descriptors.install(file, atOrAbove: 3)
        }
        let ending = kernel.run()
        return (String(decoding: streams.output + streams.error, as: UTF8.self), ending)
    }

    static let calls = ["poll", "select", "epoll"]

    @Test("a blocked wait is woken by another thread's write; a 5 ms timeout ends after 5 ms",
          .needsGuestToolchain, arguments: calls, [1, 2])
    func wokenByWrite(_ call: String, harts: Int) throws {
        let elf = try GuestPrograms.build("Readiness/wake.c")
        let result = try Self.run(elf, arguments: [call], objects: [Doorbell(), Doorbell()]) { $0.harts = harts }
        #expect(result.ending == .exited(status: 0), "\(result.text)")
        let lines = result.text.split(separator: "\n").map(String.init)
        #expect(lines.first == "\(call): woken with 1, events 0x1, after 2 ms or more: yes", "\(result.text)")
        // 5 ms of simulated time, plus the calls' own few microseconds.
        let timed = try #require(lines.dropFirst().first)
        #expect(timed.hasPrefix("\(call): 5 ms timeout gives 0, events 0x0, waited 50"), "\(timed)")
        let words = timed.split(separator: " ")
        let waited = words.count >= 2 ? Int(words[words.count - 2]) ?? 0 : 0
        #expect((5000...5010).contains(waited), "\(timed)")
        if call == "select" { #expect(lines.last == "time left 0.000000000", "\(result.text)") }
    }

    @Test("10,000 idle descriptors and one ready: poll's cost grows with the idle ones, epoll_wait's does not; select refuses 1024",
          .needsGuestToolchain)
    func idleDescriptorsCost() throws {
        let elf = try GuestPrograms.build("Readiness/idle-cost.c")
        let objects: [FileObject] = [Doorbell(rung: true)] + (0..<10_000).map { _ in Doorbell() }
        let result = try Self.run(elf, objects: objects)
        #expect(result.ending == .exited(status: 0), "\(result.text)")
        var costs: [String: Int] = [:]
        for line in result.text.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count >= 6, words.last == "ns" else { continue }
            #expect(words[words.count - 4] == "1", "one ready descriptor: \(line)")
            costs["\(words[0]) \(words[1] == "up" ? words[3].dropLast() : words[1])"] = Int(words[words.count - 2])
        }
        let poll10 = try #require(costs["poll 10"]), poll10000 = try #require(costs["poll 10000"])
        let epoll10 = try #require(costs["epoll 10"]), epoll10000 = try #require(costs["epoll 10000"])
        // 9,990 more descriptors scanned at 100 ns each: about a millisecond more per call.
        #expect(poll10000 - poll10 >= 9_990 * 100, "\(costs)")
        #expect(poll10000 - poll10 <= 9_990 * 100 + 1_000, "\(costs)")
        #expect(poll10000 > 100 * epoll10000, "\(costs)")
        // epoll_wait looks at its ready list only: the same cost for 10 or 10,000 registered.
        #expect(epoll10000 == epoll10, "\(costs)")
        #expect(try #require(costs["select 1004"]) > (try #require(costs["select 14"])) + 900 * 100, "\(costs)")
        #expect(result.text.contains("select naming descriptor 1024: -22\n"), "\(result.text)")
        #expect(result.text.contains("select with nfds 1024 beside it: 1\n"), "\(result.text)")
    }

    @Test("what qemu-riscv64 cannot check: EPERM for a regular file, nfds past 1024 cut to the table, the exact time left, epoll_pwait2, a closed nested instance",
          .needsGuestToolchain)
    func edges() throws {
        let elf = try GuestPrograms.build("Readiness/edges.c")
        let result = try Self.run(elf, objects: [PlainFile(), Doorbell(rung: true), Doorbell()])
        #expect(result.ending == .exited(status: 0), "\(result.text)")
        let expected = """
            epoll_ctl add a regular file: -1
            pselect6 nfds 1025: 1
            pselect6 nfds 2000: 1
            pselect6 closed 100 past the table: 0
            pselect6 closed 60 inside it: -9
            pselect6 1 s, ready: 1, left 0.999999700
            ppoll 1 s, ready: 1, left 0.999999700
            epoll_pwait2 timeout -1 s: -22
            epoll_pwait2 timeout at address 8: -14
            epoll_pwait2 maxevents 0: -22
            epoll_pwait2 1 ms, idle: 0 after 1002 us; timeout left 0.001000000
            epoll_pwait2 no timeout, ready: 1 (data 2)
            outer sees inner: 1
            inner closed: 0
            """
        #expect(result.text.split(separator: "\n").map(String.init) == expected.split(separator: "\n").map(String.init))
    }

    // MARK: The epoll object itself

    /// A kernel to give the objects a context (its program never runs).
    static func context() throws -> IOContext {
        let elf = UserProgram.elf { asm in UserProgram.call(&asm, 93, [0]) }
        let kernel = try Kernel(executable: elf, name: "idle", arguments: [], configuration: KernelConfiguration(),
                                io: KernelIO(writeOutput: { _ in }, writeError: { _ in }))
        return IOContext(kernel: kernel, cycle: 0, thread: nil, hart: nil)
    }

    static func file(_ object: FileObject, _ serial: UInt64) -> OpenFile {
        let file = OpenFile(object, flags: .readWrite, serial: serial)
        file.retain()
        return file
    }

    @Test("epoll_wait looks only at listed entries: 10,000 idle registrations, one ready, one entry examined")
    func readyListOnly() throws {
        let context = try Self.context()
        let epoll = EpollInstance()
        var bells: [Doorbell] = []
        for index in 0..<10_000 {
            let bell = Doorbell()
            bells.append(bell)
            epoll.add(Self.file(bell, UInt64(index + 1)), fd: Int32(index + 3), interest: 1 | 0x18, data: UInt64(index), context)
        }
        #expect(epoll.readyCount == 0)
        _ = bells[7_777].write([1], to: Self.file(bells[7_777], 99_999), context)
        #expect(epoll.readyCount == 1)
        var seen: [UInt64] = []
        let outcome = epoll.collect(limit: 8) { _, event in seen.append(event.data); return true }
        #expect(outcome.delivered == 1 && outcome.examined == 1 && !outcome.faulted)
        #expect(seen == [7_777])
        // Level-triggered: back on the list; drained, it is dropped at the next look.
        #expect(epoll.readyCount == 1)
        _ = bells[7_777].read(8, from: Self.file(bells[7_777], 99_998), context)
        let again = epoll.collect(limit: 8) { _, _ in true }
        #expect(again.delivered == 0 && again.examined == 1 && epoll.readyCount == 0)
    }

    @Test("edge-triggered: listed once per wake; one-shot: disarmed until modified; a released description leaves")
    func modes() throws {
        let context = try Self.context()
        let epoll = EpollInstance()
        let edge = Doorbell(), once = Doorbell()
        let edgeFile = Self.file(edge, 1), onceFile = Self.file(once, 2)
        epoll.add(edgeFile, fd: 3, interest: 1 | 0x18 | EpollFlag.edgeTriggered, data: 3, context)
        epoll.add(onceFile, fd: 4, interest: 1 | 0x18 | EpollFlag.oneShot, data: 4, context)
        func wait() -> [UInt64] {
            var seen: [UInt64] = []
            _ = epoll.collect(limit: 8) { _, event in seen.append(event.data); return true }
            return seen
        }
        #expect(wait() == [])
        _ = edge.write([1], to: edgeFile, context)
        _ = once.write([1], to: onceFile, context)
        #expect(wait() == [3, 4])
        #expect(wait() == [])
        _ = edge.write([1], to: edgeFile, context)
        _ = once.write([1], to: onceFile, context)
        #expect(wait() == [3], "the one-shot registration is disarmed")
        let registration = try #require(epoll.registration(EpollKey(file: 2, fd: 4)))
        epoll.modify(registration, interest: 1 | 0x18 | EpollFlag.oneShot, data: 5, context)
        #expect(wait() == [5])
        // The last descriptor of the edge-triggered file's description closes.
        _ = edge.write([1], to: edgeFile, context)
        #expect(epoll.readyCount == 1)
        edge.waiters.fileReleased(edgeFile, context)
        #expect(epoll.readyCount == 0 && epoll.registrationCount == 1 && edge.waiters.watchers.isEmpty)
        epoll.released(context)
        #expect(epoll.registrationCount == 0 && once.waiters.watchers.isEmpty)
    }

    @Test("nested instances: a cycle or a sixth instance in a chain is refused (ELOOP), through a web where instances share children")
    func nesting() throws {
        let context = try Self.context()
        var serial: UInt64 = 0
        func add(_ inner: EpollInstance, to outer: EpollInstance) -> Bool {
            guard !outer.wouldLoop(adding: inner) else { return false }
            serial += 1
            outer.add(Self.file(inner, serial), fd: Int32(serial), interest: 1 | 0x18, data: serial, context)
            return true
        }
        // Three levels, each instance of one level watching every instance of the next.
        let levels = (0..<3).map { _ in (0..<20).map { _ in EpollInstance() } }
        for level in 0..<2 {
            for outer in levels[level] { for inner in levels[level + 1] { #expect(add(inner, to: outer)) } }
        }
        let bottom = try #require(levels[2].first), top = try #require(levels[0].first)
        #expect(!add(top, to: bottom), "a cycle")
        #expect(!add(bottom, to: bottom), "itself")
        // Linux allows five instances in a chain (EP_MAX_NESTS = 4 levels below the top).
        let fourth = EpollInstance(), fifth = EpollInstance(), sixth = EpollInstance(), above = EpollInstance()
        #expect(add(fourth, to: bottom), "four instances deep")
        #expect(add(fifth, to: fourth), "five instances deep")
        #expect(!add(sixth, to: fifth), "six instances deep")
        #expect(!add(top, to: above), "six instances deep, counted from above")
        #expect(add(EpollInstance(), to: sixth), "two instances apart from the rest")
    }
}
