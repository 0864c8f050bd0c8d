/*
 * edges.c: what the reference cannot check. qemu-riscv64 aborts on a pselect6 nfds
 * above 1024 and lacks epoll_pwait2; a regular file needs the file system. The test
 * gives descriptor 3, a regular file; 4, a ready doorbell; 5, an idle one.
 */
#include "interleave.h"

enum { PLAIN = 3, READY = 4, IDLE = 5 };

static long now_ns(void)
{
    struct timespec t;
    interleave_syscall(SYS_clock_gettime, 1, (long)&t, 0, 0, 0, 0);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

int main(void)
{
    struct timespec zero = { 0, 0 };
    struct epoll_event event = { EPOLLIN, { .u64 = 1 } }, got[4];
    int ep = epoll_create1(0);
    printf("epoll_ctl add a regular file: %d\n", epoll_ctl(ep, EPOLL_CTL_ADD, PLAIN, &event));

    /* Linux looks at no more bits than its descriptor table has slots: 64 here. */
    unsigned long bits[32] = { 0 };
    bits[0] = 1UL << READY;
    printf("pselect6 nfds 1025: %ld\n", interleave_syscall(SYS_pselect6, 1025, (long)bits, 0, 0, (long)&zero, 0));
    bits[0] = 1UL << READY;
    printf("pselect6 nfds 2000: %ld\n", interleave_syscall(SYS_pselect6, 2000, (long)bits, 0, 0, (long)&zero, 0));
    bits[0] = 0;
    bits[1] = 1UL << (100 - 64);
    printf("pselect6 closed 100 past the table: %ld\n", interleave_syscall(SYS_pselect6, 101, (long)bits, 0, 0, (long)&zero, 0));
    bits[1] = 1UL << (60 - 64 + 64);
    bits[0] = 1UL << 60;
    bits[1] = 0;
    printf("pselect6 closed 60 inside it: %ld\n", interleave_syscall(SYS_pselect6, 61, (long)bits, 0, 0, (long)&zero, 0));

    /* epoll_pwait2 */
    struct timespec bad = { -1, 0 };
    printf("epoll_pwait2 timeout -1 s: %d\n", epoll_pwait2(ep, got, 4, &bad, 0));
    printf("epoll_pwait2 timeout at address 8: %d\n", epoll_pwait2(ep, got, 4, (const struct timespec *)8, 0));
    printf("epoll_pwait2 maxevents 0: %d\n", epoll_pwait2(ep, got, 0, &zero, 0));
    epoll_ctl(ep, EPOLL_CTL_ADD, IDLE, &event);
    struct timespec one_ms = { 0, 1000000 };
    long start = now_ns();
    int result = epoll_pwait2(ep, got, 4, &one_ms, 0);
    printf("epoll_pwait2 1 ms, idle: %d after %ld us; timeout left %ld.%09ld\n", result, (now_ns() - start) / 1000,
           one_ms.tv_sec, one_ms.tv_nsec);
    event.data.u64 = 2;
    epoll_ctl(ep, EPOLL_CTL_ADD, READY, &event);
    result = epoll_pwait2(ep, got, 4, 0, 0);
    printf("epoll_pwait2 no timeout, ready: %d (data %lu)\n", result, (unsigned long)got[0].data.u64);

    /* Closing a nested instance drops its registration in the outer one. */
    int inner = epoll_create1(0);
    event.data.u64 = 3;
    epoll_ctl(inner, EPOLL_CTL_ADD, READY, &event);
    int outer = epoll_create1(0);
    epoll_ctl(outer, EPOLL_CTL_ADD, inner, &event);
    printf("outer sees inner: %d\n", epoll_wait(outer, got, 4, 0));
    interleave_syscall(57, inner, 0, 0, 0, 0, 0);
    printf("inner closed: %d\n", epoll_wait(outer, got, 4, 0));
    return 0;
}
