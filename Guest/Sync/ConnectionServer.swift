// ConnectionServer.swift: the other way to serve many clients — a thread per
// connection, each blocking in its own reads and writes.
//
// Simple to write (a handler is straight-line code: read a request, write a reply,
// repeat) and the way servers were built before event loops; the price is a stack
// per connection (reserved, and touched as far as the handler goes) and a context
// switch for every wake. The `event-loop` experiment sets it against EventLoop.
// Its threads are Thread's (clone), as a Linux server's would be.

/// Accepts connections on a listener and runs `handler` for each on a thread of its own.
public final class ThreadPerConnectionServer {
    public let listener: Listener
    /// Stack size for each connection's thread (0: the kernel's default, 256 KiB).
    public let stackSize: Int
    let handler: (Socket) -> Void
    var threads: [Thread] = []

    /// Connections accepted so far.
    public private(set) var acceptedCount = 0

    /// `handler` gets a blocking socket and owns it until it returns; the server
    /// closes the socket then, so a handler just returns when the client is done.
    public init(listener: Listener, stackSize: Int = 0, handler: @escaping (Socket) -> Void) {
        self.listener = listener
        self.stackSize = max(0, stackSize)
        self.handler = handler
    }

    /// Accepts `connections` connections (nil: until accept fails), each served on a new
    /// thread, then waits for every one of those threads to finish. Returns how many it
    /// served. An accept error (EMFILE, or the listener closed) ends the accepting and
    /// is thrown once the threads already started have finished; so is a failed spawn
    /// (whose connection is closed unserved).
    @discardableResult
    public func serve(connections: Int? = nil) throws(SystemError) -> Int {
        var failure: SystemError?
        let first = acceptedCount
        while connections.map({ acceptedCount - first < $0 }) ?? true {
            let connection: Socket
            do {
                connection = try listener.accept(closeOnExec: true)
            } catch {
                failure = error
                break
            }
            acceptedCount += 1
            let handler = self.handler
            do {
                threads.append(try Thread.spawn(stackSize: stackSize) {
                    handler(connection)
                    try? connection.close()
                })
            } catch {
                try? connection.close()
                failure = error
                break
            }
        }
        joinAll()
        if let failure { throw failure }
        return acceptedCount - first
    }

    /// Waits for the threads of the connections served so far.
    func joinAll() {
        for thread in threads { _ = try? thread.join() }
        threads = []
    }
}
