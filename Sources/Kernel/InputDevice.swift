// The input device: a mouse inside the kernel. When switched on
// (`KernelConfiguration.inputPeriodCycles`), it moves the cursor at a fixed rate of
// simulated time — one event every period, `inputEventCount` of them, then a quit
// message one period later — and posts each as a message into the queue of the
// foreground thread (`foregroundThread`: set_foreground chooses its process), as Windows
// 1.0 did. Its interrupt is hart 0's timer: `programTimer` sets that hart's timer for the
// next injection too, so an event arrives at its cycle whatever the threads are doing.
//
// The kernel measures input latency per event, from injection to the moment the program
// takes the message with get_message or peek_message. A thread that loops on
// get_message answers within microseconds; under a cooperative scheduler a thread that
// computes and never asks for messages holds every event back until it stops.

import Machine
import Trace

struct InputDevice {
    /// Cycles between events; nil when the device is off.
    let period: UInt64?
    /// Cursor moves to inject before the quit message.
    let eventCount: Int
    /// The hart whose timer drives the device.
    let hart = 0
    /// Events injected so far (cursor moves; the quit message is not counted).
    var injected = 0
    /// Events that found no live foreground thread or a full queue.
    var dropped = 0
    var quitPosted = false
    /// Cycles from injection to retrieval, per event, in the order they were taken.
    var latencies: [UInt64] = []
    /// The cursor, on a 640×480 screen, moved by a seeded walk.
    var x: UInt64 = 320, y: UInt64 = 240
    var random: SplitMix64

    /// Power-on: injections come a period, two, … after it.
    var start: UInt64 = 0

    init(configuration: KernelConfiguration) {
        start = configuration.startCycle
        period = configuration.inputPeriodCycles
        eventCount = configuration.inputEventCount
        random = SplitMix64(seed: configuration.seed ^ 0x6D6F_7573_65)   // "mouse"
    }

    static let off = InputDevice(configuration: KernelConfiguration())

    /// The cycle of the next injection, or nil when there is none left.
    var nextInjection: UInt64? {
        guard let period, !quitPosted else { return nil }
        let (due, overflow) = UInt64(min(injected, eventCount) + 1).multipliedReportingOverflow(by: period)
        return overflow ? .max : due.addingSaturated(start)
    }

    /// The next cursor position: a step of up to 8 pixels each way, kept on the screen.
    mutating func moveCursor() -> (UInt64, UInt64) {
        let step = random.next()
        x = UInt64(min(639, max(0, Int64(x) + Int64(step & 15) - 8)))
        y = UInt64(min(479, max(0, Int64(y) + Int64((step >> 4) & 15) - 8)))
        return (x, y)
    }
}

extension Kernel {
    /// Injects every event due by `hart`'s clock (called on its interrupts).
    func injectInput(_ hart: Hart) {
        guard hart.id == input.hart else { return }
        while let due = input.nextInjection, due <= hart.cycle {
            let target = foregroundThread.flatMap { $0.isExited ? nil : $0 }
            let nanoseconds = SimulatedTime(cycles: due).nanoseconds(clockFrequency: configuration.clockFrequency)
            if input.injected < input.eventCount {
                input.injected += 1
                let (x, y) = input.moveCursor()
                guard let target, target.messages.count < configuration.messageQueueCapacity else {
                    input.dropped += 1
                    traceEvent(.inputInjected(sequence: UInt32(truncatingIfNeeded: input.injected), to: 0), cycle: due, hart: hart.id)
                    continue
                }
                traceEvent(.inputInjected(sequence: UInt32(truncatingIfNeeded: input.injected), to: target.tid), cycle: due, hart: hart.id)
                deliver(Message(kind: Message.cursorMoved, sender: 0, parameter1: x, parameter2: y, postedCycle: due,
                                postedNanoseconds: nanoseconds, isInput: true), to: target, at: hart.cycle)
            } else {
                // The quit message may go one past a full queue: the program must learn the input ended.
                input.quitPosted = true
                guard let target else { continue }
                deliver(Message(kind: Message.quit, sender: 0, parameter1: 0, parameter2: 0, postedCycle: due,
                                postedNanoseconds: nanoseconds), to: target, at: hart.cycle)
            }
        }
    }
}
