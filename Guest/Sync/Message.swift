// Message.swift: every thread's message queue, the Windows 1.0 model.
// `Messages.post` puts a message in another thread's queue and returns at once;
// `Messages.get` takes the oldest message, waiting (and so giving the processor
// to other threads) while there is none; `Messages.peek` looks without waiting
// and never gives the processor away. The kernel's input device posts cursor
// moves into the foreground thread's queue, then `Message.quit`.

/// One message: 32 bytes in the kernel's record (kind, sender, two parameters,
/// the time it was posted).
public struct Message: Equatable {
    /// What it means: `Message.quit`, `Message.cursorMoved`, or the program's own
    /// (from `Message.user` up).
    public var kind: Int
    /// The posting thread's id; 0 for the kernel's input device.
    public var sender: Int
    /// Two parameters: for a cursor move, x and y on a 640×480 screen.
    public var first: Int
    public var second: Int
    /// Simulated nanoseconds (the monotonic clock) when it was posted.
    public var time: UInt64

    /// No more input: the input device posts it after its last event (WM_QUIT).
    public static let quit = 0x0012
    /// The cursor moved to (first, second) (WM_MOUSEMOVE).
    public static let cursorMoved = 0x0200
    /// The first kind free for a program's own messages (WM_USER).
    public static let user = 0x0400

    public init(kind: Int, sender: Int, first: Int, second: Int, time: UInt64) {
        self.kind = kind
        self.sender = sender
        self.first = first
        self.second = second
        self.time = time
    }

    /// The kernel's record: word 0 holds kind (low 32 bits) and sender (high 32).
    init(record: (UInt64, UInt64, UInt64, UInt64)) {
        kind = Int(record.0 & 0xFFFF_FFFF)
        sender = Int(Int32(truncatingIfNeeded: record.0 >> 32))
        first = Int(bitPattern: UInt(record.1))
        second = Int(bitPattern: UInt(record.2))
        time = record.3
    }
}

public enum Messages {
    /// Puts a message in `thread`'s queue. Throws ESRCH (code 3) when the thread
    /// does not exist or has ended, EAGAIN (`SystemError.wouldBlock`) when its
    /// queue is full.
    public static func post(to thread: Thread, kind: Int, _ first: Int = 0, _ second: Int = 0) throws(SystemError) {
        try System.checkedSyscall(SystemCallNumber.postMessage, thread.id, kind, first, second)
    }

    /// The oldest message in the calling thread's queue; waits until there is one.
    public static func get() -> Message {
        var record: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutablePointer(to: &record) { pointer in
            _ = System.infallibleSyscall("get_message", SystemCallNumber.getMessage, Int(bitPattern: pointer))
        }
        return Message(record: record)
    }

    /// The oldest message, taken from the queue, or nil at once when it is empty.
    public static func peek() -> Message? {
        var record: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let found = withUnsafeMutablePointer(to: &record) { pointer in
            System.infallibleSyscall("peek_message", SystemCallNumber.peekMessage, Int(bitPattern: pointer))
        }
        return found == 1 ? Message(record: record) : nil
    }
}
