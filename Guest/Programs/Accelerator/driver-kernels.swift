// The driver's own test guest: the accelerator's calls made raw (interleave_syscall), so
// the kernel's driver can be tested before the guest library wraps them. The first
// argument picks what it does; each mode prints what the kernel tests check:
//   add N          vector add of N 64-bit numbers on the device, checked on the CPU
//   long L         one work-group of 4 items, each spinning L rounds (a long kernel)
//   short          4 tiny items, right after `long` started in another process
//   pair P L       spawns `short` beside a `long L` (P: unused, the preemption is the run's)
//   duo L          spawns `long L` beside its own `long L`: two long kernels share the device
//   runaway        item 0 never returns (the watchdog's case)
//   pair-runaway   spawns `short` beside `runaway`
//   stray          a kernel reads an address no buffer holds in its context
//   peek           two contexts: the second's kernel reads the first's buffer address
//   hostile        bad arguments to every call, one line per answer
//   exit-busy      submits a long kernel and exits without waiting

import Sync

@_extern(c, "interleave_syscall")
func interleave_syscall(_ number: Int, _ a0: Int, _ a1: Int, _ a2: Int, _ a3: Int, _ a4: Int, _ a5: Int) -> Int

enum Accel {
    static let create = 0x1050, destroy = 0x1051, alloc = 0x1052, free = 0x1053
    static let copyIn = 0x1054, copyOut = 0x1055, submit = 0x1056, wait = 0x1057
}

func call(_ number: Int, _ a0: Int = 0, _ a1: Int = 0, _ a2: Int = 0, _ a3: Int = 0, _ a4: Int = 0) -> Int {
    interleave_syscall(number, a0, a1, a2, a3, a4, 0)
}

/// c[i] = a[i] + b[i]; the argument points at [n, a..., b..., c...] in one buffer.
let vectorAdd: @convention(c) (UInt64, UInt64) -> Void = { index, base in
    let words = UnsafeMutablePointer<UInt64>(bitPattern: UInt(base)).unsafelyUnwrapped
    let count = Int(words[0]), item = Int(index)
    words[1 + 2 * count + item] = words[1 + item] &+ words[1 + count + item]
}

/// Spins `argument` rounds, then writes the item's index + 1 into a volatile-ish slot of the stack.
let spin: @convention(c) (UInt64, UInt64) -> Void = { index, rounds in
    var value = index
    var round: UInt64 = 0
    while round < rounds {
        value = value &* 6364136223846793005 &+ 1442695040888963407
        round &+= 1
    }
    if value == 42 { UnsafeMutablePointer<UInt64>(bitPattern: 8).unsafelyUnwrapped.pointee = value }   // never: keeps the loop
}

/// Item 0 never returns: it counts in the word at `argument` for ever (a store the
/// compiler cannot drop, so the loop stays).
let runaway: @convention(c) (UInt64, UInt64) -> Void = { index, counter in
    guard index == 0 else { return }
    let word = UnsafeMutablePointer<UInt64>(bitPattern: UInt(counter)).unsafelyUnwrapped
    while true { word.pointee &+= 1 }
}

/// Reads the word at `argument` and stores it at bufferBase (the context's first buffer).
let peek: @convention(c) (UInt64, UInt64) -> Void = { _, address in
    let source = UnsafeMutablePointer<UInt64>(bitPattern: UInt(address)).unsafelyUnwrapped
    let destination = UnsafeMutablePointer<UInt64>(bitPattern: UInt(0x10_0000_0000 as UInt64)).unsafelyUnwrapped
    destination.pointee = source.pointee
}

func entry(_ kernel: @convention(c) (UInt64, UInt64) -> Void) -> Int { Int(bitPattern: UInt(unsafeBitCast(kernel, to: UInt64.self))) }

func vectorAddRun(_ count: Int) {
    let context = call(Accel.create)
    let words = 1 + 3 * count
    let buffer = call(Accel.alloc, context, words * 8)
    let host = UnsafeMutablePointer<UInt64>.allocate(capacity: words)
    host[0] = UInt64(count)
    for index in 0..<count {
        host[1 + index] = UInt64(index * 3)
        host[1 + count + index] = UInt64(1000 + index)
        host[1 + 2 * count + index] = 0
    }
    let copied = call(Accel.copyIn, context, buffer, Int(bitPattern: host), words * 8)
    let submission = call(Accel.submit, context, entry(vectorAdd), count, 8, buffer)
    let waited = call(Accel.wait, context, submission)
    for index in 0..<words { host[index] = 0 }
    let back = call(Accel.copyOut, context, Int(bitPattern: host), buffer, words * 8)
    var wrong = 0, sum: UInt64 = 0
    for index in 0..<count {
        let value = host[1 + 2 * count + index]
        sum &+= value
        if value != UInt64(index * 3 + 1000 + index) { wrong += 1 }
    }
    print("context \(context) buffer 0x\(String(buffer, radix: 16)) copy-in \(copied) submission \(submission) wait \(waited) copy-out \(back)")
    print("add \(count): \(wrong) wrong, sum \(sum)")
    print("destroy \(call(Accel.destroy, context))")
}

func longRun(_ rounds: Int) {
    let context = call(Accel.create)
    let submission = call(Accel.submit, context, entry(spin), 4, 4, rounds)
    print("long submitted \(submission)")
    print("long wait \(call(Accel.wait, context, submission))")
}

func shortRun() {
    let context = call(Accel.create)
    let buffer = call(Accel.alloc, context, 4096)
    let host = UnsafeMutablePointer<UInt64>.allocate(capacity: 13)
    host[0] = 4
    for index in 0..<4 { host[1 + index] = UInt64(index); host[5 + index] = 10; host[9 + index] = 0 }
    _ = call(Accel.copyIn, context, buffer, Int(bitPattern: host), 13 * 8)
    let submission = call(Accel.submit, context, entry(vectorAdd), 4, 4, buffer)
    let waited = call(Accel.wait, context, submission)
    _ = call(Accel.copyOut, context, Int(bitPattern: host), buffer, 13 * 8)
    print("short wait \(waited) results \(host[9]) \(host[10]) \(host[11]) \(host[12])")
}

func runawayRun() {
    let context = call(Accel.create)
    let counter = call(Accel.alloc, context, 4096)
    let submission = call(Accel.submit, context, entry(runaway), 4, 4, counter)
    print("runaway wait \(call(Accel.wait, context, submission))")
    // A reset context stays usable.
    let again = call(Accel.submit, context, entry(spin), 4, 4, 10)
    print("runaway again wait \(call(Accel.wait, context, again))")
    print("runaway old wait \(call(Accel.wait, context, submission))")
}

func strayRun() {
    let context = call(Accel.create)
    let buffer = call(Accel.alloc, context, 4096)
    // Reads one word past the buffer's page: the guard page.
    let submission = call(Accel.submit, context, entry(peek), 1, 1, buffer + 4096)
    print("stray wait \(call(Accel.wait, context, submission))")
    print("stray after: alloc \(call(Accel.alloc, context, 4096)) submit \(call(Accel.submit, context, entry(spin), 1, 1, 1)) wait \(call(Accel.wait, context, submission))")
    // Another context of the same process is unaffected.
    vectorAddRun(16)
}

func peekRun() {
    let first = call(Accel.create)
    let secret = call(Accel.alloc, first, 4096)
    let host = UnsafeMutablePointer<UInt64>.allocate(capacity: 512)
    host[0] = 0x5EC12E7
    _ = call(Accel.copyIn, first, secret, Int(bitPattern: host), 8)
    let second = call(Accel.create)
    print("peek copy-out of the first's buffer through the second: \(call(Accel.copyOut, second, Int(bitPattern: host), secret, 8))")
    let submission = call(Accel.submit, second, entry(peek), 1, 1, secret + 8)
    print("peek wait \(call(Accel.wait, second, submission))")
    host[0] = 0
    print("peek first still reads \(call(Accel.copyOut, first, Int(bitPattern: host), secret, 8)) 0x\(String(host[0], radix: 16))")
}

func hostileRun() {
    let context = call(Accel.create)
    let buffer = call(Accel.alloc, context, 4096)
    let host = UnsafeMutablePointer<UInt64>.allocate(capacity: 512)
    let spinEntry = entry(spin)
    let results: [(String, Int)] = [
        ("bad handle", call(Accel.alloc, 99, 4096)),
        ("handle 0", call(Accel.submit, 0, spinEntry, 1, 1, 0)),
        ("negative handle", call(Accel.wait, -1, 1)),
        ("alloc 0", call(Accel.alloc, context, 0)),
        ("alloc huge", call(Accel.alloc, context, Int.max)),
        ("alloc 2^40", call(Accel.alloc, context, 1 << 40)),
        ("free wild", call(Accel.free, context, 0x1234)),
        ("free inside", call(Accel.free, context, buffer + 8)),
        ("copy-in huge", call(Accel.copyIn, context, buffer, Int(bitPattern: host), Int.max)),
        ("copy-in past buffer", call(Accel.copyIn, context, buffer, Int(bitPattern: host), 4097)),
        ("copy-in wild source", call(Accel.copyIn, context, buffer, 0x10, 8)),
        ("copy-in wrapping", call(Accel.copyIn, context, -8, Int(bitPattern: host), 16)),
        ("copy-out wild destination", call(Accel.copyOut, context, 0x10, buffer, 8)),
        ("copy-out to code", call(Accel.copyOut, context, spinEntry, buffer, 8)),
        ("copy-out unmapped device", call(Accel.copyOut, context, Int(bitPattern: host), 0x30_0000_0000, 8)),
        ("submit 0 items", call(Accel.submit, context, spinEntry, 0, 1, 0)),
        ("submit group 0", call(Accel.submit, context, spinEntry, 4, 0, 0)),
        ("submit entry 0", call(Accel.submit, context, 0, 4, 1, 0)),
        ("submit entry in data", call(Accel.submit, context, Int(bitPattern: host), 4, 1, 0)),
        ("submit huge items", call(Accel.submit, context, spinEntry, Int.max, 1, 0)),
        ("submit huge group", call(Accel.submit, context, spinEntry, 4, Int.max, 0)),
        ("wait 0", call(Accel.wait, context, 0)),
        ("wait never issued", call(Accel.wait, context, 77)),
        ("destroy twice", { _ = call(Accel.destroy, context); return call(Accel.destroy, context) }()),
    ]
    for (what, result) in results { print("\(what): \(result)") }
    var handles: [Int] = []
    for _ in 0..<20 { handles.append(call(Accel.create)) }
    print("creates: " + handles.map { "\($0)" }.joined(separator: " "))
    print("hostile done")
}

func exitBusyRun() {
    let context = call(Accel.create)
    let counter = call(Accel.alloc, context, 4096)
    print("exit-busy submitted \(call(Accel.submit, context, entry(runaway), 4, 4, counter))")
    System.exit(0)
}

let mode = System.arguments.count > 1 ? System.arguments[1] : "add"
switch mode {
case "add": vectorAddRun(System.number(2, default: 64))
case "long": longRun(System.number(2, default: 200_000))
case "short": shortRun()
case "pair":
    let child = try! Process.spawn("driver-kernels", arguments: ["short"])
    longRun(System.number(3, default: 200_000))
    _ = try! child.wait()
case "duo":
    let child = try! Process.spawn("driver-kernels", arguments: ["long", "\(System.number(2, default: 200_000))"])
    longRun(System.number(2, default: 200_000))
    _ = try! child.wait()
case "runaway": runawayRun()
case "pair-runaway":
    let child = try! Process.spawn("driver-kernels", arguments: ["short"])
    runawayRun()
    _ = try! child.wait()
case "stray": strayRun()
case "peek": peekRun()
case "hostile": hostileRun()
case "exit-busy": exitBusyRun()
default: print("unknown mode \(mode)")
}
