// library.swift: the guest library's I/O types at work in one process — pipes,
// descriptors duplicated and flagged, socketpairs, a TCP listener on 127.0.0.1 that a
// socket of the same process connects to, UDP and UNIX names, and EventLoops over pipes
// and sockets with timers. Every line is deterministic, so the output is compared byte
// for byte between Interleave's kernel and qemu-riscv64.
//
//   interleave run Guest/Programs/IO/library.swift [pipes|sockets|loop|loop-sockets]...
//
// With no argument every part runs; each part needs only some of the kernel's I/O:
// pipes (pipe2, dup, fcntl, SIGPIPE), sockets, loop (pipes and epoll), loop-sockets.
import Sync

let parts = System.arguments.dropFirst()
func wanted(_ part: String) -> Bool { parts.isEmpty || parts.contains(part) }

func show(_ label: String, _ body: () throws(SystemError) -> String) {
    do {
        print("\(label): \(try body())")
    } catch {
        print("\(label): error \(error.description)")
    }
}

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

if wanted("pipes") {
    // Pipes: bytes in order, the end of file after the writer closes, EAGAIN when empty
    // and non-blocking, EPIPE when nobody reads.
    show("pipe") { () throws(SystemError) -> String in
        let (readEnd, writeEnd) = try Pipe.make()
        try writeEnd.write("hello, ")
        try writeEnd.write("pipe")
        try writeEnd.close()
        let first = try readEnd.read(exactly: 11)
        let end = try readEnd.read(maxCount: 10)
        try readEnd.close()
        return "\(text(first)) then \(end.count) bytes (end of file)"
    }
    show("pipe non-blocking") { () throws(SystemError) -> String in
        let (readEnd, writeEnd) = try Pipe.make(nonBlocking: true)
        defer { try? readEnd.close(); try? writeEnd.close() }
        do throws(SystemError) {
            _ = try readEnd.read(maxCount: 4)
            return "read an empty pipe"
        } catch {
            return "empty read \(error.description), non-blocking \(try readEnd.isNonBlocking())"
        }
    }
    show("pipe fill") { () throws(SystemError) -> String in
        let (readEnd, writeEnd) = try Pipe.make(nonBlocking: true)
        defer { try? readEnd.close(); try? writeEnd.close() }
        let chunk = [UInt8](repeating: 7, count: 4096)
        var total = 0
        while true {
            let taken = chunk.withUnsafeBytes { raw -> Result<Int, SystemError> in
                do throws(SystemError) { return .success(try writeEnd.writeSome(raw)) } catch { return .failure(error) }
            }
            guard case .success(let count) = taken else { break }
            total += count
        }
        return "a pipe holds \(total) bytes"
    }
    show("broken pipe") { () throws(SystemError) -> String in
        try Signals.ignoreBrokenPipe()
        let (readEnd, writeEnd) = try Pipe.make()
        try readEnd.close()
        defer { try? writeEnd.close() }
        do throws(SystemError) {
            try writeEnd.write("nobody")
            return "wrote to a pipe nobody reads"
        } catch {
            return error.description
        }
    }

    // eventfd: a counter added to and taken whole, or one at a time as a semaphore.
    show("eventfd") { () throws(SystemError) -> String in
        let counter = try EventCounter.make(initial: 2, nonBlocking: true)
        try counter.add(3)
        try counter.add(4)
        let whole = try counter.take()
        var empty = "took from zero"
        do throws(SystemError) { _ = try counter.take() } catch { empty = error.description }
        let semaphore = try EventCounter.make(initial: 2, semaphore: true)
        let first = try semaphore.take()
        let second = try semaphore.take()
        let ready = try semaphore.descriptor.wait(for: .readable, timeout: 0)
        try counter.close()
        try semaphore.close()
        return "took \(whole), then \(empty); semaphore \(first) \(second), readable at zero: \(ready.contains(.readable))"
    }

    // Descriptors: the lowest free number, dup shares status flags, close-on-exec is
    // per descriptor, a closed one is EBADF.
    show("descriptors") { () throws(SystemError) -> String in
        let (readEnd, writeEnd) = try Pipe.make()
        let copy = try writeEnd.duplicate()
        let cloexec = try writeEnd.duplicate(closeOnExec: true)
        try writeEnd.setNonBlocking()
        let shared = try copy.isNonBlocking()
        let flags = "\(try writeEnd.isCloseOnExec()) \(try cloexec.isCloseOnExec())"
        let moved = try readEnd.duplicate(as: FileDescriptor(40))
        try copy.write("via dup ")
        try cloexec.write("and dup3")
        for fd in [writeEnd, copy, cloexec, readEnd] { try fd.close() }
        let received = try moved.read(exactly: 16)
        try moved.close()
        var badClose = "closed twice"
        do throws(SystemError) { try copy.close() } catch { badClose = error.description }
        let base = readEnd.rawValue   // qemu-riscv64 may hold descriptors of its own: print offsets
        return "numbers +\(writeEnd.rawValue - base) +\(copy.rawValue - base) +\(cloexec.rawValue - base) -> \(moved.rawValue); "
            + "shared O_NONBLOCK \(shared); FD_CLOEXEC \(flags); \(text(received)); \(badClose)"
    }
}

if wanted("sockets") {
    // A socketpair: both directions, shutdown, datagrams keep their boundaries.
    show("socketpair") { () throws(SystemError) -> String in
        let (left, right) = try Socket.pair()
        try left.send(all: "ping")
        let got = try right.receive(maxCount: 16)
        try right.send(all: "pong")
        let back = try left.receive(maxCount: 16)
        try left.shutdown(.writing)
        let end = try right.receive(maxCount: 16)
        try left.close()
        try right.close()
        return "\(text(got)) \(text(back)), after shutdown \(end.count) bytes"
    }
    show("datagram pair") { () throws(SystemError) -> String in
        let (left, right) = try Socket.pair(.datagram)
        defer { try? left.close(); try? right.close() }
        try left.send(all: "one")
        try left.send(all: "three")
        let first = try right.receive(maxCount: 2)
        let second = try right.receive(maxCount: 16)
        return "\(text(first)) \(text(second)) (a datagram's rest is dropped)"
    }

    // TCP on 127.0.0.1: a listener on a free port, a client in the same process, the
    // addresses each side sees, EADDRINUSE and ECONNREFUSED.
    show("tcp") { () throws(SystemError) -> String in
        let listener = try Listener.tcp()
        let port = try listener.port()
        let client = try Socket.connected(to: .loopback(port: port))
        let server = try listener.accept()
        try client.send(all: "request")
        let request = try server.receive(maxCount: 64)
        try server.send(all: "reply to " + text(request))
        let reply = try client.receive(maxCount: 64)
        let serverSees = try server.localAddress()
        let samePort = try client.peerAddress() == serverSees
        let peerIsClient = try server.peerAddress() == client.localAddress()
        var second = "bound twice"
        do throws(SystemError) { _ = try Listener.listening(on: .loopback(port: port), reuseAddress: false) } catch { second = error.description }
        try client.close()
        let end = try server.receive(maxCount: 64)
        try server.close()
        try listener.close()
        var refused = "connected to nobody"
        do throws(SystemError) { _ = try Socket.connected(to: .loopback(port: port)) } catch { refused = error.description }
        return "\(text(reply)); port > 0 \(port > 0); \(serverSees.description.hasPrefix("127.0.0.1:")) \(samePort) "
            + "\(peerIsClient); end \(end.count); again: \(second); closed: \(refused)"
    }
    show("udp") { () throws(SystemError) -> String in
        let receiver = try Socket.datagram(boundTo: .loopback(port: 0))
        let sender = try Socket.datagram(boundTo: .loopback(port: 0))
        defer { try? receiver.close(); try? sender.close() }
        let target = try receiver.localAddress()
        try sender.send(Array("datagram".utf8), to: target)
        let (bytes, from) = try receiver.receiveWithAddress(maxCount: 64)
        return "\(text(bytes)) from the sender \(try from == sender.localAddress())"
    }
    show("unix abstract") { () throws(SystemError) -> String in
        let name = SocketAddress.abstract(name: "interleave-library-\(System.processID)")
        let listener = try Listener.listening(on: name)
        let client = try Socket.connected(to: name)
        let server = try listener.accept()
        try client.send(all: "over a name")
        let got = try server.receive(maxCount: 64)
        let sees = try listener.address() == name
        let clientName = try client.localAddress()
        for socket in [client, server, listener.socket] { try socket.close() }
        return "\(text(got)); listener named \(sees); client \(clientName)"
    }
    show("socket errors") { () throws(SystemError) -> String in
        let (readEnd, writeEnd) = try Pipe.make()
        defer { try? readEnd.close(); try? writeEnd.close() }
        var results: [String] = []
        do throws(SystemError) { _ = try Socket(descriptor: readEnd).localAddress() } catch { results.append(error.description) }
        do throws(SystemError) { _ = try Socket(descriptor: FileDescriptor(999)).receive(maxCount: 1) } catch { results.append(error.description) }
        return results.joined(separator: ", ")
    }
    // Descriptors passed over a socketpair (SCM_RIGHTS): a pipe's write end travels,
    // the received copy writes into the same pipe, and the stream read ends with the
    // byte that carried it.
    show("passing descriptors") { () throws(SystemError) -> String in
        let (left, right) = try Socket.pair()
        let (readEnd, writeEnd) = try Pipe.make()
        try left.send(all: "ab")
        try left.send(Array("c".utf8), passing: [writeEnd])
        try left.send(all: "de")
        try writeEnd.close()
        let carrying = try right.receive(maxCount: 16, maxDescriptors: 4, closeOnExec: true)
        let after = try right.receive(maxCount: 16, maxDescriptors: 4)
        var result = "\(text(carrying.bytes)) with \(carrying.descriptors.count), \(text(after.bytes)) with "
            + "\(after.descriptors.count), truncated \(carrying.truncated)"
        if let received = carrying.descriptors.first {
            try received.write("through the copy")
            result += "; close-on-exec \(try received.isCloseOnExec())"
            try received.close()
            result += "; pipe got \(text(try readEnd.read(exactly: 64)))"
        }
        try readEnd.close()
        try left.close()
        try right.close()
        return result
    }
    show("buffer sizes") { () throws(SystemError) -> String in
        let (left, right) = try Socket.pair()
        defer { try? left.close(); try? right.close() }
        try left.setSendBufferSize(65536)
        try left.setReceiveBufferSize(32768)
        return "send \(try left.sendBufferSize()), receive \(try left.receiveBufferSize())"
    }
}

if wanted("loop") {
    // An EventLoop over a pipe: the read end edge-triggered, messages sent by a
    // repeating timer one at a time, the write end watched one-shot (armed twice),
    // the end of the stream seen as a hang-up once the writer has closed.
    show("pipe loop") { () throws(SystemError) -> String in
        let loop = try EventLoop()
        let (readEnd, writeEnd) = try Pipe.make(nonBlocking: true)
        var log: [String] = []
        var sent = 0, received = 0, writable = 0
        try loop.register(readEnd, for: .readable, trigger: .edge) { events in
            while let bytes = try? readEnd.read(maxCount: 64), !bytes.isEmpty {
                received += 1
                log.append("\(text(bytes)) (\(events))")
            }
            if events.contains(.hangUp) {
                log.append("hang-up (\(events))")
                try? loop.close(readEnd)
                loop.stop()
            }
        }
        // The messages start once the write end has been reported twice, so the order
        // of the log does not depend on how fast the host runs qemu.
        try loop.register(writeEnd, for: .writable, oneShot: true) { events in
            writable += 1
            log.append("writable \(writable) (\(events))")
            if writable < 2 {
                try? loop.modify(writeEnd, for: .writable, oneShot: true)
                return
            }
            loop.schedule(after: 1_000_000, repeating: 1_000_000) {
                guard sent == received else { return }
                if sent == 3 {
                    if loop.isRegistered(writeEnd) { try? loop.close(writeEnd) }
                    return
                }
                sent += 1
                try? writeEnd.write("m\(sent)")
            }
        }
        try loop.run()
        let counts = "registered \(loop.registeredCount), live timers \(loop.liveTimerCount)"
        try loop.close()
        return "\(log.joined(separator: "; ")); \(counts)"
    }
}

if wanted("loop") {
    // Timers alone: 60 one-shot timers with scrambled delays, every third cancelled —
    // half before the loop runs, half by the action of the timer due first; the others
    // must fire in deadline order, and none of the cancelled ones.
    show("timer order") { () throws(SystemError) -> String in
        let loop = try EventLoop()
        var fired: [Int] = []
        var timers: [EventLoopTimer] = []
        var first = -1
        var seed: UInt64 = 12345
        for index in 0..<60 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let delay = (seed >> 33) % 3_000_000 + UInt64(index % 7) * 1_000
            timers.append(loop.schedule(after: delay) {
                fired.append(index)
                if index == first {
                    for other in stride(from: 30, to: 60, by: 3) where other != first { loop.cancel(timers[other]) }
                }
            })
        }
        let deadlines = timers.map { $0.deadline }
        first = (0..<60).filter { $0 >= 30 || $0 % 3 != 0 }.min { deadlines[$0] < deadlines[$1] } ?? 0
        for index in stride(from: 0, to: 30, by: 3) { loop.cancel(timers[index]) }
        let pendingBefore = timers.filter { $0.isPending }.count
        try loop.run()
        let cancelledRan = fired.filter { $0 % 3 == 0 && $0 != first }.count
        // Which timer is due first depends on the clock while they were scheduled (under
        // qemu, the host's): 40 or 41 fire, so the line says whether the right ones did.
        let expected = 50 - stride(from: 30, to: 60, by: 3).filter { $0 != first }.count
        let firedText = fired.count == expected ? "every one not cancelled" : "\(fired.count) of \(expected)"
        let ordered = zip(fired, fired.dropFirst()).allSatisfy { deadlines[$0.0] <= deadlines[$0.1] }
        try loop.close()
        return "pending \(pendingBefore), fired \(firedText), in deadline order \(ordered), cancelled ones that ran \(cancelledRan), "
            + "still pending \(timers.filter { $0.isPending }.count)"
    }

    // Timers already due when the loop starts — as every one of "timer order"'s was when
    // a busy host paused qemu between scheduling and running: the first turn fires them
    // all before its wait, and then, with nothing left to wait for, must not block.
    show("timers due at once") { () throws(SystemError) -> String in
        let loop = try EventLoop()
        var fired: [String] = []
        for index in 0..<3 { loop.schedule(after: 0) { fired.append("t\(index)") } }
        try loop.run()
        let counts = "live timers \(loop.liveTimerCount), waits \(loop.waitCount)"
        try loop.close()
        return "\(fired.joined(separator: " ")); \(counts)"
    }
}

if wanted("loop-sockets") {
    // The EventLoop: an echo over a socketpair driven by readiness; a repeating timer sends
    // the next message once the last one's echo is back (one in flight, so the output does
    // not depend on the host's speed under qemu); a one-shot timer fires, another is
    // cancelled before its time; the fourth echo stops the loop.
    show("event loop") { () throws(SystemError) -> String in
        let loop = try EventLoop()
        let (client, server) = try Socket.pair(nonBlocking: true)
        var log: [String] = []
        var sent = 0, echoed = 0
        try loop.register(server.descriptor, for: .readable) { _ in
            while let bytes = try? server.receive(maxCount: 64), !bytes.isEmpty {
                try? server.send(all: bytes)
            }
        }
        var ticker: EventLoopTimer?
        try loop.register(client.descriptor, for: .readable, trigger: .edge) { events in
            while let bytes = try? client.receive(maxCount: 64), !bytes.isEmpty {
                echoed += 1
                log.append("echo \(text(bytes)) (\(events))")
            }
            if echoed == 4 {
                if let ticker { loop.cancel(ticker) }
                loop.stop()
            }
        }
        ticker = loop.schedule(after: 1_000_000, repeating: 1_000_000) {
            guard sent == echoed && sent < 4 else { return }
            sent += 1
            try? client.send(all: "tick\(sent)")
        }
        var oneShot = "one-shot pending"
        loop.schedule(after: 500_000) { oneShot = "one-shot fired" }
        let never = loop.schedule(after: 60_000_000_000) { log.append("cancelled timer ran") }
        loop.cancel(never)
        try loop.run()
        let registered = loop.registeredCount
        try loop.deregister(server.descriptor)
        try loop.close(client.descriptor)
        try server.close()
        try loop.close()
        return "\(log.joined(separator: "; ")); \(oneShot); sent \(sent), registered \(registered), live timers \(loop.liveTimerCount)"
    }
    show("listener in a loop") { () throws(SystemError) -> String in
        let loop = try EventLoop()
        let listener = try Listener.tcp()
        let port = try listener.port()
        var served = 0
        var clients: [Socket] = []
        try loop.serve(listener) { connection in
            served += 1
            try? loop.register(connection.descriptor, for: .readable) { _ in
                guard let bytes = try? connection.receive(maxCount: 64) else { return }
                if bytes.isEmpty {
                    try? loop.close(connection.descriptor)
                } else {
                    try? connection.send(all: bytes)
                }
            }
        }
        for index in 0..<3 {
            let client = try Socket.connected(to: .loopback(port: port))
            try client.send(all: "client\(index)")
            clients.append(client)
        }
        var answers: [String] = []
        while answers.count < 3 {
            try loop.runOnce(timeout: 50_000_000)
            for client in clients {
                if let bytes = try? client.receive(maxCount: 64, flags: .dontWait), !bytes.isEmpty { answers.append(text(bytes)) }
            }
        }
        for client in clients { try client.close() }
        while loop.registeredCount > 1 { try loop.runOnce(timeout: 50_000_000) }
        try loop.close(listener.descriptor)
        try loop.close()
        return "served \(served): \(answers.sorted().joined(separator: " "))"
    }
}

