// The command-line tool: one entry point for the machine, and later the kernel, the
// trace views and the lab.

import ArgumentParser

@main
struct Interleave: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interleave",
        abstract: "Concurrency and parallelism from the ground up: a deterministic multicore RISC-V computer.",
        subcommands: [MachineCommand.self, DisassembleCommand.self, BenchCommand.self, BuildCommand.self, RunCommand.self, ExploreCommand.self, LabCommand.self, TourCommand.self]
    )

    /// Parses and runs through CommandLineFront, so every bad option reads the same way.
    static func main() {
        CommandLineFront.main(Array(CommandLine.arguments.dropFirst()))
    }
}

/// Writes to standard error.
func printError(_ text: String) {
    var stream = StandardError()
    print(text, to: &stream)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            _ = Glibc.write(2, buffer.baseAddress, buffer.count)
        }
    }
}

/// Writes raw bytes to standard output and flushes, so guest output appears as it is made.
func writeStandardOutput(_ bytes: [UInt8]) {
    guard !bytes.isEmpty else { return }
    bytes.withUnsafeBytes { buffer in
        var written = 0
        while written < buffer.count {
            guard let base = buffer.baseAddress else { return }
            let result = Glibc.write(1, base + written, buffer.count - written)
            if result <= 0 { return }
            written += result
        }
    }
}

/// Ends the tool with one line on standard error, naming the command, and the given status.
func fail(_ message: String, status: Int32 = 2) -> ExitCode {
    printError("\(commandName): \(message)")
    return ExitCode(status)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
