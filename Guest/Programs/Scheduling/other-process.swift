// Scheduling another process: a program starts a child ("child", sleeping a while) and
// may not change the priority or affinity of the child's thread (EPERM), but may hand
// it the foreground; unknown processes are refused (ESRCH).

import Sync

func outcome(_ body: () throws(SystemError) -> Void) -> String {
    do {
        try body()
        return "accepted"
    } catch {
        return error.description
    }
}

let child = try! Process.spawn("child")
print("priority of the child's thread: \(outcome { () throws(SystemError) in try Scheduling.setPriority(5, of: child.id) })")
print("affinity of the child's thread: \(outcome { () throws(SystemError) in try Scheduling.setAffinity(1, of: child.id) })")
print("foreground to the child: \(outcome { () throws(SystemError) in try Scheduling.setForeground(child.id) })")
print("foreground to no process: \(outcome { () throws(SystemError) in try Scheduling.setForeground(9999) })")
print("child ended with \(try! child.wait())")
