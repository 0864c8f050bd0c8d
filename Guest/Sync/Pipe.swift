// Pipe.swift: a one-way byte stream between threads or processes (pipe2), and the
// one signal a pipe's writer meets (SIGPIPE).
//
// A pipe is a kernel buffer (64 KiB on Linux) with two descriptors: bytes written to
// the write end come out of the read end in order, exactly once. A reader waits while
// it is empty and sees the end of file (a read of 0) once every write end is closed;
// a writer waits while it is full and gets EPIPE — and by default SIGPIPE, which ends
// the process with status 141 — once every read end is closed. Children started by
// `Process.spawn` inherit both ends unless close-on-exec: close the end you do not use.

/// Makes pipes.
public enum Pipe {
    /// A new pipe (pipe2): bytes written to `writeEnd` are read from `readEnd`.
    /// `nonBlocking` sets O_NONBLOCK on both ends (EAGAIN instead of waiting);
    /// `closeOnExec` keeps both ends from children. EMFILE past the descriptor limit.
    public static func make(nonBlocking: Bool = false, closeOnExec: Bool = false)
        throws(SystemError) -> (readEnd: FileDescriptor, writeEnd: FileDescriptor) {
        var ends: (Int32, Int32) = (-1, -1)
        let flags = FileControl.creationFlags(nonBlocking: nonBlocking, closeOnExec: closeOnExec)
        let result = withUnsafeMutablePointer(to: &ends) { pointer in
            System.syscall(SystemCallNumber.pipe2, Int(bitPattern: pointer), flags)
        }
        try System.check(result)
        return (FileDescriptor(ends.0), FileDescriptor(ends.1))
    }
}

/// The few signal settings an I/O program needs (rt_sigaction).
public enum Signals {
    /// SIGPIPE: a write to a pipe or socket nobody reads any more.
    public static let brokenPipe = 13

    /// struct sigaction as riscv64 Linux's kernel takes it: handler, flags, mask.
    struct Action {
        var handler: Int = 0
        var flags: Int = 0
        var mask: UInt64 = 0
    }

    /// Ignores SIGPIPE, so a write to a pipe or socket whose reader has gone throws
    /// `.brokenPipe` (EPIPE) instead of ending the process with status 141: what a
    /// server does, so one client hanging up cannot kill it.
    public static func ignoreBrokenPipe() throws(SystemError) {
        try setDisposition(of: brokenPipe, to: 1)   // SIG_IGN
    }

    /// Gives SIGPIPE its default action back (the process ends, status 141).
    public static func defaultBrokenPipe() throws(SystemError) {
        try setDisposition(of: brokenPipe, to: 0)   // SIG_DFL
    }

    static func setDisposition(of signal: Int, to handler: Int) throws(SystemError) {
        var action = Action(handler: handler)
        let result = withUnsafeMutablePointer(to: &action) { pointer in
            System.syscall(SystemCallNumber.rtSigaction, signal, Int(bitPattern: pointer), 0, 8)
        }
        try System.check(result)
    }
}
