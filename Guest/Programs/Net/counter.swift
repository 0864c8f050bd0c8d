// counter.swift: a counter service on one machine and its client on another, for the
// lab's partition experiment. The server (RequestServer) adds one to its counter for
// each "inc" — a request that is not idempotent: done twice, it counts twice — taking
// 5 ms to do it, answers "get" with the count, and ends after CLIENTS "stop"s (default
// one). With `remember` it keeps each client's last answer by request id and answers a
// repeat from memory.
// The client (RequestClient) sends one "inc" every 20 ms, COUNT in all, then "get" and
// "stop"; with TIMEOUT_MS 0 it waits for each answer for ever, otherwise each attempt
// may take TIMEOUT_MS and a request is sent again up to RETRIES times. CLIENT_ID (default
// 1) is the client's number in its request ids: each client of one server needs its own.
//
//   counter server [remember|plain] [CLIENTS]
//   counter client SERVER_MACHINE COUNT TIMEOUT_MS RETRIES [CLIENT_ID]   (server at 10.0.0.SERVER_MACHINE)
import Sync

let port: UInt16 = 7400
func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
func milliseconds(_ nanoseconds: UInt64) -> UInt64 { nanoseconds / 1_000_000 }

func server(remembering: Bool, clients: Int) throws(SystemError) {
    let listener = try Listener.listening(on: .inet(.any, port: port), closeOnExec: true)
    var counter = 0
    var stops = 0
    let server = RequestServer(listener: listener, remembersRequests: remembering) { request in
        switch text(request.payload) {
        case "inc":
            System.sleep(nanoseconds: 5_000_000)   // the work takes a while
            counter += 1
        case "stop":
            stops += 1
        default:
            break
        }
        return Array("\(counter)".utf8)
    }
    try server.serve(while: { stops < max(1, clients) })
    print("server: counter \(counter); handled \(server.handled), answered from memory \(server.repeatsAnswered), connections \(server.accepted)")
    server.close()
}

func client(serverMachine: Int, count: Int, timeoutMs: Int, retries: Int, clientID: Int) throws(SystemError) {
    let address = SocketAddress.inet(IPv4Address(10, 0, 0, UInt8(truncatingIfNeeded: serverMachine)), port: port)
    let client = RequestClient(server: address, clientID: UInt32(truncatingIfNeeded: clientID), timeout: timeoutMs == 0 ? nil : UInt64(timeoutMs) * 1_000_000,
                               retries: retries)
    let start = System.monotonicNanoseconds()
    for index in 1...max(1, count) {
        let due = start + UInt64(index) * 20_000_000
        let now = System.monotonicNanoseconds()
        if now < due { System.sleep(nanoseconds: due - now) }
        let answer = text(try client.call(Array("inc".utf8)))
        print("client: inc \(index) answered \(answer) at \(milliseconds(System.monotonicNanoseconds() - start)) ms")
    }
    let final = text(try client.call(Array("get".utf8)))
    print("client: done \(count) increments; the server's counter is \(final); timeouts \(client.timeouts), resends \(client.resends), connections \(client.connections)")
    _ = try client.call(Array("stop".utf8))
    client.close()
}

let mode = System.arguments.count > 1 ? System.arguments[1] : "server"
do throws(SystemError) {
    if mode == "client" {
        try client(serverMachine: System.number(2, default: 1), count: System.number(3, default: 5),
                   timeoutMs: System.number(4, default: 0), retries: System.number(5, default: 0),
                   clientID: System.number(6, default: 1))
    } else {
        try server(remembering: System.arguments.count > 2 && System.arguments[2] == "remember",
                   clients: System.number(3, default: 1))
    }
} catch {
    print("\(mode): \(error.description)")
    System.exit(1)
}
