// `interleave disasm FILE.elf`: the executable segments of an ELF file, disassembled in
// the style of objdump, with a label wherever the symbol table names an address.

import ArgumentParser
import Machine
import MachineTools

struct DisassembleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disasm",
        abstract: "Disassemble the executable segments of an ELF64 RISC-V file."
    )

    @Argument(help: "The ELF64 RISC-V executable.")
    var file: String

    func run() throws {
        let image: ELFImage
        do {
            image = try ELFImage(contentsOf: file)
        } catch {
            throw fail(error.message)
        }
        var output = ""
        for line in Listing.lines(for: image) {
            output += line
            output += "\n"
            if output.utf8.count > 1 << 16 {
                writeStandardOutput(Array(output.utf8))
                output = ""
            }
        }
        writeStandardOutput(Array(output.utf8))
    }
}
