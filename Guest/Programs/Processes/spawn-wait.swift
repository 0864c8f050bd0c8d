// spawn-wait PROGRAM [ARGS...]: starts PROGRAM as a child process with ARGS, waits
// for it, and prints how it ended (its exit status, or 128 + the signal).

import Sync

let arguments = System.arguments
guard arguments.count > 1 else {
    print("usage: spawn-wait PROGRAM [ARGS...]")
    System.exit(2)
}
do {
    let child = try Process.spawn(arguments[1], arguments: Array(arguments.dropFirst(2)))
    let status = try child.wait()
    print("parent \(System.processID): child \(child.id) (\(arguments[1])) ended with status \(status)")
} catch {
    print("parent \(System.processID): \(error.description)")
    System.exit(1)
}
