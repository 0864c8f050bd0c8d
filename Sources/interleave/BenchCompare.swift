// `interleave bench --compare`: reads the `--json` files of earlier runs back into bench
// reports (BenchReport.json's keys) for BenchComparison's side-by-side table.

import Foundation
import MachineTools

extension BenchReport {
    /// The report a `bench --json` file holds; the targets are judged again from its rows.
    static func read(jsonFile path: String) throws -> BenchReport {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw fail("--compare \(path): no such file to read", status: 1)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail("--compare \(path): not the JSON object `bench --json` writes", status: 1)
        }
        func rows(_ key: String) -> [[String: Any]] { object[key] as? [[String: Any]] ?? [] }
        func text(_ row: [String: Any], _ key: String) -> String { row[key] as? String ?? "" }
        func number(_ row: [String: Any], _ key: String) -> Double { (row[key] as? NSNumber)?.doubleValue ?? .nan }
        func count(_ row: [String: Any], _ key: String) -> UInt64 { (row[key] as? NSNumber)?.uint64Value ?? 0 }
        var report = BenchReport()
        report.programs = rows("programs").map {
            ProgramRow(name: text($0, "name"), kind: text($0, "kind"), instructions: count($0, "instructions"),
                       seconds: number($0, "seconds"), qemuSeconds: ($0["qemuSeconds"] as? NSNumber)?.doubleValue,
                       cpuSeconds: ($0["cpuSeconds"] as? NSNumber)?.doubleValue,
                       qemuCPUSeconds: ($0["qemuCPUSeconds"] as? NSNumber)?.doubleValue)
        }
        report.features = rows("features").map {
            FeatureRow(feature: text($0, "feature"), program: text($0, "program"), harts: Int(count($0, "harts")),
                       granularity: Int(count($0, "granularity")), mips: number($0, "mips"), relative: number($0, "relative"))
        }
        report.kernelPaths = rows("kernelPaths").map {
            KernelPathRow(name: text($0, "name"), label: text($0, "label"), operations: count($0, "operations"), seconds: number($0, "seconds"))
        }
        report.caches = rows("caches").map {
            CacheRow(program: text($0, "program"), offSeconds: number($0, "offSeconds"), onSeconds: number($0, "onSeconds"),
                     mipsOff: number($0, "mipsOff"), mipsOn: number($0, "mipsOn"))
        }
        report.tracing = rows("tracing").map {
            TracingRow(label: text($0, "label"), compute: $0["compute"] as? Bool ?? false, offSeconds: number($0, "offSeconds"),
                       onSeconds: number($0, "onSeconds"), events: count($0, "events"))
        }
        report.qemuStartupSeconds = (object["qemuStartupSeconds"] as? NSNumber)?.doubleValue
        report.notes = ((object["notes"] as? [String: String]) ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return report
    }
}
