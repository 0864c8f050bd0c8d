/*
 * readiness.c: pselect6, ppoll and epoll on pipes, eventfds and socketpairs, one
 * line per check: the call's result (or -errno) and what it reported. The same
 * program runs under Interleave's kernel and under qemu-riscv64 (the host's
 * Linux); ReadinessReferenceTests compares the two outputs byte for byte. Only
 * what is deterministic is printed: no times, no host paths, and every wait has
 * a zero or tiny timeout.
 */
#include "../Readiness/readiness-calls.h"

enum {
    NR_eventfd2 = 19, NR_dup = 23, NR_fcntl = 25, NR_close = 57, NR_pipe2 = 59,
    NR_socketpair = 199, NR_shutdown = 210, NR_prlimit64 = 261,
};

static long call(long n, long a, long b, long c, long d) { return interleave_syscall(n, a, b, c, d, 0, 0); }
static long sys_close(int fd) { return call(NR_close, fd, 0, 0, 0); }
static long sys_dup(int fd) { return call(NR_dup, fd, 0, 0, 0); }
static long sys_write(int fd, const char *text) { return call(SYS_write, fd, (long)text, (long)strlen(text), 0); }
static long sys_read(int fd, long count)
{
    char buffer[256];
    return call(SYS_read, fd, (long)buffer, count < 256 ? count : 256, 0);
}
static void make_pipe(int ends[2]) { call(NR_pipe2, (long)ends, 0, 0, 0); }
static void make_pair(int ends[2]) { call(NR_socketpair, 1 /* AF_UNIX */, 1 /* SOCK_STREAM */, 0, (long)ends); }
static int make_eventfd(void) { return (int)call(NR_eventfd2, 0, 0, 0, 0); }

static const char *error_name(long result)
{
    switch (-result) {
    case 9: return "EBADF";
    case 14: return "EFAULT";
    case 17: return "EEXIST";
    case 2: return "ENOENT";
    case 22: return "EINVAL";
    case 1: return "EPERM";
    case 40: return "ELOOP";
    case 11: return "EAGAIN";
    case 38: return "ENOSYS";
    case 24: return "EMFILE";
    default: return "E?";
    }
}

static void show(const char *what, long result)
{
    if (result < 0)
        printf("%s: -%s\n", what, error_name(result));
    else
        printf("%s: %ld\n", what, result);
}

/* The descriptors set in a select result, relative to `base`. */
static void show_set(const char *what, const fd_bits *set, int base, int count)
{
    printf("  %s:", what);
    for (int fd = base; fd < base + count; fd++)
        if (BITS_HAS(fd, set))
            printf(" +%d", fd - base);
    printf("\n");
}

static struct span zero_time = { 0, 0 };

/* ppoll with a zero timeout: the count, then each entry's revents. */
static void poll_show(const char *what, struct poll_entry *fds, int count)
{
    struct span timeout = zero_time;
    long result = interleave_syscall(NR_ppoll, (long)fds, count, (long)&timeout, 0, 8, 0);
    show(what, result);
    printf("  revents:");
    for (int i = 0; i < count; i++)
        printf(" 0x%x", (unsigned)(unsigned short)fds[i].revents);
    printf("\n");
}

static void epoll_show(const char *what, int ep, int maximum)
{
    struct ep_event events[8];
    memset(events, 0, sizeof events);
    long result = ep_wait(ep, events, maximum, 0);
    show(what, result);
    for (long i = 0; i < result; i++)
        printf("  event 0x%x data %lu\n", (unsigned)events[i].events, (unsigned long)events[i].data);
}

static long epoll_add(int ep, int fd, unsigned events, unsigned long data)
{
    struct ep_event event = { events, 0, data };
    return ep_ctl(ep, CTL_ADD, fd, &event);
}

static long epoll_mod(int ep, int fd, unsigned events, unsigned long data)
{
    struct ep_event event = { events, 0, data };
    return ep_ctl(ep, CTL_MOD, fd, &event);
}

static void select_checks(void)
{
    printf("== pselect6\n");
    int p[2], s[2];
    make_pipe(p);
    make_pair(s);
    int base = p[0];
    fd_bits r, w;
    struct span timeout = zero_time;

    show("nfds -1", interleave_syscall(NR_pselect6, -1, 0, 0, 0, (long)&timeout, 0));
    BITS_ZERO(&r);
    BITS_ADD(50, &r);
    show("closed descriptor 50", interleave_syscall(NR_pselect6, 51, (long)&r, 0, 0, (long)&timeout, 0));
    show("null sets, nfds 10", interleave_syscall(NR_pselect6, 10, 0, 0, 0, (long)&timeout, 0));

    BITS_ZERO(&r);
    BITS_ZERO(&w);
    BITS_ADD(p[0], &r);
    BITS_ADD(p[1], &w);
    show("empty pipe: read end, write end", interleave_syscall(NR_pselect6, p[1] + 1, (long)&r, (long)&w, 0, (long)&timeout, 0));
    show_set("read", &r, base, 4);
    show_set("write", &w, base, 4);

    sys_write(p[1], "x");
    BITS_ZERO(&r);
    BITS_ZERO(&w);
    BITS_ADD(p[0], &r);
    BITS_ADD(p[1], &w);
    BITS_ADD(p[1], &r);
    show("pipe with a byte", interleave_syscall(NR_pselect6, p[1] + 1, (long)&r, (long)&w, 0, (long)&timeout, 0));
    show_set("read", &r, base, 4);
    show_set("write", &w, base, 4);

    sys_write(s[1], "y");
    BITS_ZERO(&r);
    BITS_ZERO(&w);
    BITS_ADD(s[0], &r);
    BITS_ADD(s[0], &w);
    show("socket in both sets counts twice", interleave_syscall(NR_pselect6, s[0] + 1, (long)&r, (long)&w, 0, (long)&timeout, 0));
    show_set("read", &r, base, 4);
    show_set("write", &w, base, 4);

    /* nfds 1024: bits past the descriptor table are not looked at. (qemu-riscv64
     * aborts past 1024, so larger ones are checked by the kernel tests alone.) */
    unsigned long big[16];
    memset(big, 0, sizeof big);
    big[0] = 1UL << p[0];
    show("nfds 1024", interleave_syscall(NR_pselect6, 1024, (long)big, 0, 0, (long)&timeout, 0));
    printf("  bits 0x%lx\n", big[0] >> base);

    BITS_ZERO(&r);
    BITS_ADD(p[1], &r);
    struct span tiny = { 0, 1000 };
    show("1 us timeout, nothing ready", interleave_syscall(NR_pselect6, p[1] + 1, (long)&r, 0, 0, (long)&tiny, 0));
    printf("  time left %ld.%09ld\n", tiny.tv_sec, tiny.tv_nsec);
    struct span bad = { 0, 1000000000 };
    show("timeout nsec 1e9", interleave_syscall(NR_pselect6, 1, 0, 0, 0, (long)&bad, 0));
    struct span negative = { -1, 0 };
    show("timeout -1 s", interleave_syscall(NR_pselect6, 1, 0, 0, 0, (long)&negative, 0));
    show("readfds at address 8", interleave_syscall(NR_pselect6, 1, 8, 0, 0, (long)&timeout, 0));
    show("timeout at address 8", interleave_syscall(NR_pselect6, 1, 0, 0, 0, 8, 0));
    unsigned long mask = 0;
    unsigned long pack[2] = { (unsigned long)&mask, 7 };
    show("sigsetsize 7", interleave_syscall(NR_pselect6, 1, 0, 0, 0, (long)&timeout, (long)pack));
    pack[1] = 8;
    show("sigsetsize 8", interleave_syscall(NR_pselect6, 1, 0, 0, 0, (long)&timeout, (long)pack));
    show("sigmask pack at address 8", interleave_syscall(NR_pselect6, 1, 0, 0, 0, (long)&timeout, 8));
    sys_close(p[0]);
    sys_close(p[1]);
    sys_close(s[0]);
    sys_close(s[1]);
}

static void poll_checks(void)
{
    printf("== ppoll\n");
    int p[2], s[2];
    make_pipe(p);
    make_pair(s);
    int e = make_eventfd();
    struct poll_entry fds[4];

    fds[0] = (struct poll_entry){ p[0], P_IN, 0x7777 };
    fds[1] = (struct poll_entry){ p[1], P_OUT, 0 };
    fds[2] = (struct poll_entry){ 77, P_IN, 0 };
    fds[3] = (struct poll_entry){ -1, P_IN | P_OUT, 0x1234 };
    poll_show("empty pipe, closed 77, negative fd", fds, 4);

    sys_write(p[1], "x");
    fds[0].events = P_IN | P_RDNORM | P_OUT | P_PRI;
    poll_show("pipe with a byte", fds, 2);

    sys_close(p[1]);
    fds[1].fd = p[0];
    fds[1].events = 0;
    poll_show("writer closed: data, then events 0", fds, 2);
    sys_read(p[0], 10);
    poll_show("writer closed, drained", fds, 2);
    make_pipe(p);
    sys_close(p[0]);
    fds[0] = (struct poll_entry){ p[1], P_OUT, 0 };
    fds[1] = (struct poll_entry){ p[1], P_IN, 0 };
    poll_show("reader closed", fds, 2);
    sys_close(p[1]);

    fds[0] = (struct poll_entry){ e, P_IN | P_OUT, 0 };
    poll_show("eventfd at 0", fds, 1);
    unsigned long one = 1;
    call(SYS_write, e, (long)&one, 8, 0);
    poll_show("eventfd at 1", fds, 1);

    fds[0] = (struct poll_entry){ s[0], P_IN | P_OUT | P_RDHUP, 0 };
    poll_show("socket, idle", fds, 1);
    sys_write(s[1], "hello");
    poll_show("socket, peer wrote", fds, 1);
    call(NR_shutdown, s[1], 1 /* SHUT_WR */, 0, 0);
    poll_show("socket, peer shut down writing", fds, 1);
    sys_close(s[1]);
    poll_show("socket, peer closed", fds, 1);
    sys_close(s[0]);

    fds[0] = (struct poll_entry){ e, P_IN, 0 };
    fds[1] = (struct poll_entry){ e, P_OUT, 0 };
    poll_show("the same descriptor twice", fds, 2);
    interleave_flush();
    fds[0] = (struct poll_entry){ 1, P_OUT, 0 };
    poll_show("standard output, for writing", fds, 1);

    struct span timeout = zero_time;
    show("nfds 0", interleave_syscall(NR_ppoll, 0, 0, (long)&timeout, 0, 8, 0));
    show("fds at address 8", interleave_syscall(NR_ppoll, 8, 1, (long)&timeout, 0, 8, 0));
    struct span bad = { 0, -1 };
    show("timeout nsec -1", interleave_syscall(NR_ppoll, (long)fds, 1, (long)&bad, 0, 8, 0));
    unsigned long mask = 0;
    show("sigsetsize 7", interleave_syscall(NR_ppoll, (long)fds, 1, (long)&timeout, (long)&mask, 7, 0));
    show("sigsetsize 7, no mask", interleave_syscall(NR_ppoll, (long)fds, 1, (long)&timeout, 0, 7, 0));

    /* nfds above RLIMIT_NOFILE: EINVAL. */
    unsigned long limits[2];
    call(NR_prlimit64, 0, 7, 0, (long)limits);
    unsigned long lower[2] = { 64, limits[1] };
    call(NR_prlimit64, 0, 7, (long)lower, 0);
    struct poll_entry many[65];
    for (int i = 0; i < 65; i++)
        many[i] = (struct poll_entry){ -1, P_IN, 0 };
    show("nfds 64 at a limit of 64", interleave_syscall(NR_ppoll, (long)many, 64, (long)&timeout, 0, 8, 0));
    show("nfds 65 at a limit of 64", interleave_syscall(NR_ppoll, (long)many, 65, (long)&timeout, 0, 8, 0));
    call(NR_prlimit64, 0, 7, (long)limits, 0);

    p[0] = e;
    fds[0] = (struct poll_entry){ p[0], P_OUT, 0 };
    sys_read(e, 8);
    fds[0].events = P_IN;
    struct span tiny = { 0, 1000 };
    show("1 us timeout, nothing ready", interleave_syscall(NR_ppoll, (long)fds, 1, (long)&tiny, 0, 8, 0));
    printf("  time left %ld.%09ld\n", tiny.tv_sec, tiny.tv_nsec);
    sys_close(e);
}

static void epoll_error_checks(void)
{
    printf("== epoll_create1, epoll_ctl, epoll_pwait errors\n");
    show("epoll_create1(1)", ep_create(1));
    int ep = ep_create(EP_CLOEXEC);
    show("F_GETFD of EPOLL_CLOEXEC", call(NR_fcntl, ep, 1, 0, 0));
    int p[2];
    make_pipe(p);
    show("add to closed epfd", epoll_add(99, p[0], P_IN, 0));
    show("add closed fd", epoll_add(ep, 99, P_IN, 0));
    show("epfd not an epoll", epoll_add(p[1], p[0], P_IN, 0));
    show("add epoll to itself", epoll_add(ep, ep, P_IN, 0));
    show("add", epoll_add(ep, p[0], P_IN, 1));
    show("add again", epoll_add(ep, p[0], P_IN, 1));
    show("mod unregistered", epoll_mod(ep, p[1], P_OUT, 2));
    show("del unregistered", ep_ctl(ep, CTL_DEL, p[1], 0));
    struct ep_event event = { P_IN, 0, 0 };
    show("op 7", ep_ctl(ep, 7, p[0], &event));
    show("op 7, null event", ep_ctl(ep, 7, p[0], 0));
    show("add with a null event", ep_ctl(ep, CTL_ADD, p[1], 0));
    show("mod with EPOLLEXCLUSIVE", epoll_mod(ep, p[0], P_IN | EP_EXCLUSIVE, 1));
    show("add EPOLLEXCLUSIVE|EPOLLRDHUP", epoll_add(ep, p[1], P_OUT | P_RDHUP | EP_EXCLUSIVE, 2));
    show("add EPOLLEXCLUSIVE|EPOLLOUT", epoll_add(ep, p[1], P_OUT | EP_EXCLUSIVE, 2));
    show("mod an exclusive one", epoll_mod(ep, p[1], P_OUT, 2));
    show("del with a null event", ep_ctl(ep, CTL_DEL, p[0], 0));
    show("del again", ep_ctl(ep, CTL_DEL, p[0], 0));

    int inner = ep_create(0);
    show("add an epoll", epoll_add(ep, inner, P_IN, 3));
    show("add it back: a loop", epoll_add(inner, ep, P_IN, 4));
    show("add an epoll exclusively", epoll_add(inner, ep_create(0), P_IN | EP_EXCLUSIVE, 5));

    /* A chain of instances: Linux allows four levels below the outermost (EP_MAX_NESTS). */
    int chain[7];
    for (int i = 0; i < 7; i++)
        chain[i] = ep_create(0);
    for (int i = 1; i < 7; i++) {
        char label[40];
        snprintf(label, sizeof label, "chain: add level %d", i);
        show(label, epoll_add(chain[i - 1], chain[i], P_IN, 0));
    }
    show("chain: a fresh instance above the top", epoll_add(ep_create(0), chain[0], P_IN, 0));
    for (int i = 0; i < 7; i++)
        sys_close(chain[i]);

    struct ep_event events[2];
    show("maxevents 0", ep_wait(ep, events, 0, 0));
    show("maxevents -1", ep_wait(ep, events, -1, 0));
    show("maxevents INT_MAX", ep_wait(ep, events, 0x7fffffff, 0));
    show("wait on a closed epfd", ep_wait(99, events, 2, 0));
    show("wait on a pipe", ep_wait(p[0], events, 2, 0));
    unsigned long mask = 0;
    show("epoll_pwait sigsetsize 7", interleave_syscall(NR_epoll_pwait, ep, (long)events, 2, 0, (long)&mask, 7));
    show("del the write end", ep_ctl(ep, CTL_DEL, p[1], 0));
    show("del the inner epoll", ep_ctl(ep, CTL_DEL, inner, 0));
    show("epoll_wait 1 ms, nothing ready", ep_wait(ep, events, 2, 1));
    sys_write(p[1], "x");
    show("add the read end with a byte", epoll_add(ep, p[0], P_IN, 6));
    show("events at address 8", ep_wait(ep, (struct ep_event *)8, 1, 0));
    epoll_show("then a good buffer", ep, 2);
    sys_close(p[0]);
    sys_close(p[1]);
    sys_close(inner);
    sys_close(ep);
}

static void epoll_mode_checks(void)
{
    printf("== level, edge, one-shot\n");
    int ep = ep_create(0);
    int p[2];
    make_pipe(p);
    show("add level-triggered EPOLLIN", epoll_add(ep, p[0], P_IN, 10));
    epoll_show("empty", ep, 8);
    sys_write(p[1], "ab");
    epoll_show("a byte", ep, 8);
    epoll_show("again: still ready", ep, 8);
    sys_read(p[0], 2);
    epoll_show("drained", ep, 8);

    show("mod to edge-triggered", epoll_mod(ep, p[0], P_IN | EP_ET, 11));
    epoll_show("edge, empty", ep, 8);
    sys_write(p[1], "a");
    epoll_show("edge, a byte arrives", ep, 8);
    epoll_show("edge, nothing new", ep, 8);
    sys_write(p[1], "b");
    epoll_show("edge, another byte", ep, 8);
    epoll_show("edge, nothing new", ep, 8);
    show("mod with data still there: listed again", epoll_mod(ep, p[0], P_IN | EP_ET, 12));
    epoll_show("edge after mod", ep, 8);
    sys_read(p[0], 10);

    show("mod to one-shot", epoll_mod(ep, p[0], P_IN | EP_ONESHOT, 13));
    sys_write(p[1], "c");
    epoll_show("one-shot, a byte", ep, 8);
    epoll_show("one-shot, disarmed", ep, 8);
    sys_write(p[1], "d");
    epoll_show("one-shot, disarmed, another byte", ep, 8);
    show("re-arm with mod", epoll_mod(ep, p[0], P_IN | EP_ONESHOT, 14));
    epoll_show("re-armed", ep, 8);
    sys_read(p[0], 10);

    show("add the write end for EPOLLOUT", epoll_add(ep, p[1], P_OUT, 15));
    show("mod the read end to no events", epoll_mod(ep, p[0], 0, 16));
    epoll_show("write end writable", ep, 8);
    show("del the write end", ep_ctl(ep, CTL_DEL, p[1], 0));
    sys_close(p[1]);
    epoll_show("writer closed: EPOLLHUP though events 0", ep, 8);
    sys_close(p[0]);
    epoll_show("read end closed: gone", ep, 8);

    printf("== round robin past maxevents\n");
    int fds[3];
    for (int i = 0; i < 3; i++) {
        fds[i] = make_eventfd();
        unsigned long one = 1;
        call(SYS_write, fds[i], (long)&one, 8, 0);
        epoll_add(ep, fds[i], P_IN, 20 + i);
    }
    epoll_show("maxevents 2", ep, 2);
    epoll_show("maxevents 2 again", ep, 2);
    epoll_show("maxevents 8", ep, 8);
    for (int i = 0; i < 3; i++)
        sys_close(fds[i]);

    printf("== eventfd edge-triggered\n");
    int e = make_eventfd();
    show("add EPOLLIN|EPOLLOUT|EPOLLET", epoll_add(ep, e, P_IN | P_OUT | EP_ET, 30));
    epoll_show("writable at once", ep, 8);
    epoll_show("nothing new", ep, 8);
    unsigned long two = 2;
    call(SYS_write, e, (long)&two, 8, 0);
    epoll_show("written", ep, 8);
    sys_close(e);

    printf("== a registration outlives its descriptor\n");
    make_pipe(p);
    int copy = (int)sys_dup(p[0]);
    show("add the read end", epoll_add(ep, p[0], P_IN, 40));
    sys_close(p[0]);
    sys_write(p[1], "z");
    epoll_show("closed fd, open description", ep, 8);
    show("del the closed fd", ep_ctl(ep, CTL_DEL, p[0], 0));
    show("del through the copy", ep_ctl(ep, CTL_DEL, copy, 0));
    sys_close(copy);
    epoll_show("last descriptor closed", ep, 8);
    sys_close(p[1]);

    printf("== nested\n");
    int inner = ep_create(0);
    make_pipe(p);
    show("add inner to outer", epoll_add(ep, inner, P_IN, 50));
    show("add pipe to inner", epoll_add(inner, p[0], P_IN, 51));
    epoll_show("outer, idle", ep, 8);
    sys_write(p[1], "q");
    epoll_show("outer, pipe written", ep, 8);
    struct poll_entry pfd = { inner, P_IN | P_OUT, 0 };
    poll_show("poll the inner epoll", &pfd, 1);
    epoll_show("inner", inner, 8);
    sys_read(p[0], 10);
    epoll_show("outer, drained", ep, 8);
    poll_show("poll the inner epoll, drained", &pfd, 1);
    sys_close(p[0]);
    sys_close(p[1]);
    sys_close(inner);

    printf("== EPOLLRDHUP\n");
    int s[2];
    make_pair(s);
    show("add socket EPOLLIN|EPOLLRDHUP", epoll_add(ep, s[0], P_IN | P_RDHUP, 60));
    epoll_show("idle", ep, 8);
    call(NR_shutdown, s[1], 1, 0, 0);
    epoll_show("peer shut down writing", ep, 8);
    sys_close(s[1]);
    epoll_show("peer closed", ep, 8);
    sys_close(s[0]);
    sys_close(ep);
}

int main(void)
{
    select_checks();
    poll_checks();
    epoll_error_checks();
    epoll_mode_checks();
    return 0;
}
