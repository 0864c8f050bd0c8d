// spawn-many MODE COUNT PROGRAM [ARGS...]: starts PROGRAM COUNT times, either one
// after the other (MODE `sequential`: each waited for before the next) or all at once
// (MODE `together`: all spawned, then each waited for in turn; MODE `any`: all spawned,
// then waited for in the order they end), and prints what happened.

import Sync

let arguments = System.arguments
guard arguments.count > 3, let count = Int(arguments[2]) else {
    print("usage: spawn-many sequential|together COUNT PROGRAM [ARGS...]")
    System.exit(2)
}
let any = arguments[1] == "any"
let together = arguments[1] == "together" || any
let program = arguments[3]
let rest = Array(arguments.dropFirst(4))
var children: [Process] = []
var statuses: [Int32] = []
var refusal = ""
for _ in 0..<count {
    do {
        let child = try Process.spawn(program, arguments: rest)
        if together {
            children.append(child)
        } else {
            statuses.append(try child.wait())
        }
    } catch {
        refusal = " then " + error.description
        break
    }
}
var order = ""
if any {
    while true {
        do {
            let (child, status) = try Process.waitForAny()
            statuses.append(status)
            order += " \(child.id)"
        } catch {
            if error != .noChild { refusal += ", wait: " + error.description }
            break
        }
    }
} else {
    for child in children {
        do { statuses.append(try child.wait()) } catch { refusal += ", wait: " + error.description }
    }
}
var line = "\(statuses.count) children"
var zero = 0
for status in statuses where status == 0 { zero += 1 }
line += ", \(zero) exited with 0" + refusal + (any ? "; ended:" + order : "")
print(line)
