/*
 * wake.c: a thread blocked in ppoll, pselect6 or epoll_pwait (argv[1]: poll, select
 * or epoll) with no timeout is woken by another thread's write. The test gives the
 * program two descriptors: 3, a doorbell (readable once written to), and 4, one that
 * is never ready. The helper thread sleeps 2 ms, then writes to 3. Then each call
 * waits 5 ms on 4 alone and must return 0 when that time is up.
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

enum { NR_thread_spawn = 0x1000, NR_thread_join = 0x1001, BELL = 3, SILENT = 4 };

static long now_ns(void)
{
    struct span t;
    interleave_syscall(SYS_clock_gettime, 1, (long)&t, 0, 0, 0, 0);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static long ring_later(long unused)
{
    (void)unused;
    struct span two_ms = { 0, 2000000 };
    interleave_syscall(SYS_nanosleep, (long)&two_ms, 0, 0, 0, 0, 0);
    interleave_syscall(SYS_write, BELL, (long)"!", 1, 0, 0, 0);
    return 0;
}

/* What pselect6 wrote back to its timeout. */
static struct span time_left = { -1, -1 };

static long wait_for(const char *how, int fd, int timeout_ms, unsigned *seen)
{
    *seen = 0;
    if (how[0] == 'p') {
        struct poll_entry entry = { fd, P_IN, 0 };
        struct span timeout = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };
        long result = interleave_syscall(NR_ppoll, (long)&entry, 1, timeout_ms < 0 ? 0 : (long)&timeout, 0, 8, 0);
        *seen = (unsigned short)entry.revents;
        return result;
    }
    if (how[0] == 's') {
        fd_bits readable;
        BITS_ZERO(&readable);
        BITS_ADD(fd, &readable);
        struct span timeout = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };
        long result = interleave_syscall(NR_pselect6, fd + 1, (long)&readable, 0, 0,
                                         timeout_ms < 0 ? 0 : (long)&timeout, 0);
        *seen = BITS_HAS(fd, &readable) ? P_IN : 0;
        time_left = timeout;
        return result;
    }
    int ep = ep_create(0);
    struct ep_event event = { P_IN, 0, 7 }, got = { 0, 0, 0 };
    ep_ctl(ep, CTL_ADD, fd, &event);
    long result = ep_wait(ep, &got, 1, timeout_ms);
    *seen = got.events;
    interleave_syscall(57, ep, 0, 0, 0, 0, 0);
    return result;
}

int main(void)
{
    const char *how = interleave_argc() > 1 ? interleave_argv()[1] : "poll";
    long start = now_ns();
    long helper = interleave_syscall(NR_thread_spawn, (long)ring_later, 0, 64 << 10, 0, 0, 0);
    unsigned seen;
    long result = wait_for(how, BELL, -1, &seen);
    long waited = now_ns() - start;
    printf("%s: woken with %ld, events 0x%x, after 2 ms or more: %s\n", how, result, seen,
           waited >= 2000000 ? "yes" : "no");
    interleave_syscall(NR_thread_join, helper, 0, 0, 0, 0, 0);

    start = now_ns();
    result = wait_for(how, SILENT, 5, &seen);
    waited = now_ns() - start;
    printf("%s: 5 ms timeout gives %ld, events 0x%x, waited %ld us\n", how, result, seen, waited / 1000);
    if (how[0] == 's')
        printf("time left %ld.%09ld\n", time_left.tv_sec, time_left.tv_nsec);
    return 0;
}
