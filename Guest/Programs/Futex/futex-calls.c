// futex(2) from one thread, every answer printed: errors and their order, FUTEX_WAKE_OP's
// arithmetic for every operation and comparison, absolute CLOCK_REALTIME and
// CLOCK_MONOTONIC deadlines, and the PI lock protocol. Nothing here depends on a schedule,
// so the output must match qemu-riscv64's (which hands futex calls to the host's Linux)
// byte for byte.

#include <errno.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long fx(void *a, int op, unsigned v, const void *t, void *a2, unsigned v3) {
    long r = syscall(SYS_futex, a, op, v, t, a2, v3);
    return r < 0 ? -errno : r;
}

static struct timespec later(clockid_t clock, long nanoseconds) {
    struct timespec t;
    clock_gettime(clock, &t);
    t.tv_nsec += nanoseconds;
    while (t.tv_nsec >= 1000000000) { t.tv_nsec -= 1000000000; t.tv_sec += 1; }
    return t;
}

static int reached(clockid_t clock, struct timespec deadline) {
    struct timespec now;
    clock_gettime(clock, &now);
    return now.tv_sec > deadline.tv_sec || (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec);
}

static uint32_t w = 5, w2 = 7;

int main(void) {
    struct timespec zero = {0, 0}, bad = {0, 1000000000}, negative = {-1, 0};
    printf("wait, other value: %ld\n", fx(&w, FUTEX_WAIT_PRIVATE, 4, 0, 0, 0));
    printf("wait, zero timeout: %ld\n", fx(&w, FUTEX_WAIT_PRIVATE, 5, &zero, 0, 0));
    printf("wait, bad timeout: %ld\n", fx(&w, FUTEX_WAIT_PRIVATE, 5, &bad, 0, 0));
    printf("wait, negative timeout: %ld\n", fx(&w, FUTEX_WAIT_PRIVATE, 5, &negative, 0, 0));
    printf("wait, bad timeout and other value: %ld\n", fx(&w, FUTEX_WAIT_PRIVATE, 4, &bad, 0, 0));
    printf("wait, timeout unreadable: %ld\n", fx(&w, FUTEX_WAIT_PRIVATE, 5, (void *)8, 0, 0));
    printf("wait with CLOCK_REALTIME: %ld\n", fx(&w, FUTEX_WAIT_PRIVATE | FUTEX_CLOCK_REALTIME, 5, &zero, 0, 0));
    printf("wake with CLOCK_REALTIME: %ld\n", fx(&w, FUTEX_WAKE_PRIVATE | FUTEX_CLOCK_REALTIME, 5, 0, 0, 0));
    printf("wait_bitset, bitset 0: %ld\n", fx(&w, FUTEX_WAIT_BITSET_PRIVATE, 5, &zero, 0, 0));
    printf("wait_bitset, monotonic deadline passed: %ld\n", fx(&w, FUTEX_WAIT_BITSET_PRIVATE, 5, &zero, 0, ~0u));
    printf("wait_bitset, realtime deadline passed: %ld\n",
           fx(&w, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 5, &zero, 0, ~0u));
    printf("wake_bitset, bitset 0: %ld\n", fx(&w, FUTEX_WAKE_BITSET_PRIVATE, 5, 0, 0, 0));
    printf("wake_bitset, nobody: %ld\n", fx(&w, FUTEX_WAKE_BITSET, 5, 0, 0, 1));
    printf("wake, misaligned: %ld\n", fx((char *)&w + 1, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0));
    printf("wake, unmapped, private: %ld\n", fx((void *)0x1000, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0));
    printf("wake, unmapped, shared: %ld\n", fx((void *)0x1000, FUTEX_WAKE, 1, 0, 0, 0));
    printf("wait, unmapped: %ld\n", fx((void *)0x1000, FUTEX_WAIT_PRIVATE, 1, 0, 0, 0));
    printf("FUTEX_FD: %ld\n", fx(&w, 2, 1, 0, 0, 0));
    printf("op 15: %ld\n", fx(&w, 15, 1, 0, 0, 0));
    printf("op with high bits: %ld\n", fx(&w, FUTEX_WAKE | 0x1000, 1, 0, 0, 0));
    printf("requeue, negative wake: %ld\n", fx(&w, FUTEX_REQUEUE_PRIVATE, -1, 0, &w2, 0));
    printf("requeue, negative requeue: %ld\n", fx(&w, FUTEX_REQUEUE_PRIVATE, 1, (void *)-1L, &w2, 0));
    printf("requeue, nobody: %ld\n", fx(&w, FUTEX_REQUEUE_PRIVATE, 1, (void *)1, &w2, 0));
    printf("cmp_requeue, other value: %ld\n", fx(&w, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &w2, 4));
    printf("cmp_requeue, same value: %ld\n", fx(&w, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &w2, 5));
    printf("cmp_requeue, second unmapped, private: %ld\n", fx(&w, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, (void *)0x1000, 5));
    printf("cmp_requeue, second unmapped, shared: %ld\n", fx(&w, FUTEX_CMP_REQUEUE, 1, (void *)1, (void *)0x1000, 5));
    printf("cmp_requeue, second misaligned: %ld\n", fx(&w, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, (char *)&w2 + 2, 5));
    for (int op = 0; op < 8; op++) {
        for (int cmp = 0; cmp < 7; cmp++) {
            w2 = 10;
            long r = fx(&w, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &w2, FUTEX_OP(op, 3, cmp, 10));
            printf("wake_op op %d cmp %d: %ld, word %u\n", op, cmp, r, w2);
        }
    }
    w2 = 10;
    printf("wake_op OR with shift: %ld, word %u\n",
           fx(&w, FUTEX_WAKE_OP_PRIVATE, 1, 0, &w2, FUTEX_OP(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 4, FUTEX_OP_CMP_EQ, 9)), w2);
    w2 = 0x80000000u;
    printf("wake_op add -1 wraps: %ld, word %u\n",
           fx(&w, FUTEX_WAKE_OP_PRIVATE, 1, 0, &w2, FUTEX_OP(FUTEX_OP_ADD, -1, FUTEX_OP_CMP_LT, -5)), w2);
    w2 = 1;
    printf("wake_op shift by 40: %ld, word %u\n",
           fx(&w, FUTEX_WAKE_OP_PRIVATE, 1, 0, &w2, (8u << 28) | (FUTEX_OP_SET << 28) | (40u << 12)), w2);
    w2 = 1;
    printf("wake_op shift by 31: %ld, word %u\n",
           fx(&w, FUTEX_WAKE_OP_PRIVATE, 1, 0, &w2, FUTEX_OP(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 31, FUTEX_OP_CMP_EQ, 1)), w2);
    w2 = 1;
    printf("wake_op shift by -1: %ld, word %u\n",
           fx(&w, FUTEX_WAKE_OP_PRIVATE, 1, 0, &w2, FUTEX_OP(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, -1, FUTEX_OP_CMP_EQ, 1)), w2);
    printf("wake_op, second unmapped: %ld\n", fx(&w, FUTEX_WAKE_OP_PRIVATE, 1, 0, (void *)0x1000, 0));
    printf("wake_op, second read-only: %ld\n", fx(&w, FUTEX_WAKE_OP_PRIVATE, 1, 0, (void *)"abcdefgh", 0));
    printf("wake_op, second misaligned: %ld\n", fx(&w, FUTEX_WAKE_OP_PRIVATE, 1, 0, (char *)&w2 + 1, 0));

    uint32_t *readOnly = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("wait, read-only private memory, other value: %ld\n", fx(readOnly, FUTEX_WAIT_PRIVATE, 1, 0, 0, 0));
    printf("wake, read-only private memory: %ld\n", fx(readOnly, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0));
    // A shared futex on read-only anonymous memory is refused (it could never change);
    // on the program's read-only data it is not.
    printf("wake, read-only memory, shared: %ld\n", fx(readOnly, FUTEX_WAKE, 1, 0, 0, 0));
    printf("wait, read-only memory, shared: %ld\n", fx(readOnly, FUTEX_WAIT, 0, 0, 0, 0));
    printf("wake, read-only data, shared: %ld\n", fx((void *)"abcdefgh", FUTEX_WAKE, 1, 0, 0, 0));

    // Deadlines: each wait ends with ETIMEDOUT once its clock has reached the deadline.
    struct timespec deadline = later(CLOCK_REALTIME, 2000000);
    long r = fx(&w, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 5, &deadline, 0, ~0u);
    printf("wait_bitset to a realtime deadline: %ld, reached %d\n", r, reached(CLOCK_REALTIME, deadline));
    deadline = later(CLOCK_MONOTONIC, 3000000);
    r = fx(&w, FUTEX_WAIT_BITSET_PRIVATE, 5, &deadline, 0, 0x10);
    printf("wait_bitset to a monotonic deadline: %ld, reached %d\n", r, reached(CLOCK_MONOTONIC, deadline));
    deadline = later(CLOCK_MONOTONIC, 1000000);
    struct timespec relative = {0, 1000000};
    r = fx(&w, FUTEX_WAIT, 5, &relative, 0, 0);
    printf("wait 1 ms: %ld, reached %d\n", r, reached(CLOCK_MONOTONIC, deadline));

    // PI locks, from their one owner.
    long tid = syscall(SYS_gettid);
    w = 0;
    r = fx(&w, FUTEX_LOCK_PI_PRIVATE, 0, 0, 0, 0);
    printf("lock_pi a free word: %ld, owner is me %d\n", r, w == (uint32_t)tid);
    printf("trylock_pi my own lock: %ld\n", fx(&w, FUTEX_TRYLOCK_PI_PRIVATE, 0, 0, 0, 0));
    printf("lock_pi my own lock: %ld\n", fx(&w, FUTEX_LOCK_PI_PRIVATE, 0, 0, 0, 0));
    r = fx(&w, FUTEX_UNLOCK_PI_PRIVATE, 0, 0, 0, 0);
    printf("unlock_pi: %ld, word %x\n", r, w);
    printf("unlock_pi a free word: %ld, word %x\n", fx(&w, FUTEX_UNLOCK_PI_PRIVATE, 0, 0, 0, 0), w);
    w = FUTEX_OWNER_DIED;
    r = fx(&w, FUTEX_TRYLOCK_PI_PRIVATE, 0, 0, 0, 0);
    printf("trylock_pi an owner-died word: %ld, owner is me %d, owner died %d\n", r, (w & FUTEX_TID_MASK) == (uint32_t)tid,
           (w & FUTEX_OWNER_DIED) != 0);
    r = fx(&w, FUTEX_UNLOCK_PI_PRIVATE, 0, 0, 0, 0);
    printf("unlock_pi: %ld, word %x\n", r, w);
    w = 0x3ffffff0;
    printf("trylock_pi, owner no thread: %ld, word %x\n", fx(&w, FUTEX_TRYLOCK_PI_PRIVATE, 0, 0, 0, 0), w);
    w = 0x3ffffff0;
    printf("unlock_pi, not mine: %ld, word %x\n", fx(&w, FUTEX_UNLOCK_PI_PRIVATE, 0, 0, 0, 0), w);
    w = 0;
    deadline = later(CLOCK_REALTIME, 1000000);
    printf("lock_pi2 with a realtime deadline, free word: %ld, owner is me %d\n",
           fx(&w, FUTEX_LOCK_PI2_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &deadline, 0, 0), w == (uint32_t)tid);
    printf("lock_pi with CLOCK_REALTIME flag: %ld\n", fx(&w, FUTEX_LOCK_PI_PRIVATE | FUTEX_CLOCK_REALTIME, 0, 0, 0, 0));
    return 0;
}
