/*
 * false-sharing.c: two threads, pinned to harts 0 and 1, each add to a counter of its
 * own. With no argument the two counters sit 8 bytes apart in one cache line, so every
 * store takes the line from the other core (false sharing: `interleave run --c2c` names
 * count_left and count_right at offsets 0 and 8 of one line); with `padded` they sit a
 * line apart and never meet. Prints both totals.
 */
#include "interleave.h"

#define SYS_thread_spawn  0x1000
#define SYS_thread_join   0x1001
#define SYS_set_affinity  0x1031
#define ROUNDS 3000

/* Two lines: [0] and [1] share the first; [8] starts the second. */
static volatile uint64_t counters[16] __attribute__((aligned(64)));

static void pin_to_hart(long hart)
{
    interleave_syscall(SYS_set_affinity, 0, 1L << hart, 0, 0, 0, 0);
}

__attribute__((noinline)) long count_left(long slot)
{
    pin_to_hart(0);
    for (int i = 0; i < ROUNDS; i++)
        counters[slot] += 1;
    return 0;
}

__attribute__((noinline)) long count_right(long slot)
{
    pin_to_hart(1);
    for (int i = 0; i < ROUNDS; i++)
        counters[slot] += 1;
    return 0;
}

int main(void)
{
    char **argv = interleave_argv();
    int padded = interleave_argc() > 1 && argv[1][0] == 'p';
    long right = padded ? 8 : 1;
    long left_thread = interleave_syscall(SYS_thread_spawn, (long)count_left, 0, 0, 0, 0, 0);
    long right_thread = interleave_syscall(SYS_thread_spawn, (long)count_right, right, 0, 0, 0, 0);
    if (left_thread < 0 || right_thread < 0)
        return 1;
    interleave_syscall(SYS_thread_join, left_thread, 0, 0, 0, 0, 0);
    interleave_syscall(SYS_thread_join, right_thread, 0, 0, 0, 0, 0);
    printf("left %lu, right %lu\n", (unsigned long)counters[0], (unsigned long)counters[right]);
    return 0;
}
