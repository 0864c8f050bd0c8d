/*
 * fuzz.c: hostile arguments to the socket calls, on real sockets.
 *
 *   fuzz SEED CALLS
 *
 * Keeps a pool of non-blocking sockets of every kind (UNIX and IPv4, stream and
 * datagram, bound, listening, connected) and makes CALLS random socket calls on
 * them with random descriptors, pointers (valid, NULL, unmapped, at the edge of
 * a page, wild), lengths and flags. Nothing may block, crash or hang; it prints
 * how many calls succeeded and failed.
 */
#include "interleave.h"

#define CLOSE 57
#define POOL 24

static uint64_t state;
static uint64_t next(void)
{
    state += 0x9E3779B97F4A7C15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static long pick(long count) { return (long)(next() % (uint64_t)count); }

static unsigned long parse(const char *text)
{
    unsigned long value = 0;
    while (*text >= '0' && *text <= '9')
        value = value * 10 + (unsigned long)(*text++ - '0');
    return value;
}

static unsigned char *page;   /* one page of its own, so page + 4096 - n is at the edge */
static unsigned char buffer[512];
static long pool[POOL];

static long pointer(void)
{
    switch (pick(8)) {
    case 0: return 0;
    case 1: return 16;
    case 2: return (long)(page + 4096 - 1 - pick(20));
    case 3: return (long)0xFFFFFFFFFFFFFF00ull;
    case 4: return (long)(next() & 0x3FFFFFFFFFull);
    default: return (long)buffer;
    }
}

static long length(void)
{
    static const long lengths[] = { 0, 1, 2, 3, 4, 8, 15, 16, 17, 56, 108, 110, 111, 128, 129, 4096, -1, 1L << 40 };
    return lengths[pick(sizeof lengths / sizeof lengths[0])];
}

static long descriptor(void)
{
    switch (pick(10)) {
    case 0: return -1 - pick(3);
    case 1: return pick(4);
    case 2: return 1000 + pick(5000);
    default: return pool[pick(POOL)];
    }
}

/* Random bytes in the buffer, now and then a plausible address in front. */
static void scramble(void)
{
    for (int i = 0; i < (int)sizeof buffer; i++)
        buffer[i] = (unsigned char)next();
    if (pick(2)) {
        buffer[0] = (unsigned char)(1 + pick(2));
        buffer[1] = 0;
        if (buffer[0] == 2) {
            buffer[2] = 0; buffer[3] = 0;
            buffer[4] = 127; buffer[5] = 0; buffer[6] = 0; buffer[7] = 1;
        } else if (pick(2)) {
            buffer[2] = 0;
        }
    }
    for (int i = 0; i < 64; i += 4)
        *(uint32_t *)(buffer + 256 + i) = (uint32_t)pick(200);
}

static void refill(int slot)
{
    int family = pick(2) ? 1 : 2, type = pick(2) ? 1 : 2;
    pool[slot] = interleave_syscall(SYS_socket, family, type | 04000, 0, 0, 0, 0);
}

int main(void)
{
    int argc = interleave_argc();
    char **argv = interleave_argv();
    state = argc > 1 ? parse(argv[1]) : 1;
    long calls = argc > 2 ? (long)parse(argv[2]) : 2000;
    /* SIGPIPE ignored (rt_sigaction with SIG_IGN), so a send to a broken connection is
     * EPIPE rather than the end of the program, as on Linux. */
    unsigned long ignore[3] = { 1, 0, 0 };
    interleave_syscall(134, 13, (long)ignore, 0, 8, 0, 0);
    page = malloc(8192);
    page = (unsigned char *)(((unsigned long)page + 4095) & ~4095ul);
    for (int i = 0; i < POOL; i++)
        refill(i);
    static const long numbers[] = { SYS_socket, SYS_socketpair, SYS_bind, SYS_listen, SYS_accept, SYS_connect,
                                    SYS_getsockname, SYS_getpeername, SYS_sendto, SYS_recvfrom, SYS_setsockopt,
                                    SYS_getsockopt, SYS_shutdown, SYS_sendmsg, SYS_recvmsg, SYS_accept4, 63, 64, 65, 66 };
    long succeeded = 0, failed = 0;
    for (long i = 0; i < calls; i++) {
        scramble();
        long number = numbers[pick(sizeof numbers / sizeof numbers[0])];
        long a[6];
        for (int k = 0; k < 6; k++)
            a[k] = (long)next();
        a[0] = descriptor();
        switch (number) {
        case SYS_socket: a[0] = pick(4); a[1] = pick(12) | (pick(3) ? 04000 : 0) | (pick(4) ? 0 : (long)next()); a[2] = pick(4) ? 0 : pick(20); break;
        case SYS_socketpair: a[0] = pick(3); a[1] = (1 + pick(2)) | 04000; a[2] = 0; a[3] = pointer(); break;
        case SYS_listen: a[1] = pick(2) ? pick(3) : (long)next(); break;
        case SYS_accept: case SYS_accept4: case SYS_getsockname: case SYS_getpeername:
            a[1] = pointer(); a[2] = pick(3) ? (long)(buffer + 256) : pointer(); a[3] = pick(3) ? 04000 : (long)next(); break;
        case SYS_bind: case SYS_connect: a[1] = pointer(); a[2] = length(); break;
        case SYS_sendto: case SYS_recvfrom:
            a[1] = pointer(); a[2] = length(); a[3] = (long)(next() & 0x4163) | 0x40; a[4] = pick(2) ? 0 : pointer();
            a[5] = number == SYS_sendto ? length() : (pick(2) ? (long)(buffer + 256) : pointer());
            break;
        case SYS_setsockopt: case SYS_getsockopt:
            a[1] = pick(4) ? 1 : pick(300); a[2] = pick(45); a[3] = pointer();
            a[4] = number == SYS_setsockopt ? length() : (pick(3) ? (long)(buffer + 256) : pointer());
            break;
        case SYS_shutdown: a[1] = pick(5) - 1; break;
        case SYS_sendmsg: case SYS_recvmsg: {
            long *header = (long *)(buffer + 64);
            header[0] = pointer(); header[1] = length(); header[2] = pointer(); header[3] = pick(4);
            header[4] = 0; header[5] = 0; header[6] = 0;
            a[1] = pick(4) ? (long)header : pointer(); a[2] = (long)(next() & 0x4163) | 0x40; break;
        }
        case 63: case 64: a[1] = pointer(); a[2] = length(); break;
        default: a[1] = pointer(); a[2] = pick(4); break;
        }
        if (number >= 63 && number <= 66 && a[0] >= 0 && a[0] <= 2)
            a[0] = pool[pick(POOL)];   /* not the standard streams */
        long result = interleave_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
        if (result >= 0) {
            succeeded++;
            /* Keep what a call made in the pool, so later calls work on it; nothing
             * blocking goes in, so no call waits for ever. */
            int made = number == SYS_socket || number == SYS_accept || number == SYS_accept4;
            int nonblocking = (number == SYS_socket && (a[1] & 04000)) || (number == SYS_accept4 && (a[3] & 04000));
            if (made && result > 2) {
                if (nonblocking) {
                    int slot = (int)pick(POOL);
                    if (pool[slot] > 2)
                        interleave_syscall(CLOSE, pool[slot], 0, 0, 0, 0, 0);
                    pool[slot] = result;
                } else {
                    interleave_syscall(CLOSE, result, 0, 0, 0, 0, 0);
                }
            }
        } else {
            failed++;
        }
        if (pick(40) == 0) {
            int slot = (int)pick(POOL);
            if (pool[slot] > 2)
                interleave_syscall(CLOSE, pool[slot], 0, 0, 0, 0, 0);
            refill(slot);
        }
    }
    printf("%ld calls: %ld succeeded, %ld failed\n", calls, succeeded, failed);
    return 0;
}
