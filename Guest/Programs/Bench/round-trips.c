/*
 * round-trips.c (bench): two threads pass one byte back and forth ROUNDS times (a
 * million by default) through two pipes (MODE pipe) or a UNIX socket pair (MODE socket):
 * each round trip is two writes, two reads and two wake-ups of a blocked reader.
 *
 *   round-trips MODE [ROUNDS]
 */
#include "interleave.h"

#define SYS_pipe2         59
#define SYS_socketpair    199
#define SYS_thread_spawn  0x1000
#define SYS_thread_join   0x1001

static long rounds;
static int there[2], back[2];   /* [0] read end, [1] write end (a socket pair: both ends of one) */

static long echo(long unused)
{
    (void)unused;
    char byte;
    for (long round = 0; round < rounds; round++) {
        if (interleave_syscall(SYS_read, there[0], (long)&byte, 1, 0, 0, 0) != 1)
            return 1;
        if (interleave_syscall(SYS_write, back[1], (long)&byte, 1, 0, 0, 0) != 1)
            return 1;
    }
    return 0;
}

int main(void)
{
    int socket = interleave_argc() > 1 && interleave_argv()[1][0] == 's';
    rounds = 1000000;
    if (interleave_argc() > 2) {
        rounds = 0;
        for (const char *text = interleave_argv()[2]; *text >= '0' && *text <= '9'; text++)
            rounds = rounds * 10 + (*text - '0');
    }
    if (socket) {
        int pair[2];
        if (interleave_syscall(SYS_socketpair, 1, 1, 0, (long)pair, 0, 0) < 0)
            return 1;
        /* Main writes pair[0] and the echo reads pair[1], and back the other way. */
        there[1] = pair[0];
        there[0] = pair[1];
        back[1] = pair[1];
        back[0] = pair[0];
    } else if (interleave_syscall(SYS_pipe2, (long)there, 0, 0, 0, 0, 0) < 0
               || interleave_syscall(SYS_pipe2, (long)back, 0, 0, 0, 0, 0) < 0) {
        return 1;
    }
    long thread = interleave_syscall(SYS_thread_spawn, (long)echo, 0, 16 << 10, 0, 0, 0);
    if (thread < 0)
        return 1;
    char byte = 'x';
    for (long round = 0; round < rounds; round++) {
        if (interleave_syscall(SYS_write, there[1], (long)&byte, 1, 0, 0, 0) != 1)
            return 1;
        if (interleave_syscall(SYS_read, back[0], (long)&byte, 1, 0, 0, 0) != 1)
            return 1;
    }
    interleave_syscall(SYS_thread_join, thread, 0, 0, 0, 0, 0);
    printf("%ld round trips through %s\n", rounds, socket ? "a socket pair" : "two pipes");
    return 0;
}
