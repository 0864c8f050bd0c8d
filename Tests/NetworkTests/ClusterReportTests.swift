// Several machines' output and reports: lines come out prefixed with their machine and
// sorted by simulated time whatever order the machines wrote them in; the --json
// document parses and carries every machine and link in order; the --stats table has a
// row per machine and per link.

import Foundation
@testable import Kernel
@testable import Network
import Testing

@Suite("Cluster output and report")
struct ClusterReportTests {
    /// A merger for `count` machines and what it lets out, as text per stream.
    final class Collected {
        var output = "", error = ""
        var merger: OutputMerger! = nil
        init(count: Int) {
            merger = OutputMerger(labels: (1...count).map { "m\($0)" }) { [unowned self] stream, bytes in
                if stream == .output { output += String(decoding: bytes, as: UTF8.self) } else { error += String(decoding: bytes, as: UTF8.self) }
            }
        }
    }

    @Test("Lines come out in simulated time order, prefixed, whatever order the machines wrote them in")
    func timeOrder() {
        let collected = Collected(count: 2)
        let merger = collected.merger!
        // Machine 1 runs its whole window first, then machine 2, as the cluster steps them.
        merger.write(machine: 0, stream: .output, bytes: Array("one at 100\n".utf8), cycle: 100)
        merger.write(machine: 0, stream: .output, bytes: Array("one at 900\n".utf8), cycle: 900)
        merger.write(machine: 1, stream: .output, bytes: Array("two at 50\n".utf8), cycle: 50)
        merger.write(machine: 1, stream: .output, bytes: Array("two at 100, then half".utf8), cycle: 100)
        merger.write(machine: 1, stream: .output, bytes: Array(" a line\n".utf8), cycle: 1200)
        merger.flush(through: 1000)
        #expect(collected.output == "m2| two at 50\nm1| one at 100\nm1| one at 900\n")
        merger.write(machine: 0, stream: .error, bytes: Array("unfinished".utf8), cycle: 1500)
        merger.finish()
        #expect(collected.output == "m2| two at 50\nm1| one at 100\nm1| one at 900\nm2| two at 100, then half a line\n")
        #expect(collected.error == "m1| unfinished\n")
    }

    @Test("Ties in time go by machine, then by the order written; a machine's lines never go back in time")
    func ties() {
        let collected = Collected(count: 3)
        let merger = collected.merger!
        merger.write(machine: 2, stream: .output, bytes: Array("c1\nc2\n".utf8), cycle: 10)
        merger.write(machine: 0, stream: .output, bytes: Array("a1\n".utf8), cycle: 10)
        merger.write(machine: 0, stream: .output, bytes: Array("a2\n".utf8), cycle: 5)   // earlier than its last: kept after it
        merger.finish()
        #expect(collected.output == "m1| a1\nm1| a2\nm3| c1\nm3| c2\n")
    }

    func sampleReport() -> ClusterReport {
        var network = NetworkStackStatistics()
        network.packetsSent = 12
        network.packetsReceived = 11
        network.bytesSent = 300
        network.retransmissions = 1
        network.roundTripSamples = 2
        network.roundTripTotal = 30_000
        network.roundTripMinimum = 10_000
        network.roundTripMaximum = 20_000
        var link = LinkStatistics()
        link.packetsOut = 12
        link.drops = 1
        link.dropsByReason[.partition] = 1
        link.largestQueue = 3
        let machines = [
            ClusterReport.MachineEntry(number: 1, name: "server", ending: .exited(status: 0), statistics: KernelStatistics(),
                                       network: network, metricsJSON: "{\"status\": 0}\n"),
            ClusterReport.MachineEntry(number: 2, name: "client \"two\"", ending: nil, statistics: KernelStatistics(),
                                       network: NetworkStackStatistics(), metricsJSON: "{}"),
        ]
        return ClusterReport(machines: machines, links: [link, LinkStatistics()], clockFrequency: 100_000_000, endCycle: 500_000,
                             quiescent: true, stillWaiting: ["m2: process 1 (client) thread 1 waits in read"], status: 0)
    }

    @Test("--json parses, with every machine and link in order")
    func json() throws {
        let text = sampleReport().json()
        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(document["status"] as? Int == 0)
        #expect(document["endCycle"] as? Int == 500_000)
        #expect(document["quiescent"] as? Bool == true)
        #expect(document["stillWaiting"] as? [String] == ["m2: process 1 (client) thread 1 waits in read"])
        let machines = try #require(document["machines"] as? [[String: Any]])
        #expect(machines.map { $0["machine"] as? Int } == [1, 2])
        #expect(machines.map { $0["address"] as? String } == ["10.0.0.1", "10.0.0.2"])
        #expect(machines[1]["name"] as? String == "client \"two\"")
        #expect(machines[1]["status"] is NSNull)
        let network = try #require(machines[0]["network"] as? [String: Any])
        #expect(network["packetsSent"] as? Int == 12 && network["retransmissions"] as? Int == 1)
        #expect(network["roundTripMinimumCycles"] as? Int == 10_000 && network["roundTripMeanCycles"] as? Int == 15_000)
        #expect((machines[1]["network"] as? [String: Any])?["roundTripMeanCycles"] is NSNull)
        #expect((machines[0]["kernel"] as? [String: Any])?["status"] as? Int == 0)
        let links = try #require(document["links"] as? [[String: Any]])
        #expect(links.map { $0["machine"] as? Int } == [1, 2])
        #expect(links[0]["drops"] as? Int == 1 && links[0]["largestQueue"] as? Int == 3)
        let reasons = try #require(links[0]["dropsByReason"] as? [String: Int])
        #expect(reasons == ["queueFull": 0, "fault": 0, "partition": 1, "noMachine": 0, "machineDown": 0, "tooBig": 0])
        #expect(text == sampleReport().json())
    }

    @Test("--stats has a row per machine (round trips in µs) and per link")
    func table() {
        let lines = sampleReport().textLines()
        #expect(lines.first == "interleave: 2 machines, 500000 cycles (5000.0 µs simulated), ended when nothing more could happen")
        let server = lines.first { $0.hasPrefix("  m1 server") } ?? ""
        #expect(server.contains("12/11") && server.contains("100.0/150.0/200.0") && server.hasSuffix("exited with 0"), "\(server)")
        #expect(lines.contains { $0.hasPrefix("  m2 client") && $0.hasSuffix("still waiting") && $0.contains("-/-/-") })
        #expect(lines.filter { $0.contains(" 10.0.0.") }.count == 2)
        let linkHeader = lines.firstIndex { $0.hasPrefix("  link") } ?? lines.count
        #expect(lines.count == linkHeader + 3, "a row per link after the header")
        #expect(lines.last?.hasPrefix("  m2 ") == true)
        #expect(lines[linkHeader + 1].hasSuffix("drops: partition 1"), "\(lines[linkHeader + 1])")
    }
}
