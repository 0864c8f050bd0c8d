// The socket objects themselves: what poll and epoll see in each state (the masks are
// what the host's Linux reports for the same states, by poll(2)), that each change
// wakes the waiters of the socket it concerns, that bound names and ports are given
// back when the last descriptor closes, and that ephemeral ports are handed out in turn.

@testable import Kernel
import Machine
import Testing

@Suite("Kernel: socket objects")
struct SocketObjectTests {
    /// A kernel to hold the socket layer (the context refers to it without owning it).
    static func kernel() throws -> Kernel {
        try Kernel(executable: UserProgram.elf { UserProgram.call(&$0, 93, [0]) }, name: "test", arguments: [],
                   io: KernelIO(writeOutput: { _ in }, writeError: { _ in }))
    }

    static func context(_ kernel: Kernel) -> IOContext { IOContext(kernel: kernel, cycle: 0, thread: nil, hart: nil) }

    static func file(_ socket: Socket) -> OpenFile { OpenFile(socket, flags: .readWrite, serial: 1) }
    static func events(_ socket: Socket) -> UInt32 { socket.readiness(for: file(socket)).rawValue }

    /// A watcher that records what it is told.
    final class Recorder: ReadinessWatcher {
        var told: [PollEvents] = []
        var released = 0
        func readinessChanged(_ events: PollEvents, _ context: IOContext) { told.append(events) }
        func fileReleased(_ file: OpenFile, _ context: IOContext) { released += 1 }
    }

    /// A connected UNIX stream pair, as socketpair makes it.
    static func unixPair() -> (Socket, Socket) {
        let one = Socket(family: .unix, type: .stream), two = Socket(family: .unix, type: .stream)
        for (socket, other) in [(one, two), (two, one)] {
            socket.peer = other
            socket.peerAddress = .unix(nil)
            socket.state = .connected
            socket.connectCall = .done
        }
        return (one, two)
    }

    /// A TCP listener on 127.0.0.1 with a connected client, and the accepted server end.
    static func tcpConnection(_ context: IOContext) throws -> (listener: Socket, client: Socket, server: Socket) {
        let layer = context.kernel.sockets
        let listener = Socket(family: .inet, type: .stream)
        #expect(layer.bindInet(listener, .loopback, 0) == nil)
        guard case .inet(_, let port)? = listener.localAddress else { throw Errno.EINVAL }
        listener.state = .listening(ListenQueue(backlog: 4))
        layer.startListening(listener, port: port)
        let client = Socket(family: .inet, type: .stream)
        #expect(layer.bindEphemeral(client) == nil)
        guard case .connected = layer.transport.connect(client, to: .loopback, port: port, context) else { throw Errno.ECONNREFUSED }
        let server = try #require(listener.listenQueue?.pop())
        return (listener, client, server)
    }

    @Test("new sockets are ready as Linux's are: UNIX stream OUT|HUP, TCP OUT|HUP, datagram sockets OUT")
    func newSockets() {
        #expect(Self.events(Socket(family: .unix, type: .stream)) == 0x314)
        #expect(Self.events(Socket(family: .unix, type: .datagram)) == 0x304)
        #expect(Self.events(Socket(family: .inet, type: .stream)) == 0x114)
        #expect(Self.events(Socket(family: .inet, type: .datagram)) == 0x304)
    }

    @Test("a UNIX stream pair: idle, with bytes, after the peer's SHUT_WR, after the peer closed")
    func unixStreamStates() throws {
        let kernel = try Self.kernel()
        defer { withExtendedLifetime(kernel) {} }
        let context = Self.context(kernel)
        var (a, b) = Self.unixPair()
        #expect(Self.events(a) == 0x304)
        guard case .done(3) = b.send([1, 2, 3], to: nil, flags: [], context) else { Issue.record("send"); return }
        #expect(Self.events(a) == 0x345)
        b.shutdownSend = true
        a.shutdownReceive = true
        #expect(Self.events(a) == 0x2345)
        (a, b) = Self.unixPair()
        a.released(context)
        #expect(Self.events(b) == 0x2355)
    }

    @Test("TCP: listening, established, with bytes, after the peer's FIN, after a reset")
    func tcpStates() throws {
        let kernel = try Self.kernel()
        defer { withExtendedLifetime(kernel) {} }
        let context = Self.context(kernel)
        let (listener, client, server) = try Self.tcpConnection(context)
        #expect(Self.events(listener) == 0)
        #expect(Self.events(server) == 0x104)
        guard case .done(1) = client.send([9], to: nil, flags: [], context) else { Issue.record("send"); return }
        #expect(Self.events(server) == 0x145)
        client.released(context)            // no unread bytes: a FIN
        #expect(Self.events(server) == 0x2145)
        guard case .done(1) = server.send([7], to: nil, flags: [], context) else { Issue.record("send after FIN"); return }
        #expect(Self.events(server) == 0x215d)   // the reset came back: EPIPE pending
        #expect(server.takeError() == .EPIPE)
        guard case .failed(.EPIPE) = server.send([7], to: nil, flags: [], context) else { Issue.record("second send"); return }
    }

    @Test("a listener is readable while a connection waits; closing it refuses a waiting client and resets an unaccepted one")
    func listenerQueue() throws {
        let kernel = try Self.kernel()
        defer { withExtendedLifetime(kernel) {} }
        let context = Self.context(kernel)
        let layer = context.kernel.sockets
        let listener = Socket(family: .inet, type: .stream)
        _ = layer.bindInet(listener, .any, 0)
        guard case .inet(_, let port)? = listener.localAddress else { Issue.record("no port"); return }
        listener.state = .listening(ListenQueue(backlog: 0))
        layer.startListening(listener, port: port)
        let first = Socket(family: .inet, type: .stream), second = Socket(family: .inet, type: .stream)
        _ = layer.bindEphemeral(first)
        _ = layer.bindEphemeral(second)
        guard case .connected = layer.transport.connect(first, to: .loopback, port: port, context),
              case .waiting = layer.transport.connect(second, to: .loopback, port: port, context) else {
            Issue.record("connects"); return
        }
        #expect(Self.events(listener) == 0x41)
        #expect(Self.events(second) == 0)          // SYN sent, nothing yet
        listener.released(context)
        #expect(second.takeError() == .ECONNREFUSED)
        #expect(first.pendingError == .ECONNRESET)  // accepted by nobody: reset
    }

    @Test("bytes arriving wake the receiver's waiters; bytes read wake the writer's")
    func wakes() throws {
        let kernel = try Self.kernel()
        defer { withExtendedLifetime(kernel) {} }
        let context = Self.context(kernel)
        let (a, b) = Self.unixPair()
        let onA = Recorder(), onB = Recorder()
        a.waiters.addWatcher(onA)
        b.waiters.addWatcher(onB)
        _ = b.send([1, 2, 3, 4], to: nil, flags: [], context)
        #expect(onA.told.last?.contains(.input) == true)
        #expect(onB.told.isEmpty)
        _ = a.receive(2, flags: [], context)
        #expect(onB.told.last?.contains(.output) == true)
        _ = a.receive(2, flags: .peek, context)
        #expect(onB.told.count == 1)                // a peek frees nothing
    }

    @Test("a full UNIX stream blocks the writer, not before: bytes in order, exactly once")
    func boundedStream() throws {
        let kernel = try Self.kernel()
        defer { withExtendedLifetime(kernel) {} }
        let context = Self.context(kernel)
        let (a, b) = Self.unixPair()
        var sent: [UInt8] = []
        var blocked = false
        var counter: UInt8 = 0
        while !blocked {
            let chunk = (0..<1000).map { _ in counter &+= 1; return counter }
            switch a.send(chunk, to: nil, flags: [], context) {
            case .done(let taken): sent += chunk.prefix(taken)
            case .wouldBlock: blocked = true
            default: Issue.record("send failed"); return
            }
        }
        #expect(sent.count == a.sendBufferSize)
        var received: [UInt8] = []
        while case .done(let got) = b.receive(777, flags: [], context), !got.bytes.isEmpty { received += got.bytes }
        #expect(received == sent)
    }

    @Test("closing gives back a UNIX name (the path stays taken until unlinked) and a port")
    func namesGivenBack() throws {
        let kernel = try Self.kernel()
        defer { withExtendedLifetime(kernel) {} }
        let context = Self.context(kernel)
        let layer = context.kernel.sockets
        let name = UnixName.path(key: "/tmp/s", given: Array("/tmp/s".utf8))
        let first = Socket(family: .unix, type: .stream)
        #expect(layer.bindUnix(first, name) == nil)
        first.released(context)
        guard case .failure(.ECONNREFUSED) = layer.findUnix(name, type: .stream) else { Issue.record("left path"); return }
        #expect(layer.bindUnix(Socket(family: .unix, type: .stream), name) == .EADDRINUSE)
        #expect(layer.removeUnixPath("/tmp/s"))
        guard case .failure(.ENOENT) = layer.findUnix(name, type: .stream) else { Issue.record("unlinked path"); return }
        let abstract = UnixName.abstract(Array("x".utf8))
        let second = Socket(family: .unix, type: .datagram)
        #expect(layer.bindUnix(second, abstract) == nil)
        second.released(context)
        #expect(layer.bindUnix(Socket(family: .unix, type: .datagram), abstract) == nil)
        let udp = Socket(family: .inet, type: .datagram)
        #expect(layer.bindInet(udp, .loopback, 40_000) == nil)
        #expect(layer.bindInet(Socket(family: .inet, type: .datagram), .any, 40_000) == .EADDRINUSE)
        udp.released(context)
        #expect(layer.bindInet(Socket(family: .inet, type: .datagram), .any, 40_000) == nil)
    }

    @Test("UNIX socket paths are known by their absolute, normalised form")
    func pathKeys() {
        #expect(SocketAddress.unixPathKey(Array("s".utf8), workingDirectory: "/tmp") == "/tmp/s")
        #expect(SocketAddress.unixPathKey(Array("./a/../s".utf8), workingDirectory: "/tmp/") == "/tmp/s")
        #expect(SocketAddress.unixPathKey(Array("//x///y/".utf8), workingDirectory: "/") == "/x/y")
        #expect(SocketAddress.unixPathKey(Array("../../..".utf8), workingDirectory: "/a") == "/")
    }

    @Test("ephemeral ports come in turn from 32768 and skip ports in use")
    func ephemeralPorts() throws {
        let kernel = try Self.kernel()
        defer { withExtendedLifetime(kernel) {} }
        let context = Self.context(kernel)
        let layer = context.kernel.sockets
        #expect(layer.bindInet(Socket(family: .inet, type: .stream), .any, 32769) == nil)
        var ports: [UInt16] = []
        for _ in 0..<3 {
            let socket = Socket(family: .inet, type: .stream)
            _ = layer.bindEphemeral(socket)
            if case .inet(_, let port)? = socket.localAddress { ports.append(port) }
        }
        #expect(ports == [32768, 32770, 32771])
    }

    @Test("UDP keeps message boundaries and drops what does not fit the receive buffer, as Linux does")
    func udpDrops() throws {
        let kernel = try Self.kernel()
        defer { withExtendedLifetime(kernel) {} }
        let context = Self.context(kernel)
        let layer = context.kernel.sockets
        let receiver = Socket(family: .inet, type: .datagram)
        _ = layer.bindInet(receiver, .loopback, 50_000)
        receiver.receiveBufferSize = Socket.receiveBufferMinimum
        let sender = Socket(family: .inet, type: .datagram)
        var accepted = 0
        for index in 0..<10 {
            guard case .done(100) = sender.send(Array(repeating: UInt8(index), count: 100), to: .inet(.loopback, port: 50_000),
                                                flags: [], context) else { Issue.record("send"); return }
            accepted = receiver.queuedDatagrams
        }
        #expect(accepted >= 1 && accepted < 10)
        guard case .done(let first) = receiver.receive(1000, flags: [], context) else { Issue.record("receive"); return }
        #expect(first.bytes == Array(repeating: 0, count: 100))
        #expect(first.source != nil)
    }
}
