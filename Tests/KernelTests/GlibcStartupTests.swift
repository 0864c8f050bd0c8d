// Static glibc programs start and print under the kernel as under qemu-riscv64 (issue 16).

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
        let result = try run(elf, configure: { $0.memoryLimit = 64 << 20 })
        let reference = try GuestPrograms.runUnderQemu(elf)
        #expect(String(decoding: result.output, as: UTF8.self).hasPrefix(String(decoding: reference.output, as: UTF8.self)))
        #expect(reference.status == 7)
        #expect(result.ending.status == 7)
    }
}
