/*
 * pipe-hostile.c: bad input to pipe2, eventfd2, fcntl's pipe sizes, rt_sigaction and
 * rt_sigprocmask, and the descriptors a failure must not leak. Prints descriptor numbers,
 * so it is checked against expected text under Interleave only (qemu-riscv64 leaks the
 * two descriptors of a pipe2 whose result it cannot store, Linux does not).
 */
#include "interleave.h"

#define SYS_prlimit64 261

static long sys(long number, long a0, long a1, long a2, long a3)
{
    return interleave_syscall(number, a0, a1, a2, a3, 0, 0);
}

static void show(const char *what, long result) { printf("%s: %ld\n", what, result); }

int main(void)
{
    int fds[2] = { -1, -1 };
    show("pipe2", pipe2(fds, 0));
    printf("descriptors %d %d\n", fds[0], fds[1]);
    sys(SYS_close, fds[0], 0, 0, 0);
    sys(SYS_close, fds[1], 0, 0, 0);
    show("pipe2 to an unmapped address", pipe2((int *)8, 0));
    show("pipe2 to the top of the address space", pipe2((int *)-4L, 0));
    show("pipe2 with every flag bit", pipe2(fds, -1));
    show("pipe2 again", pipe2(fds, 0));
    printf("descriptors %d %d (none leaked)\n", fds[0], fds[1]);

    show("F_SETPIPE_SZ 0xffffffff", sys(SYS_fcntl, fds[1], F_SETPIPE_SZ, 0xffffffffL, 0));
    show("F_SETPIPE_SZ 2^31", sys(SYS_fcntl, fds[1], F_SETPIPE_SZ, 1L << 31, 0));
    show("F_SETPIPE_SZ 2 MiB", sys(SYS_fcntl, fds[1], F_SETPIPE_SZ, 2L << 20, 0));
    show("F_SETPIPE_SZ 1 MiB", sys(SYS_fcntl, fds[1], F_SETPIPE_SZ, 1L << 20, 0));
    show("F_SETPIPE_SZ 2^32 + 4096 (an unsigned int: 4096)", sys(SYS_fcntl, fds[1], F_SETPIPE_SZ, (1L << 32) + 4096, 0));
    show("F_GETPIPE_SZ on standard output", sys(SYS_fcntl, 1, F_GETPIPE_SZ, 0, 0));
    show("read with a huge count from an empty non-blocking pipe",
         (sys(SYS_fcntl, fds[0], F_SETFL, O_NONBLOCK, 0), sys(SYS_read, fds[0], (long)fds, -1L, 0)));

    /* Room for exactly one more descriptor: pipe2 needs two. */
    uint64_t limit[2] = { (uint64_t)fds[1] + 2, 1024 };
    show("RLIMIT_NOFILE to one more", sys(SYS_prlimit64, 0, 7, (long)limit, 0));
    show("pipe2 with one free descriptor", pipe2(fds, 0));
    long next = sys(SYS_dup, 0, 0, 0, 0);
    show("the free one is still free: dup", next);
    show("eventfd with none free", eventfd(0, 0));
    sys(SYS_close, next, 0, 0, 0);
    show("eventfd with one free", eventfd(0, 0));

    show("rt_sigaction signal -1", rt_sigaction(-1, 0, 0));
    show("rt_sigaction signal 2^31 - 1", rt_sigaction(0x7fffffff, 0, 0));
    show("rt_sigaction signal 64", rt_sigaction(64, 0, 0));
    show("rt_sigaction sigsetsize 2^64 - 1", interleave_syscall(SYS_rt_sigaction, SIGPIPE, 0, 0, -1L, 0, 0));
    show("rt_sigprocmask how -1", rt_sigprocmask(-1, (uint64_t *)&limit[0], 0));
    show("rt_sigprocmask old to the top", rt_sigprocmask(SIG_BLOCK, 0, (uint64_t *)-4L));
    return 0;
}
