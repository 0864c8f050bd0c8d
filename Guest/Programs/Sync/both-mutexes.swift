// Names: a program that imports both Sync and Synchronization. The Synchronization
// module of the desktop has a `Mutex` too (a value guarded by a lock), but Embedded
// Swift's for riscv64-none has none (it needs an operating system's lock), so here
// `Mutex` is Sync's; spelling it `Sync.Mutex` works as well and stays unambiguous if
// Synchronization ever gains one. Atomics come from Synchronization as usual. Also
// prints whether the run records a trace: asked many times, the kernel is asked once.

import Sync
import Synchronization

let ours = Sync.Mutex()
let unqualified = Mutex()
let atomic = Atomic<Int>(0)
var plain = 0
var other = 0
let thread = try! Thread.spawn {
    for _ in 0..<100 {
        ours.withLock { plain += 1 }
        unqualified.withLock { other += 1 }
        atomic.wrappingAdd(1, ordering: .relaxed)
    }
}
for _ in 0..<100 {
    ours.withLock { plain += 1 }
    unqualified.withLock { other += 1 }
    atomic.wrappingAdd(1, ordering: .relaxed)
}
try! thread.join()
var asked = 0
for _ in 0..<10 where Trace.isEnabled { asked += 1 }
Trace.label("both-mutexes")
Trace.label("a \(plain)")
Trace.mark(42)
Trace.span("span") { Trace.mark(43) }
print("Sync.Mutex \(plain), Mutex \(other), Atomic \(atomic.load(ordering: .relaxed)), tracing \(Trace.isEnabled ? "on" : "off")")
