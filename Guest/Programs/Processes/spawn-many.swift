// spawn-many MODE COUNT PROGRAM [ARGS...]: starts PROGRAM COUNT times, either one
// after the other (MODE `sequential`: each waited for before the next) or all at once
// (MODE `together`: all spawned, then all waited for), and prints what happened.

import Sync

let arguments = System.arguments
guard arguments.count > 3, let count = Int(arguments[2]) else {
    print("usage: spawn-many sequential|together COUNT PROGRAM [ARGS...]")
    System.exit(2)
}
let together = arguments[1] == "together"
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
for child in children {
    do { statuses.append(try child.wait()) } catch { refusal += ", wait: " + error.description }
}
var line = "\(statuses.count) children"
var zero = 0
for status in statuses where status == 0 { zero += 1 }
line += ", \(zero) exited with 0" + refusal
print(line)
