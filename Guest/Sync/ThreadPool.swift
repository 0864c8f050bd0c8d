// ThreadPool.swift: a fixed set of worker threads that run submitted jobs — threads are
// made once, not per job, and admission is bounded by a counting semaphore.
//
// Starting a thread costs a stack and a system call; a pool pays that once per worker
// and then hands each job to whichever worker is free. A pool that accepted every job at
// once would let a fast producer pile up unbounded work (and memory), so `submit` first
// takes a permit from a semaphore of `capacity` permits, and a job gives its permit back
// when it has run: at most `capacity` jobs are in the pool (queued or running) at any
// moment, and a producer that gets ahead is made to wait — back-pressure.
// The queue itself is guarded by a futex Mutex; idle workers sleep on a Condition.

import Synchronization

/// N worker threads taking jobs from a queue; `submit` waits while `capacity` jobs are
/// already in the pool.
public final class ThreadPool: @unchecked Sendable {
    let mutex = Mutex()
    let jobsWaiting = Condition()
    let allDone = Condition()
    /// Admission: one permit per job the pool may hold.
    let admission: Semaphore
    /// The queued jobs: a ring of `capacity` slots (there are never more queued jobs).
    var ring: [(() -> Void)?]
    var head = 0, queued = 0
    var stopping = false
    var workers: [Thread] = []
    /// Jobs submitted and not finished; all of these below are guarded by `mutex`.
    var unfinished = 0
    var _peakOccupancy = 0
    var _completed = 0

    /// Most jobs the pool holds at once, queued or running.
    public let capacity: Int

    /// Starts `workers` threads (each with a stack of `stackSize` bytes; 0: the kernel's
    /// default) for a pool that holds at most `capacity` jobs.
    public init(workers count: Int, capacity: Int, stackSize: Int = 0) throws(SystemError) {
        let capacity = max(1, capacity)
        self.capacity = capacity
        admission = Semaphore(count: capacity)
        ring = [(() -> Void)?](repeating: nil, count: capacity)
        for _ in 0..<max(1, count) {
            workers.append(try Thread.spawn(stackSize: stackSize) { [self] in work() })
        }
    }

    /// Adds a job; waits first while the pool already holds `capacity` jobs.
    public func submit(_ job: @escaping () -> Void) {
        admission.wait()
        mutex.lock()
        ring[(head + queued) % capacity] = job
        queued += 1
        unfinished += 1
        if unfinished > _peakOccupancy { _peakOccupancy = unfinished }
        mutex.unlock()
        jobsWaiting.signal()
    }

    /// Waits until every job submitted so far has finished.
    public func wait() {
        mutex.lock()
        while unfinished > 0 { allDone.wait(mutex) }
        mutex.unlock()
    }

    /// Runs the jobs still queued, then ends the workers and joins them. Submitting
    /// after this is a mistake (nobody would run the job).
    public func shutdown() {
        mutex.lock()
        stopping = true
        mutex.unlock()
        jobsWaiting.broadcast()
        for worker in workers { _ = try? worker.join() }
        workers = []
    }

    /// Most jobs the pool held at once (queued and running): never above `capacity`.
    public var peakOccupancy: Int { mutex.withLock { _peakOccupancy } }

    /// Jobs finished so far.
    public var completed: Int { mutex.withLock { _completed } }

    /// A worker's life: take the oldest job, run it without the lock, count it, repeat;
    /// sleep while there is none; return once stopping and the queue is empty.
    func work() {
        mutex.lock()
        while true {
            while queued == 0 && !stopping { jobsWaiting.wait(mutex) }
            if queued == 0 { break }                  // stopping, and nothing left to run
            let job = ring[head]
            ring[head] = nil
            head = (head + 1) % capacity
            queued -= 1
            mutex.unlock()
            job?()
            mutex.lock()
            unfinished -= 1
            _completed += 1
            if unfinished == 0 { allDone.broadcast() }
            admission.signal()                        // the job has left the pool
        }
        mutex.unlock()
    }
}
