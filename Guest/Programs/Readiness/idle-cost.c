/*
 * idle-cost.c: what one readiness call costs in simulated time with N idle
 * descriptors and one ready one. The test gives the program descriptor 3, ready to
 * read, and 4 ... 4 + 9,999, never ready. For N = 10, 100, 1,000 and 10,000 it
 * times one ppoll over all N + 1, and one epoll_wait on an instance holding the same
 * N + 1; pselect6 for the N that fit below 1024; and pselect6 naming a
 * descriptor at 1024, which this kernel refuses (EINVAL).
 */
#include "readiness-calls.h"

enum { READY = 3, FIRST_IDLE = 4, MOST = 10000 };

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
