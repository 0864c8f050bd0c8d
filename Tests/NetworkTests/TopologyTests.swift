// The topology file and the network's syntax: docs/topology-example.json parses into the
// machines, links and faults it says; every bad field is refused with its path and what
// it accepts; the JSON reader names the line and column of a syntax error; times,
// partitions, crashes, clock skew and FILE@N read as the README says.

import Foundation
import Kernel
@testable import Network
import Testing

@Suite("Topology file")
struct TopologyTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    func parse(_ text: String) throws(TopologyError) -> Topology { try Topology.parse(Array(text.utf8)) }

    /// The message for `text`, which must be refused.
    func refusal(_ text: String) -> String {
        do {
            _ = try parse(text)
            Issue.record("accepted: \(text)")
            return ""
        } catch {
            return error.message
        }
    }

    @Test("docs/topology-example.json parses into what it says")
    func example() throws {
        let bytes = try #require(FileManager.default.contents(atPath: Self.packageRoot + "/docs/topology-example.json"))
        let topology = try Topology.parse(Array(bytes))
        #expect(topology.seed == 7)
        #expect(topology.machines.count == 2)
        let server = topology.machines[0], client = topology.machines[1]
        #expect(server.name == "server" && server.harts == 2 && server.era == .linux)
        #expect(server.programs == [TopologyProgram(file: "../Guest/Examples/Network/echo-server.c", arguments: ["7000"])])
        #expect(client.clockOffsetNanoseconds == 5_000_000 && client.clockDriftPartsPerMillion == 100)
        #expect(client.link?.latencyNanoseconds == 200_000 && client.link?.bandwidthBitsPerSecond == 100_000_000)
        #expect(client.programs.first?.arguments == ["3", "7000", "10.0.0.1"])
        #expect(topology.link.latencyNanoseconds == 50_000 && topology.link.mtu == 1500 && topology.link.queuePackets == 128)
        #expect(topology.faults.reorderDelayNanoseconds == 200_000)
        // Every file the example names exists.
        for program in topology.machines.flatMap(\.programs) {
            #expect(FileManager.default.fileExists(atPath: Self.packageRoot + "/docs/" + program.file), "\(program.file)")
        }
    }

    @Test("Partitions, crashes and per-machine links are read; a program may be a bare file name")
    func network() throws {
        let topology = try parse("""
            {"machines": [{"programs": ["a.c"]}, {"programs": ["b.c"], "link": {"mtu": 576}}, {"programs": ["c.c"]}],
             "network": {"partitions": [{"side": [1, 2], "start": "1ms", "heal": "2.5ms"}, {"side": [3]}],
                         "crashes": [{"machine": 2, "at": "10ms", "restart": "20ms"}, {"machine": 3, "at": "1s"}],
                         "faults": {"drop": 0.25, "jitter": "3us"}}}
            """)
        #expect(topology.machines[1].link?.mtu == 576)
        #expect(topology.machines[1].link?.applied(to: LinkSettings()).latencyNanoseconds == LinkSettings().latencyNanoseconds)
        #expect(topology.partitions == [Partition(side: [1, 2], startNanoseconds: 1_000_000, healNanoseconds: 2_500_000),
                                        Partition(side: [3], startNanoseconds: 0, healNanoseconds: nil)])
        #expect(topology.crashes == [Crash(machine: 2, atNanoseconds: 10_000_000, restartNanoseconds: 20_000_000),
                                     Crash(machine: 3, atNanoseconds: 1_000_000_000, restartNanoseconds: nil)])
        let faults = topology.faults.applied(to: FaultSettings())
        #expect(faults.dropRate == 0.25 && faults.jitterNanoseconds == 3_000 && faults.duplicateRate == 0)
        #expect(topology.machines[0].programs == [TopologyProgram(file: "a.c")])
    }

    @Test("Every bad field is refused with its path and what it accepts", arguments: [
        (#"{"machines": [{"programs": ["a.c"]}, {"harts": 0, "programs": ["b.c"]}]}"#, "machines[1].harts: must be a whole number 1...64, not 0"),
        (#"{"machines": [{"program": ["a.c"]}]}"#, "machines[0].program: not a field here; the fields are name, harts"),
        (#"{"machines": [{"name": "x"}]}"#, "the field machines[0].programs is missing"),
        (#"{"machines": [{"programs": []}]}"#, "machines[0].programs: every machine starts at least one program"),
        (#"{"machines": []}"#, "machines: must list 1...64 machines, not 0"),
        (#"{}"#, "the field machines is missing"),
        (#"[1]"#, "the file: must be an object, not an array"),
        (#"{"machines": [{"era": "win7", "programs": ["a.c"]}]}"#, "machines[0].era: must be one of dos, win1, win95"),
        (#"{"machines": [{"scheduler": "fifo", "programs": ["a.c"]}]}"#, "machines[0].scheduler: must be one of single-tasking, cooperative, round-robin, tickless"),
        (#"{"machines": [{"programs": [{"file": "a.c", "arguments": [1]}]}]}"#, "machines[0].programs[0].arguments[0]: must be a string, not a number"),
        (#"{"machines": [{"programs": [{"arguments": []}]}]}"#, "the field machines[0].programs[0].file is missing"),
        (#"{"machines": [{"programs": [7]}]}"#, "machines[0].programs[0]: must be a file name or"),
        (#"{"machines": [{"clockOffset": "+2d", "programs": ["a.c"]}]}"#, "machines[0].clockOffset: must be a signed time"),
        (#"{"machines": [{"clockDriftPpm": 200000, "programs": ["a.c"]}]}"#, "machines[0].clockDriftPpm: must be a whole number -100000...100000, not 200000"),
        (#"{"machines": [{"name": "a b", "programs": ["a.c"]}]}"#, "machines[0].name: must be 1 to 32 characters"),
        (#"{"machines": [{"programs": ["a.c"]}], "network": {"link": {"latency": 50}}}"#, "network.link.latency: must be a time with its unit as a string, like \"50us\""),
        (#"{"machines": [{"programs": ["a.c"]}], "network": {"link": {"latency": "5 parsecs"}}}"#, "network.link.latency: must be a number and its unit"),
        (#"{"machines": [{"programs": ["a.c"]}], "network": {"link": {"latency": "1ns"}}}"#, "network.link.latency: must be 1us...10s, not 1ns"),
        (#"{"machines": [{"programs": ["a.c"]}], "network": {"link": {"mtu": 40}}}"#, "network.link.mtu: must be a whole number 68...65535, not 40"),
        (#"{"machines": [{"programs": ["a.c"]}], "network": {"link": {"bandwidthMbps": 0}}}"#, "network.link.bandwidthMbps: must be a number 0.001...1000000.0, not 0"),
        (#"{"machines": [{"programs": ["a.c"]}], "network": {"faults": {"drop": 1.5}}}"#, "network.faults.drop: must be a chance from 0 to 1"),
        (#"{"machines": [{"programs": ["a.c"]}], "network": {"faults": {"lose": 0.1}}}"#, "network.faults.lose: not a field here; the fields are drop, duplicate, reorder, reorderDelay, jitter"),
        (#"{"machines": [{"programs": ["a.c"]}, {"programs": ["b.c"]}], "network": {"partitions": [{"side": [3]}]}}"#, "network.partitions[0].side[0]: must be a whole number 1...2, not 3"),
        (#"{"machines": [{"programs": ["a.c"]}, {"programs": ["b.c"]}], "network": {"partitions": [{"side": [1, 2]}]}}"#, "network.partitions[0].side: must name some machines but not all"),
        (#"{"machines": [{"programs": ["a.c"]}, {"programs": ["b.c"]}], "network": {"partitions": [{"side": [1], "start": "2ms", "heal": "1ms"}]}}"#, "network.partitions[0].heal: must come after the start"),
        (#"{"machines": [{"programs": ["a.c"]}], "network": {"crashes": [{"machine": 1}]}}"#, "the field network.crashes[0].at is missing"),
        (#"{"machines": [{"programs": ["a.c"]}], "network": {"crashes": [{"machine": 1, "at": "5ms", "restart": "5ms"}]}}"#, "network.crashes[0].restart: must come after the crash"),
        (#"{"seed": -1, "machines": [{"programs": ["a.c"]}]}"#, "seed: must be a whole number 0...18446744073709551615, not -1"),
    ])
    func refusals(text: String, message: String) {
        let said = refusal(text)
        #expect(said.contains(message), "\(said)")
    }

    @Test("A JSON syntax error names its line and column", arguments: [
        ("{\n  \"machines\": [,]\n}", "line 2, column 16"),
        ("{\"seed\": 1, \"seed\": 2}", "the key \"seed\" is given twice"),
        ("{\"machines\": [] ", "expected , or }"),
        ("{\"machines\": [], }", "expected a key in double quotes"),
        ("{\"a\": \"b\n\"}", "a control character inside a string"),
        ("{\"a\": 01x}", "expected , or }"),
        ("", "the document ends where a value was expected"),
        (String(repeating: "[", count: 100), "nested deeper than 64 levels"),
    ])
    func syntaxErrors(text: String, message: String) {
        let said = refusal(text)
        #expect(said.contains("not valid JSON") && said.contains(message), "\(said)")
    }

    @Test("JSON values: escapes, numbers kept as written, keys in order")
    func jsonValues() throws {
        let value = try JSONValue.parse(Array(#"{"b": "a\"\\\/\n\u00e9", "a": [1.5e3, -0, true, false, null], "c": 18446744073709551615}"#.utf8))
        #expect(value == .object([(key: "b", value: .string("a\"\\/\né")),
                                  (key: "a", value: .array([.number("1.5e3"), .number("-0"), .bool(true), .bool(false), .null])),
                                  (key: "c", value: .number("18446744073709551615"))]))
    }

    @Test("Times with units, to the nanosecond, within range")
    func times() {
        #expect(NetworkSyntax.nanoseconds("50us") == 50_000)
        #expect(NetworkSyntax.nanoseconds("50µs") == 50_000)
        #expect(NetworkSyntax.nanoseconds("1.5ms") == 1_500_000)
        #expect(NetworkSyntax.nanoseconds("2s") == 2_000_000_000)
        #expect(NetworkSyntax.nanoseconds("7ns") == 7)
        #expect(NetworkSyntax.nanoseconds("0.0000000019s") == 1)
        for bad in ["", "5", "ms", "1.ms", ".5ms", "-1ms", "1e3ms", "5 ms", "5m", "99999999999999999s", "1000001s"] {
            #expect(NetworkSyntax.nanoseconds(bad) == nil, "\(bad)")
        }
        #expect(NetworkSyntax.signedNanoseconds("-5ms") == -5_000_000)
        #expect(NetworkSyntax.signedNanoseconds("+5ms") == 5_000_000)
    }

    @Test("Partitions, crashes, clock skew and FILE@N in the command line's syntax")
    func commandLineSyntax() throws {
        #expect(try NetworkSyntax.partition("1,2|3@100ms-300ms", machines: 3)
                == Partition(side: [1, 2], startNanoseconds: 100_000_000, healNanoseconds: 300_000_000))
        #expect(try NetworkSyntax.partition("2", machines: 3) == Partition(side: [2], startNanoseconds: 0, healNanoseconds: nil))
        #expect(try NetworkSyntax.partition("1@5ms", machines: 2) == Partition(side: [1], startNanoseconds: 5_000_000, healNanoseconds: nil))
        #expect(try NetworkSyntax.crash("2@50ms-200ms", machines: 2) == Crash(machine: 2, atNanoseconds: 50_000_000, restartNanoseconds: 200_000_000))
        #expect(try NetworkSyntax.crash("1@1s", machines: 2) == Crash(machine: 1, atNanoseconds: 1_000_000_000, restartNanoseconds: nil))
        #expect(try NetworkSyntax.clockOffset("2=-1.5s", machines: 2) == (2, -1_500_000_000))
        #expect(try NetworkSyntax.clockDrift("2=+100ppm", machines: 2) == (2, 100))
        #expect(try NetworkSyntax.clockDrift("1=-50", machines: 2) == (1, -50))
        #expect(try NetworkSyntax.placement("client.c@2") == ("client.c", 2))
        #expect(try NetworkSyntax.placement("dir@x/server.c") == ("dir@x/server.c", nil))
        #expect(try NetworkSyntax.placement("server.c") == ("server.c", nil))

        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch let problem as SyntaxProblem { return problem.message } catch { return "\(error)" }
        }
        #expect(message { _ = try NetworkSyntax.partition("1,2|4@5ms", machines: 4) }.contains("the other side must be every machine not in the first (3,4)"))
        #expect(message { _ = try NetworkSyntax.partition("1,2", machines: 2) }.contains("a side with every machine separates nothing"))
        #expect(message { _ = try NetworkSyntax.partition("1,1", machines: 3) }.contains("machine 1 is named twice"))
        #expect(message { _ = try NetworkSyntax.partition("5", machines: 3) }.contains("machine 5 does not exist: the run has 3 machines"))
        #expect(message { _ = try NetworkSyntax.partition("1@3ms-2ms", machines: 3) }.contains("the heal (2ms) must come after the start (3ms)"))
        #expect(message { _ = try NetworkSyntax.crash("2", machines: 3) }.contains("it needs @TIME"))
        #expect(message { _ = try NetworkSyntax.crash("0@1ms", machines: 3) }.contains("0 is not a machine number (1...64)"))
        #expect(message { _ = try NetworkSyntax.clockOffset("2=+2d", machines: 3) }.contains("+2d is not an offset"))
        #expect(message { _ = try NetworkSyntax.clockDrift("2=1.5ppm", machines: 3) }.contains("1.5ppm is not a drift"))
        #expect(message { _ = try NetworkSyntax.placement("client.c@0") }.contains("after @ comes the machine's number, 1...64"))
        #expect(message { _ = try NetworkSyntax.placement("client.c@65") }.contains("after @ comes the machine's number"))
    }
}
