// The guest library's request/response helper (Guest/Sync/RequestResponse.swift) on one
// machine: RequestClient's calls answered by a RequestServer on another thread, a repeat
// answered from the server's memory instead of by its handler, timeouts against a server
// that never answers, ECONNREFUSED after the retries. Across machines the `partition`
// lab experiment runs the same helper (Tests/LabTests/NetworkExperimentTests.swift).

import Testing

@Suite("Guest library: request and response over TCP")
struct RequestResponseTests {
    static let expected = """
        calls: counter 1, counter 2, counter 3, counter 3; connections 1, timeouts 0
        repeat: counter 4, then counter 4 from memory; another client: counter 5
        silent: ETIMEDOUT (timed out) after 3 timeouts, 2 resends
        closed port: ECONNREFUSED (connection refused) after 1 resend
        server: handled 7, from memory 1, accepted 4

        """

    @Test("a client's calls are answered, a repeated id is answered from memory, a silent server times out each attempt, a closed port refuses",
          .needsGuestToolchain, arguments: [1, 2])
    func requestsOnLoopback(harts: Int) throws {
        let elf = try GuestPrograms.build("Net/request-response.swift")
        let result = try run(elf) {
            $0.harts = harts
            $0.memoryLimit = 64 << 20
            $0.instructionLimit = 100_000_000
        }
        #expect(result.text == Self.expected)
        #expect(result.ending == .exited(status: 0))
    }
}
