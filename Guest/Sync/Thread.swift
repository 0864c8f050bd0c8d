// Thread.swift: threads for guest programs, made the way Linux makes them (clone), so a
// threaded program runs under Interleave's kernel and under qemu-riscv64 alike. A thread
// runs a closure on a stack of its own, mapped with an inaccessible guard page below it
// (an overflow faults cleanly; Guest/Runtime/thread-stack.c, which also caches the stacks
// of joined threads for the next ones), and shares everything else with the threads of its
// process. Its record sits at the top of that mapping: the thread-id word the kernel
// clears and futex-wakes when the thread ends (CLONE_CHILD_CLEARTID, what join waits
// for), its exit status, and the mapping for join to unmap. The thread's tp points there.

@_extern(c, "interleave_clone")
func interleave_clone(_ flags: Int, _ stack: Int, _ parentTID: Int, _ tls: Int, _ childTID: Int,
                      _ entry: Int, _ argument: Int) -> Int

@_extern(c, "interleave_thread_pointer")
func interleave_thread_pointer() -> Int

/// A stack mapping with its guard page (Guest/Runtime/thread-stack.c): its address or -errno.
@_extern(c, "interleave_stack_map")
func interleave_stack_map(_ length: Int) -> Int

@_extern(c, "interleave_stack_unmap")
func interleave_stack_unmap(_ mapping: Int, _ length: Int)

@_extern(c, "interleave_load_acquire32")
func interleave_load_acquire32(_ word: UnsafeMutablePointer<UInt32>) -> UInt32

/// The closure a new thread runs, kept alive across the spawn by a retain.
final class ThreadStart {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

/// A thread's record at the top of its stack mapping (ThreadRecord.size bytes).
struct ThreadRecord {
    static let size = 64
    static let tidOffset = 0, statusOffset = 8, mappingOffset = 16, lengthOffset = 24, startOffset = 32
    let address: Int

    private func field(_ offset: Int) -> UnsafeMutablePointer<Int> {
        UnsafeMutablePointer<Int>(bitPattern: address + offset).unsafelyUnwrapped
    }
    var tidWord: UnsafeMutablePointer<UInt32> { UnsafeMutablePointer<UInt32>(bitPattern: address + Self.tidOffset).unsafelyUnwrapped }
    var status: Int { get { field(Self.statusOffset).pointee } nonmutating set { field(Self.statusOffset).pointee = newValue } }
    var mapping: Int { get { field(Self.mappingOffset).pointee } nonmutating set { field(Self.mappingOffset).pointee = newValue } }
    var length: Int { get { field(Self.lengthOffset).pointee } nonmutating set { field(Self.lengthOffset).pointee = newValue } }
    var start: Int { get { field(Self.startOffset).pointee } nonmutating set { field(Self.startOffset).pointee = newValue } }
}

/// Where every thread begins (called by interleave_clone's child side with the record):
/// runs its closure and returns 0, the status the child side ends the thread with.
private let threadEntry: @convention(c) (Int) -> Int = { address in
    let record = ThreadRecord(address: address)
    guard let pointer = UnsafeMutableRawPointer(bitPattern: record.start) else { return 1 }
    let start = Unmanaged<ThreadStart>.fromOpaque(pointer).takeRetainedValue()
    start.body()
    return 0
}

public struct Thread: Equatable, Sendable {
    /// The kernel's thread id (`gettid` inside the thread).
    public let id: Int
    /// Its record's address (0: a thread this library did not make, such as the main one).
    let record: Int

    static let pageSize = 4096
    static let defaultStackSize = 256 << 10
    /// CLONE_VM | FS | FILES | SIGHAND | THREAD | SYSVSEM | SETTLS | PARENT_SETTID |
    /// CHILD_CLEARTID: what glibc's pthread_create asks for.
    static let cloneFlags = 0x100 | 0x200 | 0x400 | 0x800 | 0x1_0000 | 0x4_0000 | 0x8_0000 | 0x10_0000 | 0x20_0000

    public static func == (left: Thread, right: Thread) -> Bool { left.id == right.id }

    /// Starts `body` on a new thread with a stack of `stackSize` bytes (rounded up to
    /// pages; 0 means 256 KiB).
    public static func spawn(stackSize: Int = 0, _ body: @escaping () -> Void) throws(SystemError) -> Thread {
        guard stackSize >= 0, stackSize <= Int.max / 2 else { throw .invalidArgument }
        let requested = stackSize == 0 ? defaultStackSize : max(stackSize, pageSize)
        let stackBytes = (requested + pageSize - 1) & ~(pageSize - 1)
        let length = stackBytes + pageSize
        let mapping = try System.check(interleave_stack_map(length))
        let record = ThreadRecord(address: mapping + length - ThreadRecord.size)
        let argument = Unmanaged.passRetained(ThreadStart(body)).toOpaque()
        record.status = 0
        record.mapping = mapping
        record.length = length
        record.start = Int(bitPattern: argument)
        let word = Int(bitPattern: record.tidWord)
        let entry = unsafeBitCast(threadEntry, to: Int.self)
        // PARENT_SETTID writes the id into the word before clone returns, so a join can
        // never see it 0 before the thread has ended.
        let id = interleave_clone(cloneFlags, record.address, word, record.address, word, entry, record.address)
        do {
            try System.check(id)
        } catch {
            Unmanaged<ThreadStart>.fromOpaque(argument).release()
            interleave_stack_unmap(mapping, length)
            throw error
        }
        return Thread(id: id, record: record.address)
    }

    /// Waits until the thread has finished, frees its stack, and returns its exit status.
    /// Join each thread once: its record goes with its stack.
    @discardableResult
    public func join() throws(SystemError) -> Int {
        guard record != 0 else { throw .noSuchThread }
        guard interleave_thread_pointer() != record else { throw .deadlock }   // joining itself
        let thread = ThreadRecord(address: record)
        while true {
            let word = interleave_load_acquire32(thread.tidWord)
            if word == 0 { break }
            // A shared (not private) futex wait: the kernel's wake at a thread's exit is a
            // shared one, as Linux's is (glibc's pthread_join waits the same way).
            System.syscall(SystemCallNumber.futex, Int(bitPattern: thread.tidWord), 0 /* FUTEX_WAIT */, Int(word))
        }
        let status = thread.status
        interleave_stack_unmap(thread.mapping, thread.length)
        return status
    }

    /// The calling thread.
    public static var current: Thread {
        Thread(id: System.threadID, record: System.threadID == System.processID ? 0 : interleave_thread_pointer())
    }

    /// Ends the calling thread (not the process) with `status`, which its join returns.
    public static func exit(_ status: Int32 = 0) -> Never {
        let record = current.record
        if record != 0 { ThreadRecord(address: record).status = Int(status) }
        while true { System.syscall(SystemCallNumber.exit, Int(status)) }
    }
}
