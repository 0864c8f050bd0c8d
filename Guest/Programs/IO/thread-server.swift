// thread-server.swift: the thread-per-connection design — a ThreadPerConnectionServer
// on a TCP (or UNIX) listener gives each connection a thread that blocks in its own
// reads; client threads send requests and check each echo. Threads are Interleave's
// own calls, so this runs under Interleave only.
//
//   interleave run Guest/Programs/IO/thread-server.swift [CLIENTS] [REQUESTS] [tcp|unix]
import Sync

let clientCount = max(1, System.number(1, default: 4))
let requestCount = max(1, System.number(2, default: 3))
let overUnix = System.arguments.count > 3 && System.arguments[3] == "unix"

do throws(SystemError) {
    let listener = overUnix ? try Listener.listening(on: .abstract(name: "thread-server"))
                            : try Listener.tcp()
    let address = try listener.address()
    let server = ThreadPerConnectionServer(listener: listener, stackSize: 32 << 10) { connection in
        while let request = try? connection.receive(maxCount: 256), !request.isEmpty {
            try? connection.send(all: request)
        }
    }
    var wrong = 0
    var clients: [Thread] = []
    for client in 0..<clientCount {
        clients.append(try Thread.spawn(stackSize: 32 << 10) {
            do throws(SystemError) {
                let socket = try Socket.connected(to: address)
                for request in 0..<requestCount {
                    let message = Array("client \(client) request \(request);".utf8)
                    try socket.send(all: message)
                    if try socket.descriptor.read(exactly: message.count) != message { wrong += 1 }
                }
                try socket.close()
            } catch {
                print("client \(client): \(error.description)")
            }
        })
    }
    let served = try server.serve(connections: clientCount)
    for client in clients { try client.join() }
    try listener.close()
    print("\(overUnix ? "unix" : "tcp"): served \(served) connections on \(served) threads, \(requestCount) requests each, wrong echoes \(wrong)")
} catch {
    print("thread-server: \(error.description)")
    System.exit(1)
}
