// Thirty-two registers of a thread kept by the kernel while the thread is off its hart
// (Thread.swift's ThreadContext): a fixed-size block inside the Thread object, copied to
// and from the hart in one go by a context switch (ContextSwitch.swift).

import Machine

/// x0–x31 or f0–f31 as the kernel keeps them: 32 words inline, no heap array.
struct RegisterFile {
    private var words = InlineArray<32, UInt64>(repeating: 0)

    /// Register `index` (its low five bits: every index names a register, none traps).
    subscript(index: Int) -> UInt64 {
        get { words[index & 31] }
        set { words[index & 31] = newValue }
    }

    /// The 32 words as one pointer, for the hart's bulk copies.
    mutating func withWords<Result>(_ body: (UnsafeMutablePointer<UInt64>) -> Result) -> Result {
        withUnsafeMutablePointer(to: &words) { block in
            block.withMemoryRebound(to: UInt64.self, capacity: 32) { body($0) }
        }
    }
}
