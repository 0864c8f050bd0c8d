// Static glibc programs start and print under the kernel as under qemu-riscv64 (issue 16),
// built from source by the Toolchain module.

import Kernel
import Testing

@Suite struct GlibcStartupTests {
    @Test(.needsGlibcToolchain, .needsQemu)
    func helloWorldMatchesQemu() throws {
        let elf = try GlibcPrograms.build(source: """
            #include <stdio.h>
            #include <string.h>
            int main(int argc, char **argv) {
                printf("hello from glibc, %d argument%s, %zu\\n", argc, argc == 1 ? "" : "s", strlen(argv[0]) > 0 ? (size_t)1 : 0);
                return 7;
            }
            """, name: "hello")
        let result = try GlibcPrograms.runSeparately(elf, name: "hello")
        let reference = try GuestPrograms.runUnderQemu(elf)
        #expect(result.output == String(decoding: reference.output, as: UTF8.self))
        #expect(reference.status == 7)
        #expect(result.status == 7)
    }

    @Test("maths from libm, formatted floating point, qsort and a heap", .needsGlibcToolchain, .needsQemu)
    func libraryFunctionsMatchQemu() throws {
        let elf = try GlibcPrograms.build(source: """
            #include <math.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            static int ascending(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
            int main(void) {
                int numbers[] = { 5, 3, 9, 1, 7 };
                qsort(numbers, 5, sizeof numbers[0], ascending);
                char *text = malloc(64);
                snprintf(text, 64, "%d %d %d %d %d", numbers[0], numbers[1], numbers[2], numbers[3], numbers[4]);
                printf("sorted: %s (%zu characters)\\n", text, strlen(text));
                printf("sqrt(2) = %.6f, sin(1) = %.6f, pow(2, 0.5) = %.6f\\n", sqrt(2.0), sin(1.0), pow(2.0, 0.5));
                free(text);
                return 0;
            }
            """, name: "library")
        let result = try GlibcPrograms.runSeparately(elf, name: "library")
        let reference = try GuestPrograms.runUnderQemu(elf)
        #expect(result.output == String(decoding: reference.output, as: UTF8.self))
        #expect(result.output.hasPrefix("sorted: 1 3 5 7 9 (9 characters)\n"))
        #expect(result.status == 0)
    }
}
