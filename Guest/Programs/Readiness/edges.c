/*
 * edges.c: what the reference cannot check. qemu-riscv64 aborts on a pselect6 nfds
 * above 1024 and lacks epoll_pwait2; a regular file needs the file system. The test
 * gives descriptor 3, a regular file; 4, a ready doorbell; 5, an idle one.
 */
#include "interleave.h"

/* The calls' structures under this program's own names, so it builds with or without
 * the I/O block of interleave.h (which defines the standard ones). */
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

enum { PLAIN = 3, READY = 4, IDLE = 5 };

static long now_ns(void)
{
    struct span t;
    interleave_syscall(SYS_clock_gettime, 1, (long)&t, 0, 0, 0, 0);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

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
