// The network in the trace: a packet sent and arrived (the two ends of a Perfetto flow
// arrow from sender to receiver), and the stack's retransmissions as instants.
//
// Part D (command line, statistics, trace) owns this file.

import Machine
import Trace

extension Kernel {
    func tracePacketSent(_ sent: SentPacket, _ context: IOContext) {
        // Part D: record a trace event.
    }

    func tracePacketArrived(_ packet: Packet, _ context: IOContext) {
        // Part D: record a trace event.
    }

    /// A TCP segment sent again after its timer ran out (`attempt`: 1 for the first retry).
    func traceRetransmission(_ packet: Packet, attempt: Int, _ context: IOContext) {
        // Part D: record a trace event.
    }
}
