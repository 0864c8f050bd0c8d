// MessageClocks: the happens-before edge of a byte stream (a pipe, a UNIX or TCP socket):
// the clock of each write travels with its bytes, and the read that consumes them acquires it.

/// The clocks attached to the bytes in flight in one FIFO byte stream, kept beside the
/// stream's buffer by its owner (the kernel's pipe or socket).
///
/// A write of n bytes appends one chunk (the writer's clock, up to stream offset `end`); a
/// read of n bytes acquires the join of every chunk it consumes any byte of and drops the
/// chunks it consumed whole. So a reader is ordered after exactly the writers whose bytes
/// it read — not after a writer whose bytes are still queued behind — and a read of part of
/// a write acquires that write. Offsets count bytes since the stream opened (UInt64; they
/// cannot wrap in any run), and byte counts larger than what is queued are clamped, so a
/// caller's miscount cannot trap.
public struct MessageClocks: Sendable {
    struct Chunk: Sendable {
        var end: UInt64
        var clock: VectorClock
    }
    var chunks: [Chunk] = []
    var head = 0
    /// Stream offset of the next byte to be written, and of the next byte to be read.
    public private(set) var written: UInt64 = 0
    public private(set) var consumed: UInt64 = 0

    public init() {}

    /// Bytes written and not yet read.
    public var queued: UInt64 { written &- consumed }
    /// Chunks in flight (a cost figure: one per write not fully read).
    public var chunksInFlight: Int { chunks.count - head }

    /// `count` bytes written with the writer's `clock`.
    public mutating func write(count: UInt64, clock: VectorClock) {
        guard count > 0 else { return }
        written = written &+ count
        if head < chunks.count, chunks[chunks.count - 1].clock == clock {
            chunks[chunks.count - 1].end = written  // the same writer with nothing new: one chunk
        } else {
            chunks.append(Chunk(end: written, clock: clock))
        }
    }

    /// `count` bytes consumed: the join of the clocks of every write they came from.
    public mutating func read(count: UInt64) -> VectorClock {
        let n = min(count, queued)
        guard n > 0 else { return VectorClock() }
        var acquired = VectorClock()
        let upTo = consumed &+ n
        var i = head
        while i < chunks.count {
            acquired.join(chunks[i].clock)
            if chunks[i].end > upTo { break }
            i += 1
            if chunks[i - 1].end == upTo { break }
        }
        head = i
        consumed = upTo
        if head > 32 && head * 2 > chunks.count {
            chunks.removeFirst(head)
            head = 0
        }
        return acquired
    }
}

extension RaceDetector {
    /// The thread in `slot` wrote `count` bytes into a stream: its clock rides with them.
    public mutating func send(slot: Int, count: UInt64, on stream: inout MessageClocks) {
        guard isAlive(slot), count > 0 else { return }
        stream.write(count: count, clock: release(slot: slot))
    }

    /// The thread in `slot` read `count` bytes from a stream: it acquires their writers' clocks.
    public mutating func receive(slot: Int, count: UInt64, on stream: inout MessageClocks) {
        guard isAlive(slot) else { return }
        acquire(slot: slot, clock: stream.read(count: count))
    }
}
