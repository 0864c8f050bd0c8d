// request-response.swift: the guest library's RequestClient and RequestServer on one
// machine (127.0.0.1): a counter server on a thread of its own, clients that call it,
// a repeat of a request that a remembering server answers from memory, a server that
// never answers (each attempt times out, then the call throws ETIMEDOUT), and a port
// nobody listens on (ECONNREFUSED after the retries). Deterministic: every line is
// compared byte for byte by Tests/KernelTests/RequestResponseTests.swift.
//
//   interleave run Guest/Programs/Net/request-response.swift
import Sync

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

do throws(SystemError) {
    let listener = try Listener.tcp(port: 7300)
    var counter = 0
    var stopped = false
    let server = RequestServer(listener: listener, remembersRequests: true) { request in
        let words = text(request.payload)
        if words == "stop" {
            stopped = true
            return Array("stopped".utf8)
        }
        if words == "inc" { counter += 1 }
        return Array("counter \(counter)".utf8)
    }
    let serving = try Thread.spawn {
        do throws(SystemError) {
            try server.serve(while: { !stopped })
        } catch {
            print("server: \(error.description)")
        }
    }

    let client = RequestClient(server: .loopback(port: 7300), clientID: 6, timeout: 50_000_000, retries: 2)
    var answers: [String] = []
    for _ in 0..<3 { answers.append(text(try client.call(Array("inc".utf8)))) }
    answers.append(text(try client.call(Array("get".utf8))))
    print("calls: \(answers.joined(separator: ", ")); connections \(client.connections), timeouts \(client.timeouts)")

    // Two clients with the same number: the second one's first call has the id of the
    // first one's, so the remembering server answers it from memory, without counting.
    let first = RequestClient(server: .loopback(port: 7300), clientID: 7, timeout: 50_000_000)
    let once = text(try first.call(Array("inc".utf8)))
    let twin = RequestClient(server: .loopback(port: 7300), clientID: 7, timeout: 50_000_000)
    let repeated = text(try twin.call(Array("inc".utf8)))
    let other = RequestClient(server: .loopback(port: 7300), clientID: 8, timeout: 50_000_000)
    let fresh = text(try other.call(Array("inc".utf8)))
    print("repeat: \(once), then \(repeated) from memory; another client: \(fresh)")

    // A listener that never accepts: the connection completes in its backlog, the request
    // is taken by the kernel, and no answer ever comes.
    let silent = try Listener.tcp(port: 7301)
    let impatient = RequestClient(server: .loopback(port: 7301), clientID: 9, timeout: 2_000_000, retries: 2, retryDelay: 0)
    do throws(SystemError) {
        _ = try impatient.call(Array("inc".utf8))
        print("silent: answered?")
    } catch {
        print("silent: \(error.description) after \(impatient.timeouts) timeouts, \(impatient.resends) resends")
    }
    try silent.close()

    let nobody = RequestClient(server: .loopback(port: 7302), clientID: 10, timeout: 2_000_000, retries: 1, retryDelay: 0)
    do throws(SystemError) {
        _ = try nobody.call(Array("inc".utf8))
        print("closed port: answered?")
    } catch {
        print("closed port: \(error.description) after \(nobody.resends) resend")
    }

    _ = try client.call(Array("stop".utf8))
    try serving.join()
    print("server: handled \(server.handled), from memory \(server.repeatsAnswered), accepted \(server.accepted)")
    server.close()
} catch {
    print("error: \(error.description)")
    System.exit(1)
}
