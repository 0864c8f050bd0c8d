// RequestResponse.swift: asking another process — on this machine or another one —
// to do something and waiting for its answer, over a TCP connection, with a deadline.
//
// Every message is a frame: a 4-byte little-endian length (of what follows), an 8-byte
// little-endian request id, then the payload. The id is the client's number (high 32
// bits) and its count of calls (low 32 bits); a response carries its request's id, so a
// client that sent a request again can tell its answer from a stale one.
//
// The network can lose a request, its answer, or the whole machine. `RequestClient`
// waits at most `timeout` for each attempt (ppoll with the time left), then drops the
// connection, connects again and sends the same request with the same id, up to
// `retries` times. So a request may be done twice: once before its answer was lost and
// once when sent again. `RequestServer` with `remembersRequests` keeps each client's
// last answer by id and sends it back for a repeat instead of doing the work again —
// the usual fix for requests that are not idempotent (the `partition` lab shows both).

/// How a frame starts: length (4 bytes) and id (8 bytes).
let requestFrameHeader = 12
/// The largest payload either side accepts (a bad length must not make a client or
/// server allocate without bound).
public let requestLargestPayload = 1 << 20

/// Appends a frame for `payload` with `id` to `bytes`.
func appendRequestFrame(_ bytes: inout [UInt8], id: UInt64, payload: [UInt8]) {
    let length = UInt32(truncatingIfNeeded: 8 + payload.count)
    for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: length >> UInt32(shift))) }
    for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: id >> UInt64(shift))) }
    bytes += payload
}

/// Takes one whole frame from the front of `buffer`: nil while it is incomplete; throws
/// EMSGSIZE for a length no frame may have.
func takeRequestFrame(_ buffer: inout [UInt8]) throws(SystemError) -> (id: UInt64, payload: [UInt8])? {
    guard buffer.count >= 4 else { return nil }
    var length = 0
    for index in 0..<4 { length |= Int(buffer[index]) << (8 * index) }
    guard length >= 8, length - 8 <= requestLargestPayload else { throw SystemError.messageTooLong }
    guard buffer.count >= 4 + length else { return nil }
    var id: UInt64 = 0
    for index in 0..<8 { id |= UInt64(buffer[4 + index]) << UInt64(8 * index) }
    let payload = Array(buffer[requestFrameHeader..<(4 + length)])
    buffer.removeSubrange(0..<(4 + length))
    return (id, payload)
}

/// A client that sends requests to one server and waits for each answer: with a
/// `timeout` (nanoseconds per attempt) and `retries`, it survives lost packets, a
/// partition that heals, a server that restarts; without a timeout it waits for ever,
/// as a plain blocking read does.
public final class RequestClient {
    public let server: SocketAddress
    /// This client's number, the high half of every request id (servers that remember
    /// requests tell clients apart by it).
    public let clientID: UInt32
    /// How long one attempt may take, connecting included (nil: no limit).
    public var timeout: UInt64?
    /// How many times a request is sent again after the first attempt failed.
    public var retries: Int
    /// A pause before each retry, so a refused connection is not tried in a tight loop.
    public var retryDelay: UInt64

    /// Attempts that ran out of time.
    public private(set) var timeouts = 0
    /// Requests sent again (after a timeout or a broken connection).
    public private(set) var resends = 0
    /// Connections made (the first one too).
    public private(set) var connections = 0
    /// Answers that came for an earlier id (a repeat's first answer, arriving late): dropped.
    public private(set) var staleAnswers = 0

    var socket: Socket?
    var received: [UInt8] = []
    var sequence: UInt32 = 0

    public init(server: SocketAddress, clientID: UInt32 = 1, timeout: UInt64? = nil, retries: Int = 0,
                retryDelay: UInt64 = 1_000_000) {
        self.server = server
        self.clientID = clientID
        self.timeout = timeout
        self.retries = max(0, retries)
        self.retryDelay = retryDelay
    }

    /// Sends `request` and returns its answer. Throws ETIMEDOUT when every attempt ran out
    /// of time, or the last attempt's error (ECONNREFUSED, ECONNRESET, …).
    public func call(_ request: [UInt8]) throws(SystemError) -> [UInt8] {
        sequence &+= 1
        let id = UInt64(clientID) << 32 | UInt64(sequence)
        var frame: [UInt8] = []
        appendRequestFrame(&frame, id: id, payload: request)
        var lastError = SystemError.timedOut
        for attempt in 0...retries {
            if attempt > 0 {
                resends += 1
                if retryDelay > 0 { System.sleep(nanoseconds: retryDelay) }
            }
            let deadline = timeout.map { System.monotonicNanoseconds() &+ $0 }
            do {
                let socket = try connection(before: deadline)
                try socket.send(all: frame)
                return try answer(to: id, on: socket, before: deadline)
            } catch {
                if error == .timedOut { timeouts += 1 }
                lastError = error
                dropConnection()
            }
        }
        throw lastError
    }

    /// Closes the connection (the next call makes a new one).
    public func close() {
        dropConnection()
    }

    func dropConnection() {
        if let socket { try? socket.close() }
        socket = nil
        received = []
    }

    /// The time left before `deadline` (nil: no limit); ETIMEDOUT when none is.
    func remaining(_ deadline: UInt64?) throws(SystemError) -> UInt64? {
        guard let deadline else { return nil }
        let now = System.monotonicNanoseconds()
        guard now < deadline else { throw SystemError.timedOut }
        return deadline - now
    }

    /// The open connection, or a new one made before `deadline` (a non-blocking connect
    /// waited for with ppoll).
    func connection(before deadline: UInt64?) throws(SystemError) -> Socket {
        if let socket { return socket }
        let made = try Socket.make(server.family, .stream, nonBlocking: true, closeOnExec: true)
        do {
            try connect(made, before: deadline)
        } catch {
            try? made.close()
            throw error
        }
        try? made.setOption(level: SocketOption.tcpLevel, SocketOption.tcpNoDelay, 1)
        socket = made
        connections += 1
        return made
    }

    /// Connects `socket` (non-blocking), waiting for the handshake until `deadline`.
    func connect(_ socket: Socket, before deadline: UInt64?) throws(SystemError) {
        do {
            try socket.connect(to: server)
            return
        } catch {
            guard error == .inProgress else { throw error }
        }
        while true {
            let events = try socket.descriptor.wait(for: .writable, timeout: try remaining(deadline))
            if !events.isEmpty { break }
        }
        if let failure = try socket.pendingError() { throw failure }
    }

    /// Reads frames until the one for `id`; earlier answers are dropped.
    func answer(to id: UInt64, on socket: Socket, before deadline: UInt64?) throws(SystemError) -> [UInt8] {
        while true {
            while let frame = try takeRequestFrame(&received) {
                if frame.id == id { return frame.payload }
                staleAnswers += 1
            }
            let more: [UInt8]
            do {
                more = try socket.receive(maxCount: 4096)
            } catch {
                guard error == .wouldBlock else { throw error }
                let events = try socket.descriptor.wait(for: .readable, timeout: try remaining(deadline))
                if events.isEmpty { throw SystemError.timedOut }
                continue
            }
            if more.isEmpty { throw SystemError.connectionReset }   // the server closed: try again
            received += more
        }
    }
}

/// One request as a server's handler sees it.
public struct Request {
    /// The sending client's number (the id's high half).
    public let clientID: UInt32
    /// The client's count of its calls (the id's low half): a repeat has the same.
    public let sequence: UInt32
    public let payload: [UInt8]
}

/// A server that answers requests from many clients at once, in one thread: it waits
/// with ppoll on its listener and every connection, reads whole frames, runs the handler
/// for each request and writes the answer back on the connection it came from.
public final class RequestServer {
    public let listener: Listener
    /// Keep each client's last answer and send it again for a repeat of that request,
    /// instead of running the handler twice.
    public let remembersRequests: Bool
    let handler: (Request) -> [UInt8]

    /// Requests the handler ran.
    public private(set) var handled = 0
    /// Repeats answered from memory, without the handler.
    public private(set) var repeatsAnswered = 0
    /// Connections accepted so far.
    public private(set) var accepted = 0

    /// Most connections served at once; more wait in the listener's backlog.
    public static let mostConnections = 64
    /// Most clients whose last answer is remembered (the oldest is forgotten first).
    public static let mostRemembered = 256

    var connections: [(socket: Socket, buffer: [UInt8])] = []
    var remembered: [(client: UInt32, sequence: UInt32, answer: [UInt8])] = []
    var oldestRemembered = 0

    public init(listener: Listener, remembersRequests: Bool = false, handler: @escaping (Request) -> [UInt8]) {
        self.listener = listener
        self.remembersRequests = remembersRequests
        self.handler = handler
    }

    /// Serves until `keepGoing` says no (asked after every request) or the listener
    /// fails. A connection that breaks is closed and forgotten; the others go on.
    public func serve(while keepGoing: () -> Bool = { true }) throws(SystemError) {
        while keepGoing() {
            var records = [PollRecord(descriptor: listener.descriptor.rawValue,
                                      events: connections.count < Self.mostConnections ? 1 : 0, returnedEvents: 0)]
            for connection in connections {
                records.append(PollRecord(descriptor: connection.socket.descriptor.rawValue, events: 1, returnedEvents: 0))
            }
            var result = 0
            repeat {
                result = records.withUnsafeMutableBufferPointer { buffer in
                    System.syscall(SystemCallNumber.ppoll, Int(bitPattern: buffer.baseAddress), buffer.count, 0, 0, 8)
                }
            } while result == -SystemError.interrupted.code
            try System.check(result)
            // Connections first (their indices are the records' less one), from the last so
            // closing one does not move those still to visit.
            for index in stride(from: connections.count - 1, through: 0, by: -1) where records[index + 1].returnedEvents != 0 {
                if !serviceConnection(index, keepGoing: keepGoing) {
                    try? connections[index].socket.close()
                    connections.remove(at: index)
                }
                if !keepGoing() { return }
            }
            if records[0].returnedEvents != 0, let socket = try listener.acceptIfReady(nonBlocking: true, closeOnExec: true) {
                try? socket.setOption(level: SocketOption.tcpLevel, SocketOption.tcpNoDelay, 1)
                connections.append((socket, []))
                accepted += 1
            }
        }
    }

    /// Closes every connection and the listener.
    public func close() {
        for connection in connections { try? connection.socket.close() }
        connections = []
        try? listener.close()
    }

    /// Reads what connection `index` has and answers its whole frames; false when the
    /// connection has ended or broken.
    func serviceConnection(_ index: Int, keepGoing: () -> Bool) -> Bool {
        let socket = connections[index].socket
        let more: [UInt8]
        do {
            more = try socket.receive(maxCount: 4096)
        } catch {
            return error == .wouldBlock
        }
        if more.isEmpty { return false }
        connections[index].buffer += more
        while true {
            let frame: (id: UInt64, payload: [UInt8])?
            do {
                frame = try takeRequestFrame(&connections[index].buffer)
            } catch {
                return false
            }
            guard let frame else { return true }
            let request = Request(clientID: UInt32(truncatingIfNeeded: frame.id >> 32),
                                  sequence: UInt32(truncatingIfNeeded: frame.id), payload: frame.payload)
            var out: [UInt8] = []
            appendRequestFrame(&out, id: frame.id, payload: answer(request))
            do {
                try socket.send(all: out)
            } catch {
                return false
            }
            if !keepGoing() { return true }
        }
    }

    /// The handler's answer, or the remembered one for a repeat.
    func answer(_ request: Request) -> [UInt8] {
        if remembersRequests {
            for entry in remembered where entry.client == request.clientID && entry.sequence == request.sequence {
                repeatsAnswered += 1
                return entry.answer
            }
        }
        let answer = handler(request)
        handled += 1
        if remembersRequests { remember(request, answer) }
        return answer
    }

    func remember(_ request: Request, _ answer: [UInt8]) {
        if let slot = remembered.firstIndex(where: { $0.client == request.clientID }) {
            remembered[slot] = (request.clientID, request.sequence, answer)
        } else if remembered.count < Self.mostRemembered {
            remembered.append((request.clientID, request.sequence, answer))
        } else {
            remembered[oldestRemembered] = (request.clientID, request.sequence, answer)
            oldestRemembered = (oldestRemembered + 1) % Self.mostRemembered
        }
    }
}
