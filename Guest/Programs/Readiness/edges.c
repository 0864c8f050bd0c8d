/*
 * edges.c: what the reference cannot check. qemu-riscv64 aborts on a pselect6 nfds
 * above 1024 and lacks epoll_pwait2; a regular file needs the file system. The test
 * gives descriptor 3, a regular file; 4, a ready doorbell; 5, an idle one.
 */
#include "readiness-calls.h"

enum { PLAIN = 3, READY = 4, IDLE = 5 };

int main(void)
{
    struct span zero = { 0, 0 };
    struct ep_event event = { P_IN, 0, 1 }, got[4];
    int ep = ep_create(0);
    printf("epoll_ctl add a regular file: %ld\n", ep_ctl(ep, CTL_ADD, PLAIN, &event));

    /* Linux looks at no more bits than its descriptor table has slots: 64 here. */
    unsigned long bits[32] = { 0 };
    bits[0] = 1UL << READY;
    printf("pselect6 nfds 1025: %ld\n", interleave_syscall(NR_pselect6, 1025, (long)bits, 0, 0, (long)&zero, 0));
    bits[0] = 1UL << READY;
    printf("pselect6 nfds 2000: %ld\n", interleave_syscall(NR_pselect6, 2000, (long)bits, 0, 0, (long)&zero, 0));
    bits[0] = 0;
    bits[1] = 1UL << (100 - 64);
    printf("pselect6 closed 100 past the table: %ld\n", interleave_syscall(NR_pselect6, 101, (long)bits, 0, 0, (long)&zero, 0));
    bits[1] = 1UL << (60 - 64 + 64);
    bits[0] = 1UL << 60;
    bits[1] = 0;
    printf("pselect6 closed 60 inside it: %ld\n", interleave_syscall(NR_pselect6, 61, (long)bits, 0, 0, (long)&zero, 0));

    /* The time left goes back to the timeout: 1 s less the call's own cost (one descriptor). */
    struct span second = { 1, 0 };
    bits[0] = 1UL << READY;
    long found = interleave_syscall(NR_pselect6, READY + 1, (long)bits, 0, 0, (long)&second, 0);
    printf("pselect6 1 s, ready: %ld, left %ld.%09ld\n", found, second.tv_sec, second.tv_nsec);
    struct poll_entry entry = { READY, P_IN, 0 };
    second = (struct span){ 1, 0 };
    found = interleave_syscall(NR_ppoll, (long)&entry, 1, (long)&second, 0, 8, 0);
    printf("ppoll 1 s, ready: %ld, left %ld.%09ld\n", found, second.tv_sec, second.tv_nsec);

    /* epoll_pwait2 */
    struct span bad = { -1, 0 };
    printf("epoll_pwait2 timeout -1 s: %ld\n", ep_wait2(ep, got, 4, &bad));
    printf("epoll_pwait2 timeout at address 8: %ld\n", ep_wait2(ep, got, 4, (const struct span *)8));
    printf("epoll_pwait2 maxevents 0: %ld\n", ep_wait2(ep, got, 0, &zero));
    ep_ctl(ep, CTL_ADD, IDLE, &event);
    struct span one_ms = { 0, 1000000 };
    long start = now_ns();
    long result = ep_wait2(ep, got, 4, &one_ms);
    printf("epoll_pwait2 1 ms, idle: %ld after %ld us; timeout left %ld.%09ld\n", result, (now_ns() - start) / 1000,
           one_ms.tv_sec, one_ms.tv_nsec);
    event.data = 2;
    ep_ctl(ep, CTL_ADD, READY, &event);
    result = ep_wait2(ep, got, 4, 0);
    printf("epoll_pwait2 no timeout, ready: %ld (data %lu)\n", result, (unsigned long)got[0].data);

    /* Closing a nested instance drops its registration in the outer one. */
    int inner = ep_create(0);
    event.data = 3;
    ep_ctl(inner, CTL_ADD, READY, &event);
    int outer = ep_create(0);
    ep_ctl(outer, CTL_ADD, inner, &event);
    printf("outer sees inner: %ld\n", ep_wait(outer, got, 4, 0));
    interleave_syscall(57, inner, 0, 0, 0, 0, 0);
    printf("inner closed: %ld\n", ep_wait(outer, got, 4, 0));
    return 0;
}
