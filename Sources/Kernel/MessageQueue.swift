// Message queues, the Windows 1.0 model: every thread has a queue of small fixed records.
// post_message (0x1020) appends to another thread's queue and returns at once;
// get_message (0x1021) takes the oldest message, and when there is none it blocks — that
// is where a cooperative program gives the CPU away; peek_message (0x1022) takes one if
// there is one and returns at once either way, never giving the CPU away. The kernel's
// input device (InputDevice.swift) posts into the foreground thread's queue the same way.
//
// A thread blocked in get_message is made ready by the next post and, when it runs
// again, makes the call once more (its PC goes back to the `ecall`): the message is taken
// at the moment the thread really runs, which is the moment input latency is measured at.

import Machine
import Trace

/// One message: what it is, who sent it, two parameters, and when it was posted.
struct Message: Equatable {
    /// What the message means (`Message.quit`, `Message.cursorMoved`, or the program's own).
    var kind: UInt32
    /// The posting thread's id; 0 for the kernel's input device.
    var sender: Int32
    var parameter1: UInt64
    var parameter2: UInt64
    /// The cycle it was posted at (on the poster's hart), for latency.
    var postedCycle: UInt64
    /// Simulated nanoseconds at `postedCycle`, the time the program sees.
    var postedNanoseconds: UInt64
    /// Whether it came from the input device (its latency is measured).
    var isInput = false

    /// WM_QUIT and WM_MOUSEMOVE's numbers, as a nod to where the model comes from.
    static let quit: UInt32 = 0x0012, cursorMoved: UInt32 = 0x0200

    /// The 32 bytes a program receives: kind (u32), sender (i32), parameter 1, parameter 2,
    /// time posted in nanoseconds (u64 each), little-endian.
    static let recordSize = 32
    var record: [UInt8] {
        littleEndianBytes(UInt64(kind) | UInt64(UInt32(bitPattern: sender)) << 32) + littleEndianBytes(parameter1)
            + littleEndianBytes(parameter2) + littleEndianBytes(postedNanoseconds)
    }
}

/// A thread's queue: first in, first out. The kernel bounds its length
/// (`KernelConfiguration.messageQueueCapacity`).
struct MessageQueue {
    private var messages: [Message] = []
    private var head = 0

    var count: Int { messages.count - head }
    var isEmpty: Bool { head == messages.count }
    var first: Message? { isEmpty ? nil : messages[head] }

    mutating func append(_ message: Message) { messages.append(message) }

    mutating func removeFirst() {
        guard !isEmpty else { return }
        head += 1
        if head == messages.count {
            messages.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 64 && head * 2 > messages.count {
            messages.removeFirst(head)
            head = 0
        }
    }
}

extension Kernel {
    static let postMessage: UInt64 = 0x1020, getMessage: UInt64 = 0x1021, peekMessage: UInt64 = 0x1022

    /// post_message(target tid, kind, parameter 1, parameter 2) → 0; -ESRCH for no such
    /// live thread, -EAGAIN when its queue is full.
    func postMessage(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        guard let target = threads[arguments.int32(0)], !target.isExited else { return .error(.ESRCH) }
        guard target.messages.count < configuration.messageQueueCapacity else { return .error(.EAGAIN) }
        let message = Message(kind: UInt32(truncatingIfNeeded: arguments[1]), sender: thread.tid, parameter1: arguments[2],
                              parameter2: arguments[3], postedCycle: hart.cycle, postedNanoseconds: nanoseconds(hart))
        traceEvent(.messagePosted(from: thread.tid, to: target.tid, kind: message.kind), on: hart)
        deliver(message, to: target, at: hart.cycle)
        return .value(0)
    }

    /// Appends to a thread's queue and wakes it if it waits in get_message.
    func deliver(_ message: Message, to target: Thread, at cycle: UInt64) {
        target.messages.append(message)
        if target.state == .blocked(.message) { makeReady(target, at: cycle) }
    }

    /// get_message(buffer): the oldest message into the 32-byte buffer, → 0; blocks while
    /// the queue is empty. -EFAULT for a buffer the thread cannot write (the message stays).
    func getMessage(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let buffer = arguments[0]
        if thread.messages.isEmpty {
            // Refuse a bad buffer now rather than after the wait.
            guard case .success = thread.process.addressSpace.copyOut([UInt8](repeating: 0, count: Message.recordSize), to: buffer) else {
                return .error(.EFAULT)
            }
            block(thread, on: hart, .message)
            thread.context.pc &-= 4   // run the call again when woken: the message is taken then
            return .noReturn
        }
        return takeMessage(into: buffer, hart: hart, thread: thread) ? .value(0) : .error(.EFAULT)
    }

    /// peek_message(buffer): 1 and the oldest message when there is one, 0 when the queue is
    /// empty; never blocks or switches. -EFAULT for a bad buffer (the message stays).
    func peekMessage(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        guard !thread.messages.isEmpty else { return .value(0) }
        return takeMessage(into: arguments[0], hart: hart, thread: thread) ? .value(1) : .error(.EFAULT)
    }

    /// Copies the oldest message out and removes it; false (nothing removed) if the copy
    /// fails. Input events have their latency recorded here.
    private func takeMessage(into buffer: UInt64, hart: Hart, thread: Thread) -> Bool {
        guard let message = thread.messages.first,
              case .success = thread.process.addressSpace.copyOut(message.record, to: buffer) else { return false }
        thread.messages.removeFirst()
        traceEvent(.messageRetrieved(tid: thread.tid, kind: message.kind), on: hart)
        if message.isInput {
            let latency = hart.cycle > message.postedCycle ? hart.cycle - message.postedCycle : 0
            input.latencies.append(latency)
            traceEvent(.inputHandled(tid: thread.tid, latencyCycles: latency), on: hart)
        }
        return true
    }
}
