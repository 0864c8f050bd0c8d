// CORRECT — the bool flip (bool-flip.swift) under the Sync library's mutex, held from the
// read to the write: the other thread waits outside, so no interleaving loses a flip,
// and the mutex's release and acquire order the plain accesses (no data race).
//
// Exit status 0 when the flag ends false (always), 1 otherwise.

import Sync

let flag = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
flag.initialize(to: false)
let lock = Mutex()

@inline(never) func flip() {
    lock.lock()
    let seen = flag.pointee
    flag.pointee = !seen
    lock.unlock()
}

let first = try! Thread.spawn { flip() }
let second = try! Thread.spawn { flip() }
_ = try! first.join()
_ = try! second.join()
if flag.pointee {
    print("flag true: a flip was lost")
    System.exit(1)
}
print("flag false: right")
