// An eventfd: a 64-bit counter behind a descriptor, the smallest thing an event loop can
// wait on. As on Linux: a write of an 8-byte value adds it (waiting while the sum would
// pass 2^64 - 2; the value 2^64 - 1 is EINVAL); a read takes the whole count and zeroes it,
// or with EFD_SEMAPHORE takes 1; a read waits while the count is 0. A read of fewer than 8
// bytes is EINVAL, and so is a write of any size but 8 (as Linux 6.18 does, seen through
// qemu-riscv64). Readable while the count is above 0, writable while it is below 2^64 - 2.

import Machine

final class EventCounter: FileObject {
    static let size = 8
    /// The most the counter holds (ULLONG_MAX - 1: a write may never make it ULLONG_MAX).
    static let maximum = UInt64.max - 1

    let kind = FileKind.eventfd
    let waiters = WaitQueue()
    private(set) var value: UInt64
    let isSemaphore: Bool

    init(initial: UInt64, isSemaphore: Bool) {
        value = initial
        self.isSemaphore = isSemaphore
    }

    func read(_ count: Int, from file: OpenFile, _ context: IOContext) -> IOOutcome<[UInt8]> {
        guard count >= EventCounter.size else { return .failed(.EINVAL) }
        guard value > 0 else { return .wouldBlock(waiters) }
        let taken = isSemaphore ? 1 : value
        value -= taken
        waiters.wake([.output, .writeNormal], context)
        return .done(littleEndianBytes(taken))
    }

    func write(_ bytes: [UInt8], to file: OpenFile, _ context: IOContext) -> IOOutcome<Int> {
        guard bytes.count == EventCounter.size else { return .failed(.EINVAL) }
        let added = littleEndianWord(bytes, at: 0)
        guard added != UInt64.max else { return .failed(.EINVAL) }
        guard added <= EventCounter.maximum - value else { return .wouldBlock(waiters) }
        value += added
        waiters.wake([.input, .readNormal], context)
        return .done(EventCounter.size)
    }

    func readiness(for file: OpenFile) -> PollEvents {
        var events: PollEvents = []
        if value > 0 { events.formUnion([.input, .readNormal]) }
        if value < EventCounter.maximum { events.formUnion([.output, .writeNormal]) }
        return events
    }
}
