// The kernel's TCP and UDP between machines (Sources/Kernel/Net/), two kernels driven by
// hand (TwoMachineHarness.swift) running Guest/Programs/Net/peer.c: bytes arrive once and
// in order, across drops too (and retransmissions are counted exactly when packets were
// dropped); a 1 MiB transfer through the 64 KiB window; Linux's errors (ECONNREFUSED,
// ECONNRESET then EPIPE, ETIMEDOUT after the retries, EHOSTUNREACH, ENETUNREACH); half
// close; TIME_WAIT then the port free again; UDP across machines with EMSGSIZE past one
// packet; the same seed, the same packets.

@testable import Kernel
import Machine
import Testing

@Suite("Kernel: TCP and UDP between machines")
struct NetworkStackTests {
    static func peer() throws -> [UInt8] { try GuestPrograms.build("Net/peer.c") }

    /// A server on 10.0.0.1 and a client on 10.0.0.2.
    static func pair(server: [String], client: [String], latency: UInt64 = 10_000,
                     configure: (Int, inout KernelConfiguration) -> Void = { _, _ in }) throws -> TwoMachineHarness {
        let elf = try peer()
        return try TwoMachineHarness([(elf, server), (elf, client)], latency: latency, configure: configure)
    }

    static func line(_ harness: TwoMachineHarness, _ machine: Int) -> String {
        harness.output(machine).split(separator: "\n").map(String.init).first ?? ""
    }

    @Test("a client on one machine sends to a server on another; the reply comes back after a half close",
          .needsGuestToolchain, arguments: [1, 4])
    func transfer(harts: Int) throws {
        let harness = try Self.pair(server: ["server", "7000"], client: ["client", "10.0.0.1", "7000", "10000"]) { _, configuration in
            configuration.harts = harts
            if harts > 1 { configuration.scheduling = .roundRobin(sliceCycles: 20_000, tickCycles: 10_000) }
        }
        let endings = harness.run()
        #expect(endings == [.exited(status: 0), .exited(status: 0)], "\(harness.output(1)) \(harness.output(2))")
        #expect(Self.line(harness, 2) == "client: sent 10000, reply: got 10000 ok")
        #expect(Self.line(harness, 1) == "server: 10000 bytes, 0 out of place")
        for machine in [1, 2] {
            #expect(harness.statistics(machine).retransmissions == 0)
            #expect(harness.statistics(machine).roundTripSamples > 0)
        }
        // The handshake opens the exchange: SYN, SYN-ACK, ACK, with the MSS option.
        let first = harness.log.prefix(3).map(\.packet)
        #expect(first.map(\.tcp.flags) == [[.syn], [.syn, .ack], [.ack]])
        #expect(first[0].tcp.maximumSegmentSize == 1460 && first[1].tcp.maximumSegmentSize == 1460)
        #expect(first[1].tcp.acknowledgement == first[0].tcp.sequence &+ 1)
        #expect(harness.log.allSatisfy { $0.packet.payload.count <= 1460 })
    }

    @Test("a 1 MiB transfer goes through the receive window without a retransmission", .needsGuestToolchain)
    func largeTransfer() throws {
        let harness = try Self.pair(server: ["server", "7000"], client: ["client", "10.0.0.1", "7000", "1048576"])
        let endings = harness.run()
        #expect(endings == [.exited(status: 0), .exited(status: 0)], "\(harness.output(1)) \(harness.output(2))")
        #expect(Self.line(harness, 2) == "client: sent 1048576, reply: got 1048576 ok")
        #expect(harness.statistics(2).retransmissions == 0 && harness.statistics(1).retransmissions == 0)
        // The sender never has more in flight than the window the receiver advertised.
        let fromServer = harness.log.filter { $0.from == 1 }.map(\.packet)
        #expect(fromServer.allSatisfy { $0.tcp.window <= 65_535 })
        #expect(harness.statistics(2).bytesSent >= 1_048_576)
    }
}

extension NetworkStackTests {
    @Test("dropped segments are sent again: every byte arrives once and in order, and only then are retransmissions counted",
          .needsGuestToolchain, arguments: [0, 1, 7])
    func drops(seed: UInt64) throws {
        let harness = try Self.pair(server: ["server", "7000"], client: ["client", "10.0.0.1", "7000", "200000"]) { _, configuration in
            configuration.seed = configuration.seed &+ seed * 10
        }
        // The client's first SYN, every 29th of its data segments and some of the server's ACKs are lost.
        var dataSeen = 0, acksSeen = 0
        harness.deliver = { from, serial, packet in
            if from == 2 {
                if serial == 0 { return false }
                if !packet.payload.isEmpty {
                    dataSeen += 1
                    return (dataSeen + Int(seed)) % 29 != 0
                }
                return true
            }
            if packet.payload.isEmpty, packet.tcp.flags == [.ack] {
                acksSeen += 1
                return acksSeen % 41 != 0
            }
            return true
        }
        let endings = harness.run()
        #expect(endings == [.exited(status: 0), .exited(status: 0)], "\(harness.output(1)) \(harness.output(2))")
        #expect(Self.line(harness, 2) == "client: sent 200000, reply: got 200000 ok")
        #expect(Self.line(harness, 1) == "server: 200000 bytes, 0 out of place")
        #expect(harness.statistics(2).retransmissions > 0)
        #expect(harness.log.contains { !$0.delivered })
    }

    @Test("the same seeds give the same packets at the same cycles", .needsGuestToolchain)
    func deterministic() throws {
        func transcript() throws -> [String] {
            let harness = try Self.pair(server: ["server", "7000"], client: ["client", "10.0.0.1", "7000", "50000"])
            harness.deliver = { from, serial, _ in !(from == 2 && serial % 13 == 4) }
            harness.run()
            return harness.transcript
        }
        let first = try transcript(), second = try transcript()
        #expect(first.count > 40)
        #expect(first == second)
    }

    @Test("connect to a port nobody listens on is refused (the peer's reset)", .needsGuestToolchain)
    func refused() throws {
        let harness = try Self.pair(server: ["udp-server", "9", "1"], client: ["connect", "10.0.0.1", "7000"])
        harness.run { $0[1] != nil }
        #expect(Self.line(harness, 2).hasPrefix("connect: -111 after "), "\(harness.output(2))")
        #expect(harness.statistics(1).resetsSent == 1)
    }

    @Test("a reset ends the connection: the next read is ECONNRESET, the write after it EPIPE", .needsGuestToolchain)
    func reset() throws {
        let harness = try Self.pair(server: ["reset-server", "7000"], client: ["reset-client", "10.0.0.1", "7000"])
        let endings = harness.run()
        #expect(endings == [.exited(status: 0), .exited(status: 0)], "\(harness.output(1)) \(harness.output(2))")
        #expect(Self.line(harness, 1) == "reset-server: read 1, closed with bytes unread")
        #expect(Self.line(harness, 2) == "reset-client: write 100, read -104, write -32")
        #expect(harness.statistics(1).resetsSent >= 1)
    }

    @Test("a peer that vanishes after the handshake: the read ends with ETIMEDOUT after Linux's 15 retries (about 924 s)",
          .needsGuestToolchain)
    func vanished() throws {
        let harness = try Self.pair(server: ["server", "7000"], client: ["vanish", "10.0.0.1", "7000"])
        harness.deliver = { from, _, packet in packet.payload.isEmpty }   // nothing with data gets through
        harness.run { $0[1] != nil }
        let line = Self.line(harness, 2)
        #expect(line.hasPrefix("vanish: write 1000, read -110 after "), "\(harness.output(2))")
        let seconds = Int(line.split(separator: " ").dropLast().last ?? "") ?? 0
        #expect((900...1000).contains(seconds), "\(line)")
        #expect(harness.statistics(2).retransmissions == 15)
    }

    @Test("lab settings shorten it: 3 retries with a 50 ms minimum RTO", .needsGuestToolchain)
    func shortRetries() throws {
        let harness = try Self.pair(server: ["server", "7000"], client: ["vanish", "10.0.0.1", "7000"]) { _, configuration in
            configuration.networkStack.retries = 3
            configuration.networkStack.minimumRetransmissionMilliseconds = 50
        }
        harness.deliver = { _, _, packet in packet.payload.isEmpty }
        harness.run { $0[1] != nil }
        #expect(Self.line(harness, 2).hasPrefix("vanish: write 1000, read -110 after "), "\(harness.output(2))")
        #expect(harness.statistics(2).retransmissions == 3)
    }

    @Test("a silent host: the SYN goes 7 times and connect fails with ETIMEDOUT after about 127 s", .needsGuestToolchain)
    func silentHost() throws {
        let harness = try Self.pair(server: ["udp-server", "9", "1"], client: ["connect", "10.0.0.3", "7000"])
        harness.run { $0[1] != nil }
        let line = Self.line(harness, 2)
        #expect(line.hasPrefix("connect: -110 after "), "\(harness.output(2))")
        let milliseconds = Int(line.split(separator: " ").dropLast().last ?? "") ?? 0
        #expect((126_000...129_000).contains(milliseconds), "\(line)")
        #expect(harness.log.filter { $0.from == 2 && $0.packet.tcp.flags == [.syn] }.count == 7)
    }

    @Test("no route: an address off the network is ENETUNREACH; with known neighbours, a missing one is EHOSTUNREACH",
          .needsGuestToolchain, arguments: [("192.168.1.1", false, -101), ("10.0.0.3", true, -113)])
    func unreachable(address: String, neighbours: Bool, errno: Int) throws {
        let harness = try Self.pair(server: ["udp-server", "9", "1"], client: ["connect", address, "7000"])
        if neighbours { for kernel in harness.kernels { kernel.setNetworkNeighbours([.machine(1), .machine(2)]) } }
        harness.run { $0[1] != nil }
        #expect(Self.line(harness, 2) == "connect: \(errno) after 0 ms", "\(harness.output(2))")
        #expect(harness.log.isEmpty)
    }

    @Test("TIME_WAIT holds the port of the side that closed first, then frees it", .needsGuestToolchain)
    func timeWait() throws {
        let harness = try Self.pair(server: ["closer", "7000"], client: ["reader", "10.0.0.1", "7000"])
        let endings = harness.run()
        #expect(endings == [.exited(status: 0), .exited(status: 0)], "\(harness.output(1)) \(harness.output(2))")
        #expect(Self.line(harness, 2) == "reader: 3 bytes, last read 0")
        #expect(Self.line(harness, 1) == "closer: bind at once -98, after 1.5 s 0")
        // The closer's connection left the table when TIME_WAIT ended, with its timer.
        #expect(harness.kernels[0].networkStack?.connectionCount == 0)
        #expect(harness.kernels[0].networkStack?.nextTimer == nil)
    }

    @Test("UDP datagrams cross machines; one larger than the link's packet is EMSGSIZE", .needsGuestToolchain)
    func datagrams() throws {
        let harness = try Self.pair(server: ["udp-server", "5000", "20"], client: ["udp-client", "10.0.0.1", "5000", "20"])
        let endings = harness.run()
        #expect(endings == [.exited(status: 0), .exited(status: 0)], "\(harness.output(1)) \(harness.output(2))")
        #expect(Self.line(harness, 1) == "udp-server: 20 datagrams, \((0..<20).reduce(0) { $0 + 100 + $1 * 10 }) bytes")
        #expect(Self.line(harness, 2) == "udp-client: 20 right answers, 1473 bytes: -90, empty: 0")
        #expect(harness.log.allSatisfy { $0.packet.transport == .udp })
    }
}

extension NetworkStackTests {
    /// Hostile packets: any flags, sequence and acknowledgement numbers, windows, MSS
    /// options (0 among them) and payloads past the MSS, for the listening port, the real
    /// connection's ports and others; a SYN flood; a reset storm.
    static func hostilePackets(count: Int, seed: UInt64, clientPort: UInt16) -> [Packet] {
        var random = SplitMix64(seed: seed)
        var packets: [Packet] = []
        for index in 0..<count {
            let value = random.next()
            let kind = index % 4
            var flags = TCPFlags(rawValue: UInt8(truncatingIfNeeded: value) & 0x1F)
            var source = IPv4Address.machine(3 + Int(value >> 60))
            var sourcePort = UInt16(truncatingIfNeeded: value >> 16)
            var destinationPort: UInt16 = [7000, 7001, 0, 65535][Int(value >> 40) % 4]
            switch kind {
            case 0: flags = [.syn]; destinationPort = 7000                  // SYN flood from other machines
            case 1: flags.insert(.rst)                                      // reset storm
            case 2: source = .machine(2); sourcePort = clientPort; destinationPort = 7000
                    flags.remove(.rst); flags.remove(.syn)                  // garbage on the real connection
            default: break
            }
            let mss: UInt16? = [nil, 0, 1, 65535][Int(value >> 8) % 4]
            let payload = [UInt8](repeating: UInt8(truncatingIfNeeded: value), count: Int(value >> 50) % 3000)
            let header = TCPHeader(sequence: UInt32(truncatingIfNeeded: random.next()), acknowledgement: UInt32(truncatingIfNeeded: value >> 32),
                                   flags: flags, window: UInt16(truncatingIfNeeded: value >> 24), maximumSegmentSize: mss)
            packets.append(Packet(source: source, destination: .machine(1), sourcePort: sourcePort, destinationPort: destinationPort,
                                  transport: index % 16 == 15 ? .udp : .tcp, tcp: header, payload: payload))
        }
        return packets
    }

    @Test("hostile packets and a SYN flood neither trap nor disturb a real transfer; the flood is bounded by the backlog",
          .needsGuestToolchain)
    func hostile() throws {
        let harness = try Self.pair(server: ["server", "7000"], client: ["client", "10.0.0.1", "7000", "200000"])
        let server = harness.kernels[0]
        for (index, packet) in Self.hostilePackets(count: 4000, seed: 42, clientPort: 32768).enumerated() {
            server.schedule(packet, arrivingAt: 50_000 + UInt64(index) * 100)
        }
        server.networkScheduleChanged()
        let endings = harness.run()
        #expect(endings == [.exited(status: 0), .exited(status: 0)], "\(harness.output(1)) \(harness.output(2))")
        #expect(Self.line(harness, 1) == "server: 200000 bytes, 0 out of place")
        #expect(Self.line(harness, 2) == "client: sent 200000, reply: got 200000 ok")
        let statistics = harness.statistics(1)
        #expect(statistics.synsDropped > 900)
        #expect(statistics.connectionsAccepted <= 20)
    }

    @Test("a connection to the machine's own 10.0.0.N stays on loopback: no packet leaves", .needsGuestToolchain)
    func ownAddress() throws {
        let harness = try Self.pair(server: ["self", "10.0.0.1", "7000"], client: ["self", "10.0.0.2", "7001"])
        let endings = harness.run()
        #expect(endings == [.exited(status: 0), .exited(status: 0)], "\(harness.output(1)) \(harness.output(2))")
        #expect(Self.line(harness, 1) == "self: connect 0, echoed 5 bytes")
        #expect(Self.line(harness, 2) == "self: connect 0, echoed 5 bytes")
        #expect(harness.log.isEmpty)
    }
}

extension NetworkStackTests {
    @Test("a reader that waits: the window closes to zero, the sender probes it, and sends on when it opens",
          .needsGuestToolchain)
    func zeroWindow() throws {
        let harness = try Self.pair(server: ["slow-server", "7000"], client: ["client", "10.0.0.1", "7000", "300000"])
        let endings = harness.run()
        #expect(endings == [.exited(status: 0), .exited(status: 0)], "\(harness.output(1)) \(harness.output(2))")
        #expect(Self.line(harness, 2) == "client: sent 300000, reply: got 300000 ok")
        let fromServer = harness.log.filter { $0.from == 1 }.map(\.packet)
        let fromClient = harness.log.filter { $0.from == 2 }.map(\.packet)
        #expect(fromServer.contains { $0.tcp.window == 0 })
        // Probes: no data, one sequence number before what the peer acknowledged.
        let probes = fromClient.filter { probe in
            probe.payload.isEmpty && probe.tcp.flags == [.ack] && fromServer.contains { $0.tcp.acknowledgement == probe.tcp.sequence &+ 1 }
        }
        #expect(!probes.isEmpty)
        #expect(harness.statistics(2).retransmissions == 0)
        // The sender never sent past the window the receiver last advertised.
        #expect(fromClient.allSatisfy { $0.payload.count <= 1460 })
    }

    @Test("poll's bits through a non-blocking connect to another machine, a refused one, and the end", .needsGuestToolchain,
          arguments: [true, false])
    func pollBits(listening: Bool) throws {
        let harness = try Self.pair(server: listening ? ["server", "7000"] : ["udp-server", "9", "1"],
                                    client: ["poll-client", "10.0.0.1", "7000"])
        harness.run { $0[1] != nil }
        let lines = harness.output(2).split(separator: "\n").map(String.init)
        if listening {
            // Connecting: nothing; connected: POLLOUT; at the end (both FINs) POLLIN|POLLOUT|POLLHUP|POLLRDHUP.
            #expect(lines == ["poll-client: connect -115, at once 0x0, then 0x4, SO_ERROR 0",
                              "poll-client: reply \"got 4 ok\", at the end 0x2015"], "\(lines)")
        } else {
            // Refused: POLLOUT|POLLERR|POLLHUP, and SO_ERROR ECONNREFUSED.
            #expect(lines == ["poll-client: connect -115, at once 0x0, then 0x1c, SO_ERROR 111"], "\(lines)")
        }
    }

    @Test("a machine that crashes forgets its connections: the peer's next segment draws a reset (ECONNRESET)",
          .needsGuestToolchain)
    func crash() throws {
        let harness = try Self.pair(server: ["server", "7000"], client: ["client", "10.0.0.1", "7000", "2000000"])
        var crashed = false
        harness.afterWindow = { cycle in
            if !crashed, cycle >= 2_000_000 {
                crashed = true
                harness.kernels[0].crashNetwork()
            }
        }
        harness.run { $0[1] != nil }
        #expect(Self.line(harness, 2) == "client: write -104", "\(harness.output(2))")
        #expect(harness.statistics(1).resetsSent >= 1)
    }
}

extension NetworkStackTests {
    @Test("duplicated and reordered segments: every byte still arrives once and in order", .needsGuestToolchain,
          arguments: [3, 11])
    func duplicatesAndReordering(seed: UInt64) throws {
        let harness = try Self.pair(server: ["server", "7000"], client: ["client", "10.0.0.1", "7000", "300000"])
        var random = SplitMix64(seed: seed)
        harness.copies = { _, _, _ in
            let draw = random.next() % 100
            if draw < 10 { return [0, 15_000] }            // a duplicate, later
            if draw < 20 { return [random.next() % 40_000] } // held back behind later ones
            return [0]
        }
        let endings = harness.run()
        #expect(endings == [.exited(status: 0), .exited(status: 0)], "\(harness.output(1)) \(harness.output(2))")
        #expect(Self.line(harness, 1) == "server: 300000 bytes, 0 out of place")
        #expect(Self.line(harness, 2) == "client: sent 300000, reply: got 300000 ok")
    }

    @Test("UDP does not hide the network: duplicated datagrams arrive twice", .needsGuestToolchain)
    func datagramDuplicates() throws {
        let harness = try Self.pair(server: ["udp-server", "5000", "4"], client: ["udp-client", "10.0.0.1", "5000", "2"])
        harness.copies = { from, _, _ in from == 2 ? [0, 5_000] : [0] }
        harness.run { $0[0] != nil }
        // Two datagrams sent twice each: the server's four receives are all answered.
        #expect(Self.line(harness, 1) == "udp-server: 4 datagrams, \(100 + 100 + 110 + 110) bytes", "\(harness.output(1))")
    }
}

extension NetworkStackTests {
    @Test("a connection left in the accept queue is reset when its listener closes", .needsGuestToolchain)
    func listenerClosed() throws {
        let harness = try Self.pair(server: ["unaccepting", "7000"], client: ["reader", "10.0.0.1", "7000"])
        let endings = harness.run()
        #expect(endings == [.exited(status: 0), .exited(status: 0)], "\(harness.output(1)) \(harness.output(2))")
        #expect(Self.line(harness, 2) == "reader: 0 bytes, last read -104")
        #expect(harness.statistics(1).resetsSent == 1)
    }
}

extension NetworkStackTests {
    @Test("sequence numbers compare across the wrap")
    func sequenceSpace() {
        #expect(UInt32.max.precedes(0) && !UInt32(0).precedes(.max))
        #expect(UInt32(5).distance(from: .max - 4) == 10 && (UInt32.max - 4).distance(from: 5) == -10)
        #expect(UInt32(7).precedesOrEquals(7) && !UInt32(7).precedes(7))
        #expect(UInt32.max.advanced(by: 2) == 1)
    }

    @Test("the timer heap gives deadlines back earliest first, ties by connection")
    func timerOrder() throws {
        var heap = TimerHeap()
        var random = SplitMix64(seed: 9)
        let kernel = try Kernel(executable: UserProgram.elf { UserProgram.exitWithA0(&$0) }, name: "t", arguments: [],
                                io: CapturedStreams().io)
        _ = kernel.attachNetwork(address: .machine(1))
        let stack = try #require(kernel.networkStack)
        let socket = Socket(family: .inet, type: .stream)
        let endpoints = TCPEndpoints(localAddress: .machine(1), localPort: 1, remoteAddress: .machine(2), remotePort: 2)
        var pushed: [(UInt64, UInt64)] = []
        for serial in 0..<300 {
            let connection = TCPConnection(stack: stack, serial: UInt64(serial), endpoints: endpoints, state: .closed, socket: socket,
                                           initialSequence: 0)
            let deadline = random.next() % 50
            heap.push(TimerHeap.Entry(deadline: deadline, serial: UInt64(serial), generation: 0, connection: connection))
            pushed.append((deadline, UInt64(serial)))
        }
        var popped: [(UInt64, UInt64)] = []
        while let entry = heap.popFirst() { popped.append((entry.deadline, entry.serial)) }
        #expect(popped.map(\.0) == pushed.sorted { $0 < $1 }.map(\.0))
        #expect(popped.map(\.1) == pushed.sorted { $0 < $1 }.map(\.1))
    }

    @Test("a transfer whose sequence numbers wrap past 2^32 loses nothing", .needsGuestToolchain)
    func wrap() throws {
        let harness = try Self.pair(server: ["server", "7000"], client: ["client", "10.0.0.1", "7000", "200000"])
        for kernel in harness.kernels { kernel.networkStack?.fixedInitialSequence = .max - 60_000 }
        harness.deliver = { from, serial, packet in !(from == 2 && serial % 31 == 17) }
        let endings = harness.run()
        #expect(endings == [.exited(status: 0), .exited(status: 0)], "\(harness.output(1)) \(harness.output(2))")
        #expect(Self.line(harness, 1) == "server: 200000 bytes, 0 out of place")
        #expect(harness.log.contains { $0.packet.tcp.sequence < 100_000 } && harness.log.contains { $0.packet.tcp.sequence > .max - 70_000 })
        #expect(harness.statistics(2).retransmissions > 0)
    }
}

extension NetworkStackTests {
    @Test("getsockname and getpeername of a connection between machines", .needsGuestToolchain)
    func names() throws {
        let harness = try Self.pair(server: ["server", "7000"], client: ["names", "10.0.0.1", "7000"])
        let endings = harness.run()
        #expect(endings == [.exited(status: 0), .exited(status: 0)], "\(harness.output(1)) \(harness.output(2))")
        #expect(Self.line(harness, 2) == "names: 0 0, local 10.0.0.2:32768, peer 10.0.0.1:7000")
    }
}
