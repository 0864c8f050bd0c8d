// hello.swift: the smallest guest program. Ordinary top-level Swift; the
// Sync module adds the system calls a program needs beyond print.
//
//   interleave run Guest/Examples/hello.swift one two
import Sync

print("Hello from RISC-V")
let arguments = System.arguments.dropFirst()
if !arguments.isEmpty {
    print("Arguments: \(arguments.joined(separator: " "))")
}
