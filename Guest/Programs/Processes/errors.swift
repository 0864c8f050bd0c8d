// What process_spawn and process_wait refuse: a program the run does not have
// (ENOENT), waiting for a process that is not a child (ECHILD), and waiting twice
// for the same child (ECHILD the second time).

import Sync

func report(_ what: String, _ body: () throws(SystemError) -> Int32) {
    do {
        let value = try body()
        print("\(what): \(value)")
    } catch {
        print("\(what): \(error.description)")
    }
}

report("spawn no-such-program") { () throws(SystemError) -> Int32 in Int32(try Process.spawn("no-such-program").id) }
report("wait for itself") { () throws(SystemError) -> Int32 in try Process(id: System.processID).wait() }
report("wait for process 999") { () throws(SystemError) -> Int32 in try Process(id: 999).wait() }
do {
    let child = try Process.spawn("exit-with", arguments: ["3"])
    report("first wait") { () throws(SystemError) -> Int32 in try child.wait() }
    report("second wait") { () throws(SystemError) -> Int32 in try child.wait() }
} catch {
    print("spawn exit-with: \(error.description)")
}
