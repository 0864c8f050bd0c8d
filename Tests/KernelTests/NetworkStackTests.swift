// The kernel's TCP and UDP between machines (Sources/Kernel/Net/), two kernels driven by
// hand (TwoMachineHarness.swift) running Guest/Programs/Net/peer.c: bytes arrive once and
// in order, across drops too (and retransmissions are counted exactly when packets were
// dropped); a 1 MiB transfer through the 64 KiB window; Linux's errors (ECONNREFUSED,
// ECONNRESET then EPIPE, ETIMEDOUT after the retries, EHOSTUNREACH, ENETUNREACH); half
// close; TIME_WAIT then the port free again; UDP across machines with EMSGSIZE past one
// packet; the same seed, the same packets.

import Kernel
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
          .needsGuestToolchain)
    func transfer() throws {
        let harness = try Self.pair(server: ["server", "7000"], client: ["client", "10.0.0.1", "7000", "10000"])
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
