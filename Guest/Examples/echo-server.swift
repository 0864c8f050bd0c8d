// echo-server.swift: an echo server on one thread with an EventLoop (epoll), and
// client threads that each connect over TCP to 127.0.0.1, send requests and check
// every echo. The server never blocks: it waits on epoll for whichever connection is
// readable, echoes what is there, and closes a connection when its client hangs up.
// A repeating timer reports progress; the loop stops when the last client is done.
//
//   interleave run Guest/Examples/echo-server.swift [CLIENTS] [REQUESTS]
//   interleave run Guest/Examples/echo-server.swift 20 10 --harts 2 --timeline
import Sync

let clientCount = max(1, System.number(1, default: 4))
let requestCount = max(1, System.number(2, default: 5))

do throws(SystemError) {
    try Signals.ignoreBrokenPipe()
    let loop = try EventLoop()
    let listener = try Listener.tcp()
    let port = try listener.port()
    var open = 0, finished = 0, echoedBytes = 0

    try loop.serve(listener) { connection in
        open += 1
        try? loop.register(connection.descriptor, for: .readable) { _ in
            // Level-triggered: read once; if more is left, epoll reports it again.
            let bytes: [UInt8]
            do throws(SystemError) {
                bytes = try connection.receive(maxCount: 4096)
            } catch {
                if error == .wouldBlock { return }
                bytes = []
            }
            if bytes.isEmpty {
                try? loop.close(connection.descriptor)
                open -= 1
                finished += 1
                if finished == clientCount { loop.stop() }
                return
            }
            echoedBytes += bytes.count
            try? connection.send(all: bytes)
        }
    }
    var reports = 0
    loop.schedule(after: 1_000_000, repeating: 1_000_000) {
        reports += 1
        if reports <= 3 { print("after \(reports) ms: \(open) connections open, \(finished) done, \(echoedBytes) bytes echoed") }
    }

    var clients: [Thread] = []
    for client in 0..<clientCount {
        clients.append(try Thread.spawn(stackSize: 64 << 10) {
            do throws(SystemError) {
                let socket = try Socket.connected(to: .loopback(port: port))
                for request in 0..<requestCount {
                    let message = "client \(client) request \(request)\n"
                    try socket.send(all: message)
                    let echo = try socket.descriptor.read(exactly: message.utf8.count)
                    if echo != Array(message.utf8) { print("client \(client): wrong echo") }
                }
                try socket.close()
            } catch {
                print("client \(client): \(error.description)")
            }
        })
    }
    try loop.run()
    for client in clients { try client.join() }
    print("\(clientCount) clients x \(requestCount) requests: \(echoedBytes) bytes echoed by one thread in "
          + "\(loop.waitCount) epoll waits and \(loop.eventCount) handler calls")
    try loop.close(listener.descriptor)
    try loop.close()
} catch {
    print("echo-server: \(error.description)")
    System.exit(1)
}
