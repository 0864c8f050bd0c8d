/*
 * random.c: random bytes for Swift's hashing seed and Int.random, and for C.
 *
 * Every byte comes from the getrandom system call, which our kernel feeds
 * from the run's seed: a run with the same seed draws the same bytes.
 */
#include "include/interleave.h"

/* getrandom may return fewer bytes than asked: loop until the buffer is full. */
void arc4random_buf(void *buffer, size_t count)
{
    char *next = buffer;
    while (count > 0) {
        long got = interleave_syscall(SYS_getrandom, (long)next, (long)count,
                                      0, 0, 0, 0);
        if (got == -EINTR || got == -EAGAIN)
            continue;
        if (got <= 0) {
            static const char message[] = "arc4random_buf: getrandom failed\n";
            interleave_write_all(2, message, sizeof message - 1);
            abort();
        }
        next += got;
        count -= (size_t)got;
    }
}

uint32_t arc4random(void)
{
    uint32_t value;
    arc4random_buf(&value, sizeof value);
    return value;
}

/* Rejects the low values that would make a plain modulo favour small results. */
uint32_t arc4random_uniform(uint32_t upper_bound)
{
    if (upper_bound < 2)
        return 0;
    uint32_t threshold = -upper_bound % upper_bound;
    for (;;) {
        uint32_t value = arc4random();
        if (value >= threshold)
            return value % upper_bound;
    }
}
