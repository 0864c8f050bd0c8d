// Broken on purpose: the classic lock-order deadlock. Main takes `first` then `second`;
// the worker takes `second` then `first`. A semaphore makes sure each holds its first
// mutex before either asks for its second, so the run always deadlocks, and the kernel's
// report names, for each waiting thread, the Sync.Mutex it waits on, the thread holding
// it and where that thread took it.

import Sync

let first = Sync.Mutex()
let second = Sync.Mutex()
let bothHoldOne = Semaphore(count: 0)

@inline(never)
func takeSecondThenFirst() {
    second.lock()
    bothHoldOne.signal()
    first.lock()
    print("worker never gets here")
}

@inline(never)
func takeFirstThenSecond() {
    first.lock()
    bothHoldOne.wait()
    second.lock()
    print("main never gets here")
}

let worker = try! Thread.spawn { takeSecondThenFirst() }
takeFirstThenSecond()
try! worker.join()
