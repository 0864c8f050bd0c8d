// The qemu-riscv64 reference starts every program as a shell would: no signal blocked and
// every disposition at its default, whatever the test runner's thread blocks or ignores.
// (Dispatch's worker threads block most signals, and a child inherits its spawner's mask:
// a guest that raised SIGUSR1 at itself then waited for ever.)

import Testing

@Suite struct QemuSignalMaskTests {
    @Test(.needsGlibcToolchain, .needsQemu)
    func referenceRunsStartWithNoBlockedSignals() throws {
        let elf = try GlibcPrograms.build(source: """
            #include <signal.h>
            #include <stdio.h>
            int main(void) {
                sigset_t blocked;
                sigprocmask(SIG_BLOCK, NULL, &blocked);
                int count = 0;
                for (int signal = 1; signal < 32; signal++) {
                    if (sigismember(&blocked, signal)) { printf("blocked %d\\n", signal); count++; }
                    struct sigaction action;
                    sigaction(signal, NULL, &action);
                    if (action.sa_handler == SIG_IGN) { printf("ignored %d\\n", signal); count++; }
                }
                printf("%d\\n", count);
                return 0;
            }
            """, name: "signal-mask")
        let reference = try GuestPrograms.runUnderQemu(elf)
        #expect(String(decoding: reference.output, as: UTF8.self) == "0\n")
        let result = try run(elf, configure: { $0.memoryLimit = 64 << 20 })
        #expect(String(decoding: result.output, as: UTF8.self) == "0\n")
    }
}
