// Channel.swift: a bounded first-in, first-out queue between threads — the way to share
// by communicating rather than communicate by sharing.
//
// A sender puts a value in and a receiver takes it out; neither touches the other's
// data. The buffer holds at most `capacity` values: a sender waits while it is full (so
// a fast producer cannot outrun a slow consumer without bound) and a receiver waits
// while it is empty. `close()` says no more values will come: receivers drain what is
// left, then get nil. Built from a futex Mutex and two Conditions (not full, not empty).

import Synchronization

/// A bounded FIFO channel: `send` waits while full, `receive` while empty.
public final class Channel<Element>: @unchecked Sendable {
    let mutex = Mutex()
    let notFull = Condition()
    let notEmpty = Condition()
    let buffer: UnsafeMutablePointer<Element>
    var head = 0, held = 0
    var closed = false

    /// Most values the channel holds at once.
    public let capacity: Int

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        buffer = .allocate(capacity: self.capacity)
    }

    deinit {
        for index in 0..<held { (buffer + (head + index) % capacity).deinitialize(count: 1) }
        buffer.deallocate()
    }

    /// Puts `value` at the back, waiting while the channel is full. False (and the
    /// value is dropped) when the channel has been closed.
    @discardableResult
    public func send(_ value: Element) -> Bool {
        mutex.lock()
        while held == capacity && !closed { notFull.wait(mutex) }
        if closed {
            mutex.unlock()
            return false
        }
        (buffer + (head + held) % capacity).initialize(to: value)
        held += 1
        mutex.unlock()
        notEmpty.signal()
        return true
    }

    /// Takes the value at the front, waiting while the channel is empty; nil once it is
    /// closed and empty.
    public func receive() -> Element? {
        mutex.lock()
        while held == 0 && !closed { notEmpty.wait(mutex) }
        if held == 0 {
            mutex.unlock()
            return nil
        }
        let value = (buffer + head).move()
        head = (head + 1) % capacity
        held -= 1
        mutex.unlock()
        notFull.signal()
        return value
    }

    /// No more values: waiting senders fail, receivers drain what is left, then get nil.
    public func close() {
        mutex.withLock { closed = true }
        notFull.broadcast()
        notEmpty.broadcast()
    }

    /// Values held now (already old when it returns: for reports, not decisions).
    public var count: Int { mutex.withLock { held } }
}
