// The accelerator in the Chrome trace (Perfetto): a process "accelerator" with a thread
// per context ("gpu context 2 (spy, pid 3)"). A slice runs from each `runs` to the next
// `preempted`, `idle`, `faulted`, `reset` or `destroyed` of that context (its args say
// which ended it); submissions and completions are zero-length slices joined by a flow
// arrow (bind_id, as the network's packets are), so a submission's wait for the lanes
// shows as the arrow's length; faults, resets and destruction are instants. The same
// rules as TraceLog.acceleratorLanes, streamed: the encoder keeps only open slices and
// the flows of submissions not yet ended.

/// What the encoder keeps about the accelerator between events.
struct ChromeAcceleratorState {
    var processNamed = false
    var namedContexts: Set<Int32> = []
    /// Per context on the lanes: since when, and its owner's pid.
    var running: [Int32: (start: UInt64, pid: Int32)] = [:]
    /// Flow ids of submissions not yet completed, per context and submission.
    var flows: [Int32: [UInt64: UInt64]] = [:]
}

extension ChromeTraceEncoder {
    /// The accelerator's pseudo-process (between the harts' and the network's).
    static let acceleratorPid: Int32 = 1_200_000

    mutating func encodeAccelerator<Names: TraceNames>(_ event: TraceEvent, names: Names) {
        guard case .accelerator(let trace) = event.kind else { return }
        let cycle = event.cycle
        let lane = acceleratorLane(trace, names: names)
        var args: [String: JSONArg] = ["context": .int(Int64(trace.context)), "pid": .int(Int64(trace.pid))]
        if trace.submission != 0 { args["submission"] = .int(Int64(clamping: trace.submission)) }
        switch trace.kind {
        case .created:
            instant("context created", lane: lane, cycle, args, category: "accelerator")
        case .submitted:
            let id = nextFlow
            nextFlow += 1
            accelerator.flows[trace.context, default: [:]][trace.submission] = id
            acceleratorMoment("submitted #\(trace.submission)", lane: lane, cycle, args, flow: (id, "flow_out"))
        case .completed:
            let id = accelerator.flows[trace.context]?.removeValue(forKey: trace.submission)
            acceleratorMoment("completed #\(trace.submission)", lane: lane, cycle, args, flow: id.map { ($0, "flow_in") })
        case .runs:
            if accelerator.running[trace.context] == nil { accelerator.running[trace.context] = (cycle, trace.pid) }
        case .preempted, .idle, .faulted, .reset, .destroyed:
            closeAcceleratorSlice(trace.context, at: cycle, stop: trace.kind.name)
            if trace.kind == .faulted || trace.kind == .reset || trace.kind == .destroyed {
                accelerator.flows[trace.context] = nil
                instant(trace.kind.name, lane: lane, cycle, args, category: "accelerator")
            }
        }
    }

    /// Closes every context slice still open at `endCycle` (the end of the trace).
    mutating func closeAcceleratorSlices(endCycle: UInt64) {
        for context in accelerator.running.keys.sorted() {
            closeAcceleratorSlice(context, at: endCycle, stop: "still running")
        }
    }

    private mutating func closeAcceleratorSlice(_ context: Int32, at cycle: UInt64, stop: String) {
        guard let open = accelerator.running.removeValue(forKey: context) else { return }
        let end = max(cycle, open.start)
        let duration = Self.fixed(end - open.start, frequency: clockFrequency, digits: 9, decimals: 3)
        let args: [String: JSONArg] = ["stop": .string(stop), "pid": .int(Int64(open.pid))]
        emit("X", "kernel running", lane: (Self.acceleratorPid, Self.acceleratorPid + context), open.start,
             ",\"cat\":\"accelerator\",\"dur\":\(duration),\"args\":" + Self.object(args))
    }

    /// A zero-length slice carrying one end of a submission's flow arrow.
    private mutating func acceleratorMoment(_ name: String, lane: (pid: Int32, tid: Int32), _ cycle: UInt64,
                                            _ args: [String: JSONArg], flow: (id: UInt64, direction: String)?) {
        let binding = flow.map { ",\"bind_id\":\($0.id),\"\($0.direction)\":true" } ?? ""
        emit("X", name, lane: lane, cycle, ",\"cat\":\"accelerator\",\"dur\":0.000" + binding + ",\"args\":" + Self.object(args))
    }

    /// The context's lane, naming the process and the lane the first time.
    private mutating func acceleratorLane<Names: TraceNames>(_ trace: AcceleratorTrace, names: Names) -> (pid: Int32, tid: Int32) {
        let pid = Self.acceleratorPid
        let lane = (pid: pid, tid: pid + max(0, min(trace.context, 99_999)))
        if !accelerator.processNamed {
            accelerator.processNamed = true
            metadata("process_name", pid: pid, tid: pid, ["name": .string("accelerator")])
            metadata("process_sort_index", pid: pid, tid: pid, ["sort_index": .int(-1)])
        }
        if accelerator.namedContexts.insert(trace.context).inserted {
            let owner = names.processName(trace.pid) ?? "process"
            metadata("thread_name", pid: pid, tid: lane.tid, ["name": .string("gpu context \(trace.context) (\(owner), pid \(trace.pid))")])
            metadata("thread_sort_index", pid: pid, tid: lane.tid, ["sort_index": .int(Int64(trace.context))])
        }
        return lane
    }
}
