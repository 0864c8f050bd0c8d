// Determinism of a run of several machines across processes: `interleave run --topology`
// with two machines (a counter server and a client that retries through a partition) runs
// twice, each in a process of its own with its own hash seed, and the merged output, the
// --json report and the --pcap capture must be the same bytes. (The traces of a cluster
// run are compared in-process: Tests/LabTests/ClusterRunTests.swift.)

import Foundation
import Testing

@Suite("Command line: several machines, the same run in two processes")
struct ClusterDeterminismTests {
    static func topology() -> String {
        let counter = CommandLineTests.packageRoot + "/Guest/Programs/Net/counter.swift"
        return """
            {
              "seed": 3,
              "machines": [
                { "name": "server", "harts": 2, "programs": [ { "file": "\(counter)", "arguments": ["server", "remember"] } ] },
                { "name": "client", "harts": 2, "programs": [ { "file": "\(counter)", "arguments": ["client", "1", "5", "30", "10"] } ] }
              ],
              "network": { "link": { "latency": "100us" }, "partitions": [ { "side": [2], "start": "62ms", "heal": "200ms" } ] }
            }
            """
    }

    @Test("a client retrying through a partition: output, --json and --pcap are byte-identical in two processes")
    func partitionedPair() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let topology = folder.appendingPathComponent("cluster.json")
        let arguments = ["run", "--topology", topology.path, "--json", "run.json", "--pcap", "run.pcap", "--stats"]
        let files = ["run.json", "run.pcap"]
        try Self.topology().write(to: topology, atomically: true, encoding: .utf8)
        let first = try CrossProcessDeterminismTests.interleave(arguments, in: folder, files: files)
        try Self.topology().write(to: topology, atomically: true, encoding: .utf8)
        let second = try CrossProcessDeterminismTests.interleave(arguments, in: folder, files: files)
        #expect(first.status == 0, "\(first.error)")
        #expect(first.output.contains("client: done 5 increments; the server's counter is 5"), "\(first.output)")
        #expect((first.files["run.pcap"]?.count ?? 0) > 1000)
        #expect(first.output == second.output)
        for name in files { #expect(first.files[name] == second.files[name], "\(name) differs") }
        // Standard error: the first run may build the guest; the report's last line is host time.
        func report(_ text: String) -> [String] {
            text.split(separator: "\n").map(String.init)
                .filter { !$0.hasPrefix("interleave: compiling ") && !$0.hasPrefix("interleave: linking ") && !$0.contains("on the host") }
        }
        #expect(report(first.error) == report(second.error))
        #expect(report(first.error).contains { $0.contains("2 machines") }, "\(first.error)")
    }
}
