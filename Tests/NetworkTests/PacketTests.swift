// The packet type the kernel's stack and the network share.

import Kernel
import Testing

@Suite struct PacketTests {
    @Test func summaryNamesEndsFlagsAndNumbers() {
        let packet = Packet(source: .machine(1), destination: .machine(2), sourcePort: 5000, destinationPort: 40000,
                            transport: .tcp, tcp: TCPHeader(sequence: 1, acknowledgement: 1, flags: [.syn, .ack], window: 65535),
                            payload: [])
        #expect(packet.summary == "10.0.0.1:5000 → 10.0.0.2:40000 TCP [SYN, ACK] seq 1 ack 1 win 65535 len 0")
        #expect(packet.wireSize == 40)
        var udp = packet
        udp.transport = .udp
        udp.payload = [1, 2, 3]
        #expect(udp.wireSize == 31)
    }
}
