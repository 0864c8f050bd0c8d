// A child for the spawn tests: prints its ids and arguments, then exits with the
// status its first argument gives (0 without one).

import Sync

let arguments = System.arguments
var line = "child \(System.processID) of \(System.parentProcessID):"
for argument in arguments { line += " " + argument }
print(line)
var status: Int32 = 0
if arguments.count > 1, let value = Int32(arguments[1]) { status = value }
System.exit(status)
