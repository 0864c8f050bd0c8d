/*
 * wake.c: a thread blocked in ppoll, pselect6 or epoll_pwait (argv[1]: poll, select
 * or epoll) with no timeout is woken by another thread's write. The test gives the
 * program two descriptors: 3, a doorbell (readable once written to), and 4, one that
 * is never ready. The helper thread sleeps 2 ms, then writes to 3. Then each call
 * waits 5 ms on 4 alone and must return 0 when that time is up.
 */
#include "readiness-calls.h"

enum { NR_thread_spawn = 0x1000, NR_thread_join = 0x1001, BELL = 3, SILENT = 4 };

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
