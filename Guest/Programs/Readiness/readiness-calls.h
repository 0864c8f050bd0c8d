/*
 * readiness-calls.h: what the readiness programs (Readiness/*.c, Checks/readiness.c)
 * share — the call numbers, poll and epoll bits and structures of Linux riscv64 under the
 * programs' own names (their output names these, and the reference run under qemu-riscv64
 * must print the same), thin epoll wrappers, and the monotonic clock in nanoseconds.
 */
#ifndef READINESS_CALLS_H
#define READINESS_CALLS_H

#include "interleave.h"

enum {
    NR_epoll_create1 = 20, NR_epoll_ctl = 21, NR_epoll_pwait = 22, NR_pselect6 = 72, NR_ppoll = 73,
    NR_epoll_pwait2 = 441,
    P_IN = 0x001, P_PRI = 0x002, P_OUT = 0x004, P_ERR = 0x008, P_HUP = 0x010, P_NVAL = 0x020,
    P_RDNORM = 0x040, P_WRNORM = 0x100, P_RDHUP = 0x2000,
    CTL_ADD = 1, CTL_DEL = 2, CTL_MOD = 3, EP_CLOEXEC = 02000000,
};
#define EP_EXCLUSIVE (1U << 28)
#define EP_ONESHOT   (1U << 30)
#define EP_ET        (1U << 31)
struct span { long tv_sec; long tv_nsec; };                       /* struct timespec */
struct poll_entry { int fd; short events; short revents; };        /* struct pollfd */
struct ep_event { uint32_t events; uint32_t padding; uint64_t data; };   /* riscv64's epoll_event: 16 bytes */
typedef struct { unsigned long bits[16]; } fd_bits;                /* fd_set: 1024 bits */
#define BITS_ZERO(set)     memset((set), 0, sizeof(fd_bits))
#define BITS_ADD(fd, set)  ((set)->bits[(fd) / 64] |= 1UL << ((fd) % 64))
#define BITS_HAS(fd, set)  ((int)(((set)->bits[(fd) / 64] >> ((fd) % 64)) & 1))
_Static_assert(sizeof(struct ep_event) == 16, "riscv64's epoll_event is not packed");

static long ep_create(int flags) { return interleave_syscall(NR_epoll_create1, flags, 0, 0, 0, 0, 0); }
static long ep_ctl(int ep, int op, int fd, struct ep_event *event) { return interleave_syscall(NR_epoll_ctl, ep, op, fd, (long)event, 0, 0); }
static long ep_wait(int ep, struct ep_event *events, int maximum, int timeout_ms)
{
    return interleave_syscall(NR_epoll_pwait, ep, (long)events, maximum, timeout_ms, 0, 8);
}
static long ep_wait2(int ep, struct ep_event *events, int maximum, const struct span *timeout)
{
    return interleave_syscall(NR_epoll_pwait2, ep, (long)events, maximum, (long)timeout, 0, 8);
}

static long now_ns(void)
{
    struct span t;
    interleave_syscall(SYS_clock_gettime, 1, (long)&t, 0, 0, 0, 0);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

#endif
