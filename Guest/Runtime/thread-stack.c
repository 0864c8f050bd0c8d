/*
 * thread-stack.c: stacks for the Sync library's threads (Guest/Sync/Thread.swift),
 * mapped as glibc maps pthread stacks: one anonymous MAP_STACK mapping whose lowest
 * page is made inaccessible (the guard an overflow faults on). A joined thread's
 * stack goes back into a small cache, as glibc keeps a cache of stacks, so the next
 * thread of the same size starts without a map, a protect and fresh page faults, and
 * a join costs no unmap (and no TLB flush). The cache holds at most STACK_CACHE
 * stacks; past it, stacks are unmapped.
 */
#include "include/interleave.h"
#include "lock.h"

#define SYS_mprotect   226
#define PROT_NONE      0
#define PROT_READ      1
#define PROT_WRITE     2
#define MAP_PRIVATE    0x02
#define MAP_ANONYMOUS  0x20
#define MAP_STACK      0x20000
#define PAGE_SIZE      4096
#define STACK_CACHE    16

static runtime_lock cache_lock;
static struct { uintptr_t mapping; size_t length; } cache[STACK_CACHE];

/* A mapping of `length` bytes (a multiple of the page size, guard page included),
 * its lowest page a guard: the mapping's address, or -errno. */
long interleave_stack_map(size_t length)
{
    runtime_lock_acquire(&cache_lock);
    for (int slot = 0; slot < STACK_CACHE; slot++) {
        if (cache[slot].mapping != 0 && cache[slot].length == length) {
            uintptr_t mapping = cache[slot].mapping;
            cache[slot].mapping = 0;
            runtime_lock_release(&cache_lock);
            return (long)mapping;
        }
    }
    runtime_lock_release(&cache_lock);
    long mapping = interleave_syscall(SYS_mmap, 0, (long)length, PROT_READ | PROT_WRITE,
                                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (mapping < 0 && mapping >= -4095)
        return mapping;
    long protect = interleave_syscall(SYS_mprotect, mapping, PAGE_SIZE, PROT_NONE, 0, 0, 0);
    if (protect < 0) {
        interleave_syscall(SYS_munmap, mapping, (long)length, 0, 0, 0, 0);
        return protect;
    }
    return mapping;
}

/* Gives back a stack whose thread has ended: cached, or unmapped when the cache is full. */
void interleave_stack_unmap(uintptr_t mapping, size_t length)
{
    runtime_lock_acquire(&cache_lock);
    for (int slot = 0; slot < STACK_CACHE; slot++) {
        if (cache[slot].mapping == 0) {
            cache[slot].mapping = mapping;
            cache[slot].length = length;
            runtime_lock_release(&cache_lock);
            return;
        }
    }
    runtime_lock_release(&cache_lock);
    interleave_syscall(SYS_munmap, (long)mapping, (long)length, 0, 0, 0, 0);
}
