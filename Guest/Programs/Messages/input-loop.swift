// An application's message loop: the main thread (the foreground thread) takes
// input with Messages.get until the input device's quit message, and handles each
// cursor move at once. Run it with input on: `--input-every-ms 5 --input-events 20`.

import Sync

var moves = 0
var x = 0, y = 0
while true {
    let message = Messages.get()
    if message.kind == Message.quit { break }
    if message.kind == Message.cursorMoved {
        moves += 1
        (x, y) = (message.first, message.second)
    }
}
print("handled \(moves) cursor moves, the cursor is at \(x),\(y)")
