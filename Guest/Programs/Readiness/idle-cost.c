/*
 * idle-cost.c: what one readiness call costs in simulated time with N idle
 * descriptors and one ready one. The test gives the program descriptor 3, ready to
 * read, and 4 ... 4 + 9,999, never ready. For N = 10, 100, 1,000 and 10,000 it
 * times one ppoll over all N + 1, and one epoll_wait on an instance holding the same
 * N + 1; pselect6 for the N that fit below 1024; and pselect6 naming a
 * descriptor at 1024, which this kernel refuses (EINVAL).
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

enum { READY = 3, FIRST_IDLE = 4, MOST = 10000 };

static long now_ns(void)
{
    struct span t;
    interleave_syscall(SYS_clock_gettime, 1, (long)&t, 0, 0, 0, 0);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

int main(void)
{
    static const int counts[] = { 10, 100, 1000, 10000 };
    struct poll_entry *entries = malloc(sizeof(struct poll_entry) * (MOST + 1));
    if (!entries)
        return 1;
    entries[0] = (struct poll_entry){ READY, P_IN, 0 };
    for (int i = 0; i < MOST; i++)
        entries[i + 1] = (struct poll_entry){ FIRST_IDLE + i, P_IN, 0 };
    struct span zero = { 0, 0 };
    for (int c = 0; c < 4; c++) {
        int idle = counts[c];
        long start = now_ns();
        long result = interleave_syscall(NR_ppoll, (long)entries, idle + 1, (long)&zero, 0, 8, 0);
        long cost = now_ns() - start;
        printf("poll %d idle: %ld ready, %ld ns\n", idle, result, cost);
    }
    for (int c = 0; c < 4; c++) {
        int idle = counts[c];
        int ep = ep_create(0);
        struct ep_event event = { P_IN, 0, READY };
        ep_ctl(ep, CTL_ADD, READY, &event);
        for (int i = 0; i < idle; i++) {
            event.data = FIRST_IDLE + i;
            ep_ctl(ep, CTL_ADD, FIRST_IDLE + i, &event);
        }
        struct ep_event got[8];
        long start = now_ns();
        long result = ep_wait(ep, got, 8, 0);
        long cost = now_ns() - start;
        printf("epoll %d idle: %ld ready, %ld ns\n", idle, result, cost);
    }
    fd_bits *readable = malloc(sizeof(fd_bits));
    if (!readable)
        return 1;
    for (int c = 0; c < 3; c++) {
        int idle = counts[c];
        BITS_ZERO(readable);
        BITS_ADD(READY, readable);
        for (int i = 0; i < idle && FIRST_IDLE + i < 1024; i++)
            BITS_ADD(FIRST_IDLE + i, readable);
        int top = FIRST_IDLE + idle < 1024 ? FIRST_IDLE + idle : 1024;
        long start = now_ns();
        long result = interleave_syscall(NR_pselect6, top, (long)readable, 0, 0, (long)&zero, 0);
        long cost = now_ns() - start;
        printf("select up to %d: %ld ready, %ld ns\n", top, result, cost);
    }
    unsigned long *wide = calloc(32, sizeof(unsigned long));
    if (!wide)
        return 1;
    wide[0] = 1UL << READY;
    wide[16] = 1;   /* descriptor 1024 */
    printf("select naming descriptor 1024: %ld\n",
           interleave_syscall(NR_pselect6, 1025, (long)wide, 0, 0, (long)&zero, 0));
    printf("select with nfds 1024 beside it: %ld\n",
           interleave_syscall(NR_pselect6, 1024, (long)wide, 0, 0, (long)&zero, 0));
    return 0;
}
