// Race detection on a running kernel: reads the kernel's race log (every guest memory
// access and synchronisation, in order) into the FastTrack detector, and turns its
// reports into findings a person can act on: both accesses with thread, kind, size, PC,
// function and line, and the variable by symbol and offset.
//
// CONTRACT (issue 18 wave): the public API below is fixed; the `races` part builds it.

import Kernel

/// One data race, reported once per pair of code locations.
public struct RaceFinding: Sendable, Equatable, CustomStringConvertible {
    public struct Side: Sendable, Equatable {
        public var thread: Int32
        public var isWrite: Bool
        public var size: Int
        public var pc: UInt64
        /// `function+0x1c (file.swift:12)`, or the PC in hex without symbols.
        public var location: String

        public init(thread: Int32, isWrite: Bool, size: Int, pc: UInt64, location: String) {
            self.thread = thread
            self.isWrite = isWrite
            self.size = size
            self.pc = pc
            self.location = location
        }
    }

    public var address: UInt64
    /// `symbol+0x8`, or the address in hex when no symbol covers it (heap, stack).
    public var variable: String
    /// The earlier access and the one that raced with it.
    public var first: Side
    public var second: Side

    public init(address: UInt64, variable: String, first: Side, second: Side) {
        self.address = address
        self.variable = variable
        self.first = first
        self.second = second
    }

    public var description: String {
        func side(_ s: Side) -> String {
            "thread \(s.thread) \(s.isWrite ? "write" : "read") of \(s.size) at \(s.location)"
        }
        return "data race on \(variable): \(side(first)), then \(side(second))"
    }
}

/// Watches one kernel's run for races. Attach it right after the kernel is made (its
/// configuration has `exploration.raceLog` on) and before it runs.
public final class RaceMonitor {
    public init() {}

    /// Starts watching `kernel` (a new run: the detector starts empty).
    public func attach(to kernel: Kernel) {}

    /// Reads what the log holds now; call when the run has ended (and may call between slices).
    public func drain() {}

    /// The races found so far, each once, in the order found.
    public private(set) var races: [RaceFinding] = []
}
