// Handing data from one thread to another, for race detection: a second thread fills
// `shared` (a plain global), then main reads it. With "join" main reads after joining
// the thread; with "pipe" the thread writes one byte to a pipe when it is done and main
// reads that byte first; both are ordered (no race). With "none" main reads while the
// thread may still be writing: a race on `shared`, reported once however often it
// happens. ROUNDS (default 100) is how many words each side touches.

import Sync

nonisolated(unsafe) var total = 0

@inline(never)
func fill(_ rounds: Int) {
    for index in 0..<rounds { total &+= index }
}

@inline(never)
func readTotal() -> Int { total }

let arguments = System.arguments
let mode = arguments.count > 1 ? arguments[1] : "join"
let rounds = arguments.count > 2 ? max(1, Int(arguments[2]) ?? 100) : 100
let pipe = try! Pipe.make()

let thread = try! Thread.spawn {
    fill(rounds)
    if mode == "pipe" { try! pipe.writeEnd.write([1]) }
}
switch mode {
case "pipe":
    _ = try! pipe.readEnd.read(exactly: 1)
    print("after the pipe: \(readTotal())")
    try! thread.join()
case "none":
    print("unordered: \(readTotal() >= 0)")
    try! thread.join()
default:
    try! thread.join()
    print("after the join: \(readTotal())")
}
