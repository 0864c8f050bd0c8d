/*
 * migrate.c: one thread with a warm working set (16 KiB, read and written each round),
 * pinned to hart 0 for a few rounds, then moved to hart 1 by set_affinity for a few more:
 * the move is a migration, and its first slice on hart 1 misses on every line the thread
 * had warm on hart 0 (`--stats` shows migrations and the misses after them).
 */
#include "interleave.h"

#define SYS_set_affinity  0x1031
#define WORDS (16 * 1024 / 8)

static uint64_t working_set[WORDS] __attribute__((aligned(64)));

__attribute__((noinline)) uint64_t walk(void)
{
    uint64_t sum = 0;
    for (int i = 0; i < WORDS; i++) {
        sum += working_set[i];
        working_set[i] = sum;
    }
    return sum;
}

int main(void)
{
    uint64_t total = 0;
    interleave_syscall(SYS_set_affinity, 0, 1, 0, 0, 0, 0);
    for (int round = 0; round < 4; round++)
        total += walk();
    interleave_syscall(SYS_set_affinity, 0, 2, 0, 0, 0, 0);
    for (int round = 0; round < 4; round++)
        total += walk();
    printf("walked, %lu\n", (unsigned long)(total & 0xFF));
    return 0;
}
