// Two bench runs side by side (`interleave bench --compare BEFORE.json [--compare AFTER.json]`):
// each program's MIPS and time ratio to qemu-riscv64 before and after, and each of issue
// 17's targets judged on both — the table a closing note needs, from the runs' own files.

public enum BenchComparison {
    /// The programs' table and the targets' table of `before` against `after`. Programs
    /// come in `after`'s order, then those only `before` has; a figure a run lacks is "-".
    public static func table(before: BenchReport, after: BenchReport) -> String {
        var names: [String] = []
        for row in after.programs + before.programs where !names.contains(row.name) { names.append(row.name) }
        var lines = ["program                 MIPS before   MIPS after   ÷ qemu before   ÷ qemu after"]
        for name in names {
            let old = before.programs.last { $0.name == name }, new = after.programs.last { $0.name == name }
            lines.append(BenchTargets.padded(name, 24)
                         + right(old.map { BenchTargets.fixed($0.mips, 1) }, 11) + right(new.map { BenchTargets.fixed($0.mips, 1) }, 13)
                         + right(old?.timeRatio.map { BenchTargets.fixed($0, 2) + "x" }, 16)
                         + right(new?.timeRatio.map { BenchTargets.fixed($0, 2) + "x" }, 15))
        }
        if before.qemuStartupSeconds != nil || after.qemuStartupSeconds != nil {
            lines.append("qemu start-up (s)       " + right(before.qemuStartupSeconds.map { BenchTargets.fixed($0, 3) }, 11)
                         + right(after.qemuStartupSeconds.map { BenchTargets.fixed($0, 3) }, 13))
        }
        lines.append("")
        lines.append("target                                  before                            after                             status before → after")
        let old = BenchTargets.evaluate(before), new = BenchTargets.evaluate(after)
        for (a, b) in zip(old, new) {
            lines.append(BenchTargets.padded(a.target.rawValue, 40) + BenchTargets.padded(shown(a), 34) + BenchTargets.padded(shown(b), 34)
                         + "\(a.status.rawValue) → \(b.status.rawValue)")
        }
        let met = (old.filter { $0.status == .met }.count, new.filter { $0.status == .met }.count)
        lines.append("targets met: \(met.0) of \(old.count) before, \(met.1) of \(new.count) after (judged on today's goals)")
        return lines.joined(separator: "\n")
    }

    static func shown(_ result: BenchTargetResult) -> String { result.value == nil ? "not measured" : result.measured }

    static func right(_ text: String?, _ width: Int) -> String {
        let text = text ?? "-"
        return String(repeating: " ", count: max(1, width - text.count)) + text
    }
}
