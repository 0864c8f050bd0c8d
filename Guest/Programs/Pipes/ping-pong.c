/*
 * ping-pong.c: a byte bounced through two pipes ROUNDS times, between two threads
 * ("threads") or two processes ("processes": a child started with process_spawn gets
 * the ends as inherited descriptors). Each round trip is two writes, two reads and two
 * waits; `interleave run --stats` shows what they cost in simulated cycles and switches.
 *   ping-pong threads|processes ROUNDS
 */
#include "interleave.h"

#define SYS_thread_spawn   0x1000
#define SYS_thread_join    0x1001
#define SYS_process_spawn  0x1010
#define SYS_process_wait   0x1011

static long rounds;
static int ping[2], pong[2];

static long sys(long number, long a0, long a1, long a2)
{
    return interleave_syscall(number, a0, a1, a2, 0, 0, 0);
}

static long parse(const char *text)
{
    long value = 0;
    while (*text >= '0' && *text <= '9') value = value * 10 + (*text++ - '0');
    return value;
}

/* Reads from `in` and writes back to `out` until end of file; the bytes bounced. */
static long echo(int in, int out)
{
    char byte;
    long count = 0;
    while (sys(SYS_read, in, (long)&byte, 1) == 1) {
        if (sys(SYS_write, out, (long)&byte, 1) != 1) break;
        count++;
    }
    return count;
}

static long echo_thread(long unused)
{
    (void)unused;
    return echo(ping[0], pong[1]);
}

int main(void)
{
    char **argv = interleave_argv();
    if (interleave_argc() < 3) {
        printf("usage: ping-pong threads|processes ROUNDS\n");
        return 1;
    }
    if (strcmp(argv[1], "echo") == 0) {   /* the child: echo IN OUT */
        echo((int)parse(argv[2]), (int)parse(argv[3]));
        return 0;
    }
    rounds = parse(argv[2]);
    if (pipe2(ping, 0) != 0 || pipe2(pong, 0) != 0) return 1;
    long worker;
    int threads = strcmp(argv[1], "threads") == 0;
    if (threads) {
        worker = sys(SYS_thread_spawn, (long)echo_thread, 0, 0);
    } else {
        char in[16], out[16];
        snprintf(in, sizeof in, "%d", ping[0]);
        snprintf(out, sizeof out, "%d", pong[1]);
        char *child_argv[] = { "ping-pong", "echo", in, out, 0 };
        /* The child must not inherit this side's ends, or its reads never see end of file. */
        sys(SYS_fcntl, ping[1], F_SETFD, FD_CLOEXEC);
        sys(SYS_fcntl, pong[0], F_SETFD, FD_CLOEXEC);
        worker = sys(SYS_process_spawn, (long)"ping-pong", (long)child_argv, 0);
        sys(SYS_close, ping[0], 0, 0);
        sys(SYS_close, pong[1], 0, 0);
    }
    if (worker < 0) return 2;
    char byte = 'x';
    long bounced = 0;
    for (long i = 0; i < rounds; i++) {
        if (sys(SYS_write, ping[1], (long)&byte, 1) != 1) break;
        if (sys(SYS_read, pong[0], (long)&byte, 1) != 1) break;
        bounced++;
    }
    sys(SYS_close, ping[1], 0, 0);
    int status = 0;
    if (threads) sys(SYS_thread_join, worker, 0, 0);
    else sys(SYS_process_wait, worker, (long)&status, 0);
    printf("%ld round trips\n", bounced);
    return 0;
}
