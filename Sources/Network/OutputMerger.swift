// Several machines' standard output and error on one terminal: line by line, each line
// prefixed with its machine ("m2| "), in simulated time order. Within a window of a
// cluster's run each machine runs on its own, one after the other, so their writes reach
// the host out of time order; the merger keeps whole lines with the cycle each was
// finished at and lets them out sorted by (cycle, machine, order written) once every
// machine is past that cycle. The same run prints the same bytes.

/// Which of a machine's streams a write went to.
public enum OutputStream: Sendable, Equatable {
    case output, error
}

public final class OutputMerger {
    struct Line {
        var cycle: UInt64
        var machine: Int
        var serial: UInt64
        var stream: OutputStream
        var bytes: [UInt8]
    }

    /// Each machine's prefix, by index from 0 ("m1| ", or the name the topology gave).
    let prefixes: [[UInt8]]
    let sink: (OutputStream, [UInt8]) -> Void
    var pending: [Line] = []
    /// An unfinished line per machine and stream.
    var partial: [[OutputStream: [UInt8]]]
    /// Each machine's latest cycle: its lines never go back in time.
    var latest: [UInt64]
    var serial: UInt64 = 0

    /// `labels`: what each machine's lines start with, before "| ".
    public init(labels: [String], sink: @escaping (OutputStream, [UInt8]) -> Void) {
        let width = labels.map(\.count).max() ?? 0
        prefixes = labels.map { Array(($0 + String(repeating: " ", count: width - $0.count) + "| ").utf8) }
        self.sink = sink
        partial = Array(repeating: [:], count: labels.count)
        latest = Array(repeating: 0, count: labels.count)
    }

    /// Machine `machine` (index from 0) wrote `bytes` at `cycle`.
    public func write(machine: Int, stream: OutputStream, bytes: [UInt8], cycle: UInt64) {
        guard prefixes.indices.contains(machine) else { return }
        latest[machine] = max(latest[machine], cycle)
        var line = partial[machine][stream] ?? []
        for byte in bytes {
            line.append(byte)
            if byte == 0x0A {
                pending.append(Line(cycle: latest[machine], machine: machine, serial: serial, stream: stream, bytes: line))
                serial &+= 1
                line = []
            }
        }
        partial[machine][stream] = line
    }

    /// Lets out every finished line written at or before `cycle`, in time order (call it
    /// when every machine has run to `cycle`).
    public func flush(through cycle: UInt64) {
        let due = pending.filter { $0.cycle <= cycle }
        guard !due.isEmpty else { return }
        pending.removeAll { $0.cycle <= cycle }
        emit(due)
    }

    /// At the run's end: every line, and each unfinished one with a newline added.
    public func finish() {
        for machine in partial.indices {
            for stream in [OutputStream.output, .error] {
                guard let line = partial[machine][stream], !line.isEmpty else { continue }
                pending.append(Line(cycle: latest[machine], machine: machine, serial: serial, stream: stream, bytes: line + [0x0A]))
                serial &+= 1
                partial[machine][stream] = []
            }
        }
        let all = pending
        pending = []
        emit(all)
    }

    func emit(_ lines: [Line]) {
        let ordered = lines.sorted { ($0.cycle, $0.machine, $0.serial) < ($1.cycle, $1.machine, $1.serial) }
        for line in ordered { sink(line.stream, prefixes[line.machine] + line.bytes) }
    }
}
