// The network in the Chrome trace. Each packet a machine sends is a short slice where it
// left (the sending thread's lane, or the machine's "network" lane when the kernel sent
// it on its own, e.g. an ACK or a retransmission) and each arrival a slice on the
// receiving machine's network lane; the two are joined by a flow arrow bound by the
// packet's trace id (`bind_id` with `flow_out` / `flow_in` on the slices, which Perfetto
// and chrome://tracing draw from slice to slice, so no enclosing slice is needed). A
// duplicated packet arrives twice: two arrows from one send. Retransmissions are instants
// on the sender; drops, duplicates and reorders are instants on the network's lane for
// the link (ClusterTrace.swift names those lanes).

extension ChromeTraceEncoder {
    /// The lane of a machine's network interface, in its harts process.
    static let networkLane: Int32 = machinePid + 999_999
    /// The network's own process (a cluster's file): one lane per link.
    static let networkPid: Int32 = 1_500_000

    static func linkLane(_ link: Int) -> Int32 { networkPid + 1 + Int32(clamping: link) }

    mutating func encodeNetwork<Names: TraceNames>(_ event: TraceEvent, names: Names) {
        let cycle = event.cycle
        switch event.kind {
        case .packetSent(let packet):
            let lane = packet.tid > 0 ? threadLane(packet.tid, names) : machineNetworkLane()
            var args = packetArgs(packet, sent: true)
            if packet.tid > 0 { args["thread"] = .int(Int64(packet.tid)) }
            packetSlice("send " + PacketTrace.kind(flags: packet.flags), lane: lane, cycle, args, id: packet.id, direction: "flow_out")
        case .packetArrived(let packet):
            packetSlice("receive " + PacketTrace.kind(flags: packet.flags), lane: machineNetworkLane(), cycle,
                        packetArgs(packet, sent: false), id: packet.id, direction: "flow_in")
        case .retransmission(let segment):
            let lane = segment.tid > 0 ? threadLane(segment.tid, names) : machineNetworkLane()
            let to = PacketTrace.address(segment.peer) + ":\(segment.destinationPort)"
            instant("retransmit #\(segment.attempt)", lane: lane, cycle,
                    ["attempt": .int(Int64(segment.attempt)), "seq": .int(Int64(segment.sequence)),
                     "len": .int(Int64(segment.length)), "to": .string(to), "from_port": .int(Int64(segment.sourcePort))],
                    category: "net")
        case .networkFault(let fault):
            let name = fault.fault.label + (fault.cause == .none ? "" : ": " + fault.cause.label)
            var args: [String: JSONArg] = ["packet": .string(fault.summary), "link": .int(Int64(fault.link))]
            if fault.id != 0 { args["id"] = .int(Int64(clamping: fault.id)) }
            instant(name, lane: (Self.networkPid, Self.linkLane(Int(fault.link))), cycle, args, category: "net")
        default:
            break
        }
    }

    /// The machine's network lane, named the first time it is used.
    private mutating func machineNetworkLane() -> (pid: Int32, tid: Int32) {
        let lane = (pid: Self.machinePid, tid: Self.networkLane)
        if !networkLaneNamed {
            networkLaneNamed = true
            metadata("thread_name", pid: lane.pid, tid: lane.tid, ["name": .string("network")])
            metadata("thread_sort_index", pid: lane.pid, tid: lane.tid, ["sort_index": .int(Int64(Self.networkLane))])
        }
        return lane
    }

    private func packetArgs(_ packet: PacketTrace, sent: Bool) -> [String: JSONArg] {
        let peer = PacketTrace.address(packet.peer)
        let own = group.address.map(PacketTrace.address) ?? "this machine"
        let from = sent ? "\(own):\(packet.sourcePort)" : "\(peer):\(packet.sourcePort)"
        let to = sent ? "\(peer):\(packet.destinationPort)" : "\(own):\(packet.destinationPort)"
        var args: [String: JSONArg] = ["from": .string(from), "to": .string(to), "len": .int(Int64(packet.length)),
                                       "bytes": .int(Int64(packet.wireSize))]
        if packet.flags & PacketTrace.udp == 0 {
            args["seq"] = .int(Int64(packet.sequence))
            args["ack"] = .int(Int64(packet.acknowledgement))
        }
        if packet.id != 0 { args["id"] = .int(Int64(clamping: packet.id)) }
        return args
    }

    /// A zero-length slice carrying one end of the packet's flow arrow.
    private mutating func packetSlice(_ name: String, lane: (pid: Int32, tid: Int32), _ cycle: UInt64,
                                      _ args: [String: JSONArg], id: UInt64, direction: String) {
        let flow = id != 0 ? ",\"bind_id\":\(id),\"\(direction)\":true" : ""
        emit("X", name, lane: lane, cycle, ",\"cat\":\"net\",\"dur\":0.000" + flow + ",\"args\":" + Self.object(args))
    }

    /// Names the network's process and one lane per link (a cluster's file).
    mutating func nameNetwork(links: [String]) {
        let pid = Self.networkPid
        metadata("process_name", pid: pid, tid: pid, ["name": .string("network")])
        metadata("process_sort_index", pid: pid, tid: pid, ["sort_index": .int(-2)])
        for (link, name) in links.enumerated() {
            metadata("thread_name", pid: pid, tid: Self.linkLane(link), ["name": .string(name)])
            metadata("thread_sort_index", pid: pid, tid: Self.linkLane(link), ["sort_index": .int(Int64(link))])
        }
    }
}
