// The network's events in the trace: a drop keeps its reason and link, a duplicate or a
// reorder goes on the sender's link, and each keeps the packet's trace id and summary.

import Kernel
import Network
import Testing
import Trace

@Suite struct ClusterTracingTests {
    static func packet() -> Packet {
        var packet = Packet(source: .machine(3), destination: .machine(1), sourcePort: 80, destinationPort: 40000,
                            transport: .tcp, tcp: TCPHeader(sequence: 9, flags: [.syn, .ack], maximumSegmentSize: 1460))
        packet.traceID = 1 << 52 | 3 << 44 | 1 << 36 | 5
        return packet
    }

    static func recorded(_ events: [NetworkEvent]) -> [NetworkFaultTrace] {
        let recorder = TraceRecorder(clockFrequency: 1_000_000, harts: 1)
        recorder.record(events)
        return recorder.log.events.compactMap { if case .networkFault(let fault) = $0.kind { fault } else { nil } }
    }

    @Test func dropsKeepReasonAndLinkOthersGoOnTheSendersLink() {
        let packet = Self.packet()
        let faults = Self.recorded([.dropped(packet, reason: .partition, cycle: 10, link: 0),
                                    .duplicated(packet, cycle: 11), .reordered(packet, cycle: 12)])
        #expect(faults.map(\.fault) == [.dropped, .duplicated, .reordered])
        #expect(faults.map(\.cause) == [.partition, .none, .none])
        #expect(faults.map(\.link) == [0, 2, 2])
        #expect(faults.allSatisfy { $0.id == packet.traceID })
        #expect(faults.first?.summary == "10.0.0.3:80 → 10.0.0.1:40000 TCP [SYN, ACK] seq 9 len 0")
    }

    @Test func everyDropReasonHasTheNetworksWords() {
        let reasons: [DropReason] = [.queueFull, .fault, .partition, .noMachine, .machineDown, .tooBig]
        let faults = Self.recorded(reasons.map { .dropped(Self.packet(), reason: $0, cycle: 1, link: 2) })
        #expect(faults.map(\.cause.label) == reasons.map(\.rawValue))
    }
}
