// A message loop and a hog: the main thread (the foreground thread) handles input
// with Messages.get; after the third cursor move it starts a thread that computes
// for ROUNDS rounds (the first argument, default 2,000,000) without a system call.
// Under a cooperative scheduler on one hart the input waits in the queue until the
// hog is done, as a busy Windows 1.0 program froze the mouse; under preemption the
// loop gets its turn every time slice.

import Sync

@inline(never)
func spin(_ rounds: Int) -> UInt64 {
    var value: UInt64 = 1
    for round in 0..<rounds { value = value &* 6_364_136_223_846_793_005 &+ UInt64(round) }
    return value
}

/// The first argument as a number, or `fallback`.
func rounds(fallback: Int) -> Int {
    guard System.arguments.count > 1 else { return fallback }
    var value = 0
    for byte in System.arguments[1].utf8 {
        guard byte >= 48, byte <= 57 else { return fallback }
        value = value * 10 + Int(byte - 48)
    }
    return value
}

let hogRounds = rounds(fallback: 2_000_000)
var moves = 0
var hog: Thread? = nil
while true {
    let message = Messages.get()
    if message.kind == Message.quit { break }
    if message.kind == Message.cursorMoved { moves += 1 }
    if moves == 3 && hog == nil {
        hog = try! Thread.spawn { print("hog done \(spin(hogRounds) & 0xFF)") }
    }
}
if let hog { try! hog.join() }
print("handled \(moves) cursor moves")
