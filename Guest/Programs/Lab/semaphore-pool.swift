// Experiment 9 (semaphore-pool): a ThreadPool of WORKERS threads that admits at most
// CAPACITY jobs at once (Sync's ThreadPool: `submit` takes a permit from a counting
// semaphore of CAPACITY permits; a finished job gives it back). JOBS jobs each compute
// WORK rounds and then wait for "I/O" (sleep) for a time between 1 and 3 times SLEEP
// microseconds, so jobs pile up and the pool fills. Each job is a span named "job" in
// the trace (value: its number); the semaphore marks its count as it changes.
//
//   semaphore-pool WORKERS CAPACITY JOBS WORK SLEEP
//
// One results line for the lab (in-pool: submitted and not finished, as the producer
// sees it after each submit; running: jobs inside their body at once):
//
//   result jobs 24 done 24 peak-occupancy 3 most-in-pool 3 most-running 3 capacity 3

import Sync
import Synchronization

let arguments = System.arguments
func argument(_ index: Int, _ fallback: Int) -> Int {
    arguments.count > index ? max(0, Int(arguments[index]) ?? fallback) : fallback
}
let workers = max(1, argument(1, 6))
let capacity = max(1, argument(2, 3))
let jobs = argument(3, 24)
let work = argument(4, 2000)
let sleepMicroseconds = argument(5, 500)

let finished = Atomic<Int>(0)
let running = Atomic<Int>(0)
let mostRunning = Atomic<Int>(0)
let sums = UnsafeMutablePointer<UInt64>.allocate(capacity: 8 * 64)
sums.initialize(repeating: 1, count: 8 * 64)

@inline(never)
func compute(_ rounds: Int, _ slot: Int) {
    var value = sums[slot]
    for round in 0..<rounds { value = value &* 6_364_136_223_846_793_005 &+ UInt64(round) }
    sums[slot] = value
}

let pool = try! ThreadPool(workers: workers, capacity: capacity)
var mostInPool = 0
for job in 0..<jobs {
    pool.submit {
        Trace.begin("job", value: job)
        let now = running.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
        mostRunning.max(now, ordering: .relaxed)
        compute(work, 8 * (job % 64))
        System.sleep(nanoseconds: UInt64(sleepMicroseconds * (1 + job % 3)) * 1000)
        running.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        finished.wrappingAdd(1, ordering: .sequentiallyConsistent)
        Trace.end(value: job)
    }
    let inPool = job + 1 - finished.load(ordering: .sequentiallyConsistent)
    if inPool > mostInPool { mostInPool = inPool }
}
pool.wait()
let done = finished.load(ordering: .relaxed)
let peak = pool.peakOccupancy
pool.shutdown()
print("result jobs \(jobs) done \(done) peak-occupancy \(peak) most-in-pool \(mostInPool) most-running \(mostRunning.load(ordering: .relaxed)) capacity \(capacity)")
