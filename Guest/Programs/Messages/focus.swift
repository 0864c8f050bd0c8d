// Input follows the focus: run as two processes, "focus" (pid 1, the foreground one at
// first) and "window" (pid 2). Each handles cursor moves with Messages.get; after its
// fifth move the first hands the foreground to pid 2 (set_foreground, as a click on the
// other window would) and ends, and from then on the input device posts to pid 2.

import Sync

let name = System.arguments.first ?? "focus"
var moves = 0
while true {
    let message = Messages.get()
    if message.kind == Message.quit { break }
    if message.kind == Message.cursorMoved { moves += 1 }
    if name == "focus" && moves == 5 {
        try! Scheduling.setForeground(2)
        break
    }
}
print("\(name) handled \(moves) cursor moves")
