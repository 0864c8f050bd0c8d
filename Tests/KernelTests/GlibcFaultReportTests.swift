// Fault reports in glibc programs: the faulting function is named from the ELF's symbols
// and the callers are found through the frame pointers gcc keeps (-fno-omit-frame-pointer),
// through gcc's leaf frames (which save no ra), in the main thread and in a pthread whose
// stack is a mapping, at -O2 and -O0.

import Kernel
import Testing
import Toolchain

@Suite("glibc: fault reports")
struct GlibcFaultReportTests {
    /// The function names of a report's callers (`tally.constprop.0+0x60 (0x…)` → `tally`).
    func names(_ callers: [String]) -> [String] {
        callers.map { String($0.prefix { $0 != "+" && $0 != "(" && $0 != "." }) }
    }

    @Test("a null store in record, called by tally, called by main: all three named", .needsGlibcToolchain,
          arguments: [GuestOptimization.speed, .none])
    func mainThread(_ optimization: GuestOptimization) throws {
        let elf = try GlibcPrograms.build("C/segfault.c", optimization: optimization)
        let result = try GlibcPrograms.runSeparately(elf, name: "segfault")
        guard case .killed(let fault) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(fault.signal == 11)
        #expect(fault.symbol?.hasPrefix("record+") == true, "symbol: \(fault.symbol ?? "none")")
        #expect(Array(names(fault.callers).prefix(2)) == ["tally", "main"], "\(fault.callers)")
        #expect(fault.description.contains("  called from tally"), "\(fault.description)")
        #expect(result.output == "tallying\n")
    }

    @Test("the same fault in a pthread walks back to the thread's start function", .needsGlibcToolchain)
    func inAThread() throws {
        let elf = try GlibcPrograms.build("C/segfault.c")
        let result = try GlibcPrograms.runSeparately(elf, name: "segfault", arguments: ["thread"])
        guard case .killed(let fault) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(fault.symbol?.hasPrefix("record+") == true, "symbol: \(fault.symbol ?? "none")")
        #expect(Array(names(fault.callers).prefix(2)) == ["tally", "counter"], "\(fault.callers)")
    }

    @Test("a fault in a qsort comparator walks back through glibc's qsort to main", .needsGlibcToolchain)
    func throughGlibc() throws {
        let elf = try GlibcPrograms.build(source: """
            #include <stdio.h>
            #include <stdlib.h>
            static int *volatile nowhere;
            static int compare(const void *a, const void *b) {
                if (*(const int *)a == 3) return *nowhere;
                return *(const int *)a - *(const int *)b;
            }
            int main(void) {
                int numbers[] = { 5, 3, 9, 1, 7 };
                qsort(numbers, 5, sizeof numbers[0], compare);
                printf("%d\\n", numbers[0]);
                return 0;
            }
            """, name: "comparator")
        let result = try GlibcPrograms.runSeparately(elf, name: "comparator")
        guard case .killed(let fault) = result.ending else { Issue.record("got \(result.ending)"); return }
        #expect(fault.symbol?.hasPrefix("compare+") == true, "symbol: \(fault.symbol ?? "none")")
        let callers = names(fault.callers)
        #expect(callers.contains("msort_with_tmp") && callers.contains("main"), "\(fault.callers)")
    }
}
