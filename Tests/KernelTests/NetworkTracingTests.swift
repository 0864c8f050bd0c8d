// The network in a kernel's trace: a packet leaves with a trace id made from its machine,
// boot and serial; the sender records it sent and the receiver arrived under that same id,
// so the cluster's Perfetto file joins the two with one arrow.

import Foundation
@testable import Kernel
@testable import Machine
import Testing
import Trace

@Suite("Kernel: the network in the trace")
struct NetworkTracingTests {
    static func machine(_ number: Int) throws -> (kernel: Kernel, trace: TraceRecorder) {
        let elf = UserProgram.elf { asm in
            asm.li(.a0, 0)
            UserProgram.exitWithA0(&asm)
        }
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 16 << 20
        let trace = TraceRecorder(clockFrequency: configuration.clockFrequency, harts: configuration.harts)
        let kernel = try Kernel(executable: elf, name: "m\(number)", arguments: [], configuration: configuration,
                                io: KernelIO(writeOutput: { _ in }, writeError: { _ in }), trace: trace)
        _ = kernel.attachNetwork(address: .machine(number))
        return (kernel, trace)
    }

    static func datagram(_ payload: [UInt8]) -> Packet {
        Packet(source: .machine(1), destination: .machine(2), sourcePort: 4000, destinationPort: 5000, transport: .udp,
               payload: payload)
    }

    static func networkEvents(_ trace: TraceRecorder) -> [TraceEventKind] {
        trace.log.events.map(\.kind).filter {
            switch $0 {
            case .packetSent, .packetArrived, .retransmission: true
            default: false
            }
        }
    }

    @Test("a packet's trace id is its machine, boot and serial, and both ends record it")
    func bothEndsRecordOneID() throws {
        let (client, clientTrace) = try Self.machine(1)
        let (server, serverTrace) = try Self.machine(2)
        let interface = try #require(client.networkInterface)
        let hart = client.machine.harts[0]
        client.transmit(Self.datagram([1, 2, 3]), IOContext(kernel: client, cycle: 100, thread: nil, hart: hart))
        client.transmit(Self.datagram([4]), IOContext(kernel: client, cycle: 101, thread: nil, hart: hart))
        interface.boot = 2
        client.transmit(Self.datagram([5]), IOContext(kernel: client, cycle: 102, thread: nil, hart: hart))
        let sent = interface.takeSent()
        let marker: UInt64 = 1 << 52, machine1: UInt64 = 1 << 44
        let expected: [UInt64] = [marker | machine1 | 1 << 36, marker | machine1 | 1 << 36 | 1, marker | machine1 | 2 << 36 | 2]
        #expect(sent.map(\.packet.traceID) == expected)

        server.schedule(sent[0].packet, arrivingAt: 200)
        let serverHart = server.machine.harts[0]
        serverHart.cycle = 200
        server.processNetworkEvents(serverHart)

        let sentEvents = Self.networkEvents(clientTrace)
        #expect(sentEvents.count == 3)
        guard case .packetSent(let first)? = sentEvents.first else { Issue.record("no packet sent"); return }
        #expect(first.id == sent[0].packet.traceID)
        #expect(first.peer == IPv4Address.machine(2).value)
        #expect(first.length == 3 && first.flags == PacketTrace.udp && first.wireSize == 31)
        let arrived = Self.networkEvents(serverTrace)
        #expect(arrived.count == 1)
        guard case .packetArrived(let arrival)? = arrived.first else { Issue.record("no packet arrived"); return }
        #expect(arrival.id == first.id)
        #expect(arrival.peer == IPv4Address.machine(1).value)

        // The cluster's file joins them with one arrow from machine 1 to machine 2.
        let json = ClusterTraceWriter.render(machines: [ClusterTraceMachine(machine: 1, log: clientTrace.log),
                                                        ClusterTraceMachine(machine: 2, log: serverTrace.log)],
                                             links: 2, endCycle: 300)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let events = try #require(root["traceEvents"] as? [[String: Any]])
        let ends = events.filter { ($0["bind_id"] as? NSNumber)?.uint64Value == first.id }
        #expect(ends.count == 2)
        #expect(ends.contains { $0["flow_out"] as? Bool == true && $0["name"] as? String == "send UDP" })
        #expect(ends.contains { $0["flow_in"] as? Bool == true && $0["name"] as? String == "receive UDP" })
    }

    @Test("a retransmission is recorded with its attempt and segment")
    func retransmissionIsRecorded() throws {
        let (client, trace) = try Self.machine(1)
        var segment = Self.datagram([1, 2])
        segment.transport = .tcp
        segment.tcp = TCPHeader(sequence: 77, flags: [.ack, .psh])
        client.traceRetransmission(segment, attempt: 3, IOContext(kernel: client, cycle: 50, thread: nil, hart: nil))
        guard case .retransmission(let recorded)? = Self.networkEvents(trace).first else {
            Issue.record("no retransmission recorded")
            return
        }
        #expect(recorded.attempt == 3 && recorded.sequence == 77 && recorded.length == 2 && recorded.tid == 0)
    }
}
