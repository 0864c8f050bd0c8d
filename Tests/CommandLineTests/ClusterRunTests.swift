// `interleave run` with several machines, run as a person would: a TCP echo server on
// machine 1 and its client on machine 2 print their lines prefixed and in simulated time
// order; the same run in two processes gives the same bytes of output, --json and --pcap,
// with faults on; tshark reads the capture; the topology example runs; a server left
// waiting is listed and the status is the client's. The guests are built by
// `interleave build` with the toolchain the tool finds.

import Foundation
import Testing

@Suite("Command line: several machines", .enabled(if: CommandLineTests.tool != nil, "needs the interleave executable built beside the tests"),
       .enabled(if: OptionErrorTests.hasToolchain, "the guests are built with the Swift toolchain"))
struct ClusterRunTests {
    static let examples = CommandLineTests.packageRoot + "/Guest/Examples/Network/"

    /// A folder with echo-server.elf and echo-client.elf built in it.
    static func folderWithEcho() throws -> URL {
        let folder = try CommandLineTests.folder()
        for name in ["echo-server", "echo-client"] {
            let build = try CrossProcessDeterminismTests.interleave(["build", examples + name + ".c", "-o", name + ".elf"], in: folder, files: [])
            try #require(build.status == 0, "\(name) did not build: \(build.error)")
        }
        return folder
    }

    func run(_ arguments: [String], in folder: URL, files: [String] = []) throws -> CrossProcessDeterminismTests.Outputs {
        try CrossProcessDeterminismTests.interleave(["run"] + arguments, in: folder, files: files)
    }

    @Test("Server on machine 1, client on machine 2: prefixed lines in time order, status 0, the report's figures")
    func echo() throws {
        let folder = try Self.folderWithEcho()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try run(["echo-server.elf", "echo-client.elf@2", "--json", "run.json"], in: folder, files: ["run.json"])
        #expect(outcome.status == 0, "\(outcome.error)")
        #expect(outcome.output == """
            m1| server: listening on port 7000
            m2| client: connected
            m1| server: client 10.0.0.2 connected
            m2| client: got back message 0
            m2| client: got back message 1
            m2| client: got back message 2
            m2| client: done
            m1| server: echoed 30 bytes

            """)
        let json = try #require(try JSONSerialization.jsonObject(with: outcome.files["run.json"] ?? Data()) as? [String: Any])
        let machines = try #require(json["machines"] as? [[String: Any]])
        #expect(machines.count == 2)
        for machine in machines {
            let network = try #require(machine["network"] as? [String: Any])
            #expect((network["bytesSent"] as? Int) == 30 && (network["bytesReceived"] as? Int) == 30, "\(network)")
            #expect((network["roundTripSamples"] as? Int ?? 0) > 0)
            #expect(machine["status"] as? Int == 0)
        }
        let links = try #require(json["links"] as? [[String: Any]])
        #expect(links.count == 2 && links.allSatisfy { ($0["packetsOut"] as? Int ?? 0) > 0 && $0["drops"] as? Int == 0 })
    }

    @Test("The same run with faults prints the same bytes, --json and --pcap in two processes")
    func determinism() throws {
        let folder = try Self.folderWithEcho()
        defer { try? FileManager.default.removeItem(at: folder) }
        let faulty = ["echo-server.elf", "echo-client.elf@2", "--drop", "0.2", "--reorder", "0.2", "--duplicate", "0.1",
                      "--link-jitter-us", "30", "--seed", "5", "--stats", "--json", "run.json", "--pcap", "run.pcap",
                      "--trace", "run.trace.json"]
        let files = ["run.json", "run.pcap", "run.trace.json"]
        let first = try run(faulty, in: folder, files: files)
        let second = try run(faulty, in: folder, files: files)
        #expect(first.status == 0, "\(first.error)")
        #expect(first.output.contains("m2| client: got back message 2\nm2| client: done\n"), "\(first.output)")
        // With seed 5 the client's FIN is lost after its program ended: its machine stays on and
        // sends it again, so the server reads the end of the stream and finishes.
        #expect(first.output.contains("m1| server: echoed"), "\(first.output)")
        #expect(first.error.contains("retrans"), "the --stats table")
        #expect((first.files["run.pcap"]?.count ?? 0) > 24)
        CrossProcessDeterminismTests.expectSame(first, second, "echo with faults")
        let json = try #require(try JSONSerialization.jsonObject(with: first.files["run.json"] ?? Data()) as? [String: Any])
        let links = try #require(json["links"] as? [[String: Any]])
        #expect(links.reduce(0) { $0 + ($1["drops"] as? Int ?? 0) } > 0, "the faults dropped packets")
        let machines = try #require(json["machines"] as? [[String: Any]])
        #expect(machines.reduce(0) { $0 + (($1["network"] as? [String: Any])?["retransmissions"] as? Int ?? 0) } > 0, "TCP sent again")
        // Another seed takes another path through the faults.
        let other = try run(faulty.map { $0 == "5" ? "6" : $0 }, in: folder, files: ["run.pcap"])
        #expect(other.status == 0, "\(other.error)")
        #expect(other.files["run.pcap"] != first.files["run.pcap"], "the seed draws the faults")
    }

    @Test("--trace writes one Perfetto file: a process group per machine and boot, an arrow per packet, the network's lane")
    func trace() throws {
        let folder = try Self.folderWithEcho()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try run(["echo-server.elf", "echo-client.elf@2", "--trace", "run.trace.json", "--drop", "0.2", "--seed", "5"],
                              in: folder, files: ["run.trace.json"])
        #expect(outcome.status == 0, "\(outcome.error)")
        let document = try JSONSerialization.jsonObject(with: outcome.files["run.trace.json"] ?? Data())
        let events = try #require((document as? [String: Any])?["traceEvents"] as? [[String: Any]] ?? document as? [[String: Any]])
        let processes = events.filter { $0["name"] as? String == "process_name" }.compactMap { ($0["args"] as? [String: Any])?["name"] as? String }
        for name in ["network", "m1 10.0.0.1", "m2 10.0.0.2"] { #expect(processes.contains(name), "\(processes)") }
        let starts = events.filter { $0["ph"] as? String == "s" }.count, ends = events.filter { $0["ph"] as? String == "f" }.count
        #expect(starts > 10 && starts == ends, "an arrow per packet delivered: \(starts) starts, \(ends) ends")
        #expect(events.contains { $0["ph"] as? String == "i" && ($0["name"] as? String ?? "").lowercased().contains("drop") }, "drops are instants")
    }

    @Test("--partition: the client's SYN is lost while machine 2 is cut off, sent again after the heal, and the echo completes")
    func partition() throws {
        let folder = try Self.folderWithEcho()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try run(["echo-server.elf", "echo-client.elf@2", "--partition", "2@0ms-5ms", "--json", "run.json"],
                              in: folder, files: ["run.json"])
        #expect(outcome.status == 0, "\(outcome.error)")
        #expect(outcome.output.hasSuffix("m2| client: done\nm1| server: echoed 30 bytes\n"), "\(outcome.output)")
        let json = try #require(try JSONSerialization.jsonObject(with: outcome.files["run.json"] ?? Data()) as? [String: Any])
        let links = try #require(json["links"] as? [[String: Any]])
        let partitionDrops = links.reduce(0) { $0 + ((($1["dropsByReason"] as? [String: Any])?["partition"] as? Int) ?? 0) }
        #expect(partitionDrops >= 1, "\(links)")
        let client = try #require((json["machines"] as? [[String: Any]])?.last?["network"] as? [String: Any])
        #expect((client["retransmissions"] as? Int ?? 0) >= 1, "the SYN sent again: \(client)")
        #expect((json["endCycle"] as? Int ?? 0) > 100_000_000, "after the first retransmission timeout (1 s)")
    }

    static let hasTshark = FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark")

    @Test("tshark reads --pcap: the handshake, the data and the close, with good checksums",
          .enabled(if: hasTshark, "needs tshark (Debian package tshark)"))
    func pcapInTshark() throws {
        let folder = try Self.folderWithEcho()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try run(["echo-server.elf", "echo-client.elf@2", "--pcap", "run.pcap"], in: folder, files: ["run.pcap"])
        #expect(outcome.status == 0, "\(outcome.error)")
        let path = folder.appendingPathComponent("capture.pcap").path
        try (outcome.files["run.pcap"] ?? Data()).write(to: URL(fileURLWithPath: path))
        let tshark = Process()
        tshark.executableURL = URL(fileURLWithPath: "/usr/bin/tshark")
        tshark.arguments = ["-r", path, "-T", "fields", "-e", "ip.src", "-e", "ip.dst", "-e", "tcp.flags.str", "-e", "tcp.len",
                            "-e", "_ws.expert.severity", "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"]
        let pipe = Pipe()
        tshark.standardOutput = pipe
        tshark.standardError = Pipe()
        try tshark.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        tshark.waitUntilExit()
        #expect(tshark.terminationStatus == 0)
        let rows = text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        try #require(rows.count >= 10, "\(text)")
        #expect(rows[0].prefix(2) == ["10.0.0.2", "10.0.0.1"] && rows[0][2].contains("S") && !rows[0][2].contains("A"), "SYN: \(rows[0])")
        #expect(rows[1].prefix(2) == ["10.0.0.1", "10.0.0.2"] && rows[1][2].contains("S") && rows[1][2].contains("A"), "SYN-ACK: \(rows[1])")
        #expect(rows.reduce(0) { $0 + (Int($1[3]) ?? 0) } == 60, "30 bytes each way")
        #expect(rows.filter { $0[2].contains("F") }.count >= 2, "a FIN each way")
        #expect(!text.lowercased().contains("error") && !text.contains("Malformed"), "\(text)")
    }

    @Test("docs/topology-example.json runs: its programs with their arguments, its names in the report")
    func topologyExample() throws {
        let folder = try CommandLineTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try run(["--topology", CommandLineTests.packageRoot + "/docs/topology-example.json", "--stats"], in: folder)
        #expect(outcome.status == 0, "\(outcome.error)")
        #expect(outcome.output.contains("m1| server: listening on port 7000\n"))
        #expect(outcome.output.hasSuffix("m2| client: done\nm1| server: echoed 30 bytes\n"), "\(outcome.output)")
        #expect(outcome.error.contains("m1 server ") && outcome.error.contains("m2 client "), "\(outcome.error)")
    }

    @Test("A server left waiting is listed; the status is the first program's that ended (the client's connect failure)")
    func quiescence() throws {
        let folder = try Self.folderWithEcho()
        defer { try? FileManager.default.removeItem(at: folder) }
        // The client asks for port 7001; the server listens on 7000 and waits for ever.
        let topology = #"{"machines": [{"programs": ["echo-server.elf"]}, {"programs": [{"file": "echo-client.elf", "arguments": ["1", "7001"]}]}]}"#
        try Data(topology.utf8).write(to: folder.appendingPathComponent("wrong-port.json"))
        let outcome = try run(["--topology", "wrong-port.json"], in: folder)
        #expect(outcome.status == 1, "\(outcome.error)")
        #expect(outcome.output.contains("m2| client: cannot connect (-111)"), "ECONNREFUSED: \(outcome.output)")
        #expect(outcome.error.contains("nothing more can happen; still waiting:"), "\(outcome.error)")
        #expect(outcome.error.contains("accept"), "what the server waits in: \(outcome.error)")
    }
}
