// What the network did to packets, in the trace: the cluster hands each window's
// `Fabric.events` to the trace's network recorder (`ClusterTraceWriter.network`), which
// keeps them as `networkFault` events; the cluster's Perfetto file shows them as instants
// on the lane of the link where they happened (Trace/ClusterTrace.swift).
//
// Part G (trace) owns this file.

import Kernel
import Trace

extension TraceRecorder {
    /// Records the network's events (drops with their reason and link, duplicates, reorders).
    public func record(_ events: [NetworkEvent]) {
        for event in events { record(TraceEvent(cycle: event.cycle, hart: -1, .networkFault(event.faultTrace))) }
    }
}

extension NetworkEvent {
    public var cycle: UInt64 {
        switch self {
        case .dropped(_, _, let cycle, _), .duplicated(_, let cycle), .reordered(_, let cycle): cycle
        }
    }

    /// The event as the trace keeps it. Duplicates and reorders, which name no link, go on
    /// the sender's.
    var faultTrace: NetworkFaultTrace {
        switch self {
        case .dropped(let packet, let reason, _, let link):
            NetworkFaultTrace(packet, fault: .dropped, cause: reason.traceCause, link: link)
        case .duplicated(let packet, _):
            NetworkFaultTrace(packet, fault: .duplicated, cause: .none, link: Self.senderLink(packet))
        case .reordered(let packet, _):
            NetworkFaultTrace(packet, fault: .reordered, cause: .none, link: Self.senderLink(packet))
        }
    }

    /// Machine N's link is N − 1 (addresses 10.0.0.N).
    static func senderLink(_ packet: Packet) -> Int { Int(packet.source.value & 0xFF) - 1 }
}

extension DropReason {
    var traceCause: NetworkDropCause {
        switch self {
        case .queueFull: .queueFull
        case .fault: .fault
        case .partition: .partition
        case .noMachine: .noMachine
        case .machineDown: .machineDown
        case .tooBig: .tooBig
        }
    }
}

extension NetworkFaultTrace {
    init(_ packet: Packet, fault: NetworkFault, cause: NetworkDropCause, link: Int) {
        self.init(id: packet.traceID, source: packet.source.value, destination: packet.destination.value,
                  sequence: packet.transport == .tcp ? packet.tcp.sequence : 0, sourcePort: packet.sourcePort,
                  destinationPort: packet.destinationPort, length: UInt16(clamping: packet.payload.count), flags: packet.traceFlags,
                  fault: fault, cause: cause, link: UInt8(clamping: max(0, link)))
    }
}
