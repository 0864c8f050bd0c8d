// A small desktop for the lab's scheduling experiments: one program, several roles
// (argv[1]). The first process is the foreground one and gets the cursor moves.
//
//   desktop loop HOG_ROUNDS TICKS   a message loop (Messages.get until quit) that first starts
//                                   a hog and a ticker as processes of their own
//   desktop poller ROUNDS POLL TICKS  the foreground program computes ROUNDS itself, looking at
//                                   its queue with Messages.peek every POLL rounds (0: never)
//   desktop hog ROUNDS              computes ROUNDS rounds without a single system call
//   desktop ticker TICKS            wakes every 5 ms TICKS times; reports its longest gap
//
// Every role prints one line with integers only (microseconds of simulated time), which
// the lab reads back.

import Sync

@inline(never)
func spin(_ rounds: Int, from start: UInt64 = 1) -> UInt64 {
    var value = start
    for round in 0..<rounds { value = value &* 6_364_136_223_846_793_005 &+ UInt64(round) }
    return value
}

func microseconds() -> UInt64 { System.monotonicNanoseconds() / 1000 }

/// Starts the ticker (and a hog) as processes of their own.
func startHelpers(hogRounds: Int, ticks: Int) -> [Process] {
    var children: [Process] = []
    if ticks > 0 { children.append(try! Process.spawn("desktop", arguments: ["ticker", "\(ticks)"])) }
    if hogRounds > 0 { children.append(try! Process.spawn("desktop", arguments: ["hog", "\(hogRounds)"])) }
    return children
}

let role = System.arguments.count > 1 ? System.arguments[1] : "loop"
switch role {
case "hog":
    let start = microseconds()
    let value = spin(System.number(2, default: 0))
    print("hog: \(System.number(2, default: 0)) rounds from \(start) us to \(microseconds()) us (\(value & 1))")
case "ticker":
    var last = microseconds(), longest: UInt64 = 0
    for _ in 0..<System.number(2, default: 0) {
        System.sleep(nanoseconds: 5_000_000)
        let now = microseconds()
        longest = max(longest, now - last)
        last = now
    }
    print("ticker: \(System.number(2, default: 0)) ticks, longest gap \(longest) us")
case "poller":
    let children = startHelpers(hogRounds: 0, ticks: System.number(4, default: 0))
    var moves = 0
    var message = Messages.get()                 // the first move: input has started
    if message.kind == Message.cursorMoved { moves += 1 }
    let total = System.number(2, default: 0), poll = System.number(3, default: 0)
    let start = microseconds()
    var done = 0, value: UInt64 = 1
    while done < total {
        let chunk = poll > 0 ? min(poll, total - done) : total - done
        value = spin(chunk, from: value)
        done += chunk
        while let waiting = Messages.peek() { if waiting.kind == Message.cursorMoved { moves += 1 } }
    }
    let end = microseconds()
    while true {
        message = Messages.get()
        if message.kind == Message.quit { break }
        if message.kind == Message.cursorMoved { moves += 1 }
    }
    for child in children { _ = try! child.wait() }
    print("poller: \(total) rounds from \(start) us to \(end) us, \(moves) moves (\(value & 1))")
default:
    let children = startHelpers(hogRounds: System.number(2, default: 0), ticks: System.number(3, default: 0))
    var moves = 0
    while true {
        let message = Messages.get()
        if message.kind == Message.quit { break }
        if message.kind == Message.cursorMoved { moves += 1 }
    }
    for child in children { _ = try! child.wait() }
    print("loop: \(moves) moves")
}
