/*
 * lock.h: the spin lock that guards the runtime's shared state (the heap, the
 * stdout buffer) once a guest has several threads.
 *
 * Test-and-set with amoswap; a waiter gives its time slice away with
 * sched_yield, so a lock holder that was preempted gets to run even on one
 * hart under a cooperative scheduler. Uncontended it costs one amoswap.
 */
#ifndef INTERLEAVE_LOCK_H
#define INTERLEAVE_LOCK_H

#include "include/interleave.h"

typedef struct {
    int locked;
} runtime_lock;

static inline void runtime_lock_acquire(runtime_lock *lock)
{
    while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE) != 0)
        interleave_syscall(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
}

static inline void runtime_lock_release(runtime_lock *lock)
{
    __atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
}

#endif /* INTERLEAVE_LOCK_H */
