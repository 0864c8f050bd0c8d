// A thread pool with admission control: WORKERS threads (default 3), at most CAPACITY
// jobs (default 4) in the pool at once, JOBS jobs (default 40). Each job adds its number
// to a sum and does a little work. After each submit the main thread checks, with its
// own atomics, how many jobs are in the pool (admitted minus finished): never more than
// CAPACITY, because submit waits on the pool's counting semaphore.

import Sync
import Synchronization

let arguments = System.arguments
let workers = arguments.count > 1 ? max(1, Int(arguments[1]) ?? 3) : 3
let capacity = arguments.count > 2 ? max(1, Int(arguments[2]) ?? 4) : 4
let jobs = arguments.count > 3 ? max(0, Int(arguments[3]) ?? 40) : 40

let sum = Atomic<Int>(0)
let finished = Atomic<Int>(0)
let running = Atomic<Int>(0)
let mostRunning = Atomic<Int>(0)
var mostInPool = 0

@inline(never)
func busy(_ rounds: Int) -> Int {
    var x = 0
    for i in 0..<rounds { x = x &* 31 &+ i }
    return x
}

let pool = try! ThreadPool(workers: workers, capacity: capacity)
for job in 1...max(1, jobs) where jobs > 0 {
    pool.submit {
        let now = running.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
        mostRunning.max(now, ordering: .relaxed)
        _ = busy(200 + (job % 5) * 100)
        sum.wrappingAdd(job, ordering: .relaxed)
        running.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        finished.wrappingAdd(1, ordering: .sequentiallyConsistent)
    }
    let inPool = job - finished.load(ordering: .sequentiallyConsistent)
    if inPool > mostInPool { mostInPool = inPool }
}
pool.wait()
let done = finished.load(ordering: .relaxed)
pool.shutdown()
print("jobs \(done) of \(jobs), sum \(sum.load(ordering: .relaxed)) (expected \(jobs * (jobs + 1) / 2)), most in pool \(mostInPool) (capacity \(capacity)), peak occupancy \(pool.peakOccupancy), most running \(mostRunning.load(ordering: .relaxed)) (workers \(workers))")
