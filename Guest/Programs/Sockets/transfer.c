/*
 * transfer.c: nothing lost through a stream socket between two processes.
 *
 *   transfer CHANNEL BYTES [nonblocking]   CHANNEL: pair, unix or tcp
 *
 * The parent makes the channel (a socketpair whose end the child inherits, an
 * abstract UNIX name, or a TCP port on 127.0.0.1) and spawns itself as the
 * child, which writes BYTES bytes in random chunk sizes (blocking, or
 * non-blocking with a yield on EAGAIN), then reads the parent's reply. The
 * parent reads in random chunk sizes (some with MSG_WAITALL), checks that byte
 * i is pattern(i) and that nothing more comes, and replies with its checksum.
 * Both print what they saw; the test compares.
 */
#include "interleave.h"

#define C_AF_UNIX 1
#define C_AF_INET 2
#define C_SOCK_STREAM 1
#define C_MSG_WAITALL 0x100
#define C_MSG_DONTWAIT 0x40
#define C_EAGAIN 11
#define SPAWN 0x1010
#define WAIT 0x1011
#define CLOSE 57

struct c_sockaddr_in { uint16_t family; uint16_t port; uint32_t address; unsigned char zero[8]; };
struct c_sockaddr_un { uint16_t family; char path[108]; };

static long call(long n, long a, long b, long c, long d, long e, long f) { return interleave_syscall(n, a, b, c, d, e, f); }

static unsigned char pattern(unsigned long i) { return (unsigned char)((i ^ (i >> 8) ^ (i >> 16)) * 37 + 11); }

static unsigned long parse(const char *text)
{
    unsigned long value = 0;
    while (*text >= '0' && *text <= '9')
        value = value * 10 + (unsigned long)(*text++ - '0');
    return value;
}

/* Fletcher-64 over 32-bit halves of each byte stream, position by position. */
struct sum { uint64_t a, b; };
static void add(struct sum *sum, const unsigned char *bytes, long count)
{
    for (long i = 0; i < count; i++) {
        sum->a = (sum->a + bytes[i]) % 0xFFFFFFFFu;
        sum->b = (sum->b + sum->a) % 0xFFFFFFFFu;
    }
}

static long unix_name(struct c_sockaddr_un *name, const char *tag)
{
    memset(name, 0, sizeof *name);
    name->family = C_AF_UNIX;
    int count = snprintf(name->path + 1, sizeof name->path - 1, "transfer-%s", tag);
    return 2 + 1 + count;
}

static int child(const char *channel, const char *where, unsigned long total, int nonblocking)
{
    long fd;
    if (strcmp(channel, "pair") == 0) {
        fd = (long)parse(where);
    } else if (strcmp(channel, "unix") == 0) {
        struct c_sockaddr_un name;
        long length = unix_name(&name, where);
        fd = call(SYS_socket, C_AF_UNIX, C_SOCK_STREAM, 0, 0, 0, 0);
        long result = call(SYS_connect, fd, (long)&name, length, 0, 0, 0);
        if (result < 0) { printf("child: connect %ld\n", result); return 1; }
    } else {
        struct c_sockaddr_in address = { C_AF_INET, __builtin_bswap16((uint16_t)parse(where)), __builtin_bswap32(0x7f000001), {0} };
        fd = call(SYS_socket, C_AF_INET, C_SOCK_STREAM, 0, 0, 0, 0);
        long result = call(SYS_connect, fd, (long)&address, sizeof address, 0, 0, 0);
        if (result < 0) { printf("child: connect %ld\n", result); return 1; }
    }
    unsigned char *chunk = malloc(16384);
    struct sum sum = { 0, 0 };
    unsigned long sent = 0, again = 0;
    while (sent < total) {
        unsigned long size = 1 + arc4random_uniform(arc4random_uniform(4) == 0 ? 16384 : 700);
        if (size > total - sent)
            size = total - sent;
        for (unsigned long i = 0; i < size; i++)
            chunk[i] = pattern(sent + i);
        long result = call(SYS_sendto, fd, (long)chunk, (long)size, nonblocking ? C_MSG_DONTWAIT : 0, 0, 0);
        if (result == -C_EAGAIN) {
            again++;
            call(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
            continue;
        }
        if (result <= 0) { printf("child: send %ld after %lu\n", result, sent); return 1; }
        add(&sum, chunk, result);
        sent += (unsigned long)result;
    }
    call(SYS_shutdown, fd, 1, 0, 0, 0, 0);
    uint64_t reply[2] = { 0, 0 };
    long got = call(SYS_recvfrom, fd, (long)reply, sizeof reply, C_MSG_WAITALL, 0, 0);
    printf("child: sent %lu bytes, checksum %llx:%llx, reply %s\n", sent, (unsigned long long)sum.a,
           (unsigned long long)sum.b, got == sizeof reply && reply[0] == sum.a && reply[1] == sum.b ? "matches" : "differs");
    (void)again;
    return 0;
}

int main(void)
{
    int argc = interleave_argc();
    char **argv = interleave_argv();
    if (argc >= 5 && strcmp(argv[1], "child") == 0)
        return child(argv[2], argv[3], parse(argv[4]), argc >= 6);
    if (argc < 3) { printf("usage: transfer pair|unix|tcp BYTES [nonblocking]\n"); return 2; }
    const char *channel = argv[1];
    unsigned long total = parse(argv[2]);
    long pid = call(SYS_getpid, 0, 0, 0, 0, 0, 0);
    char where[32];
    long listener = -1, fd = -1;
    int ends[2];
    if (strcmp(channel, "pair") == 0) {
        call(SYS_socketpair, C_AF_UNIX, C_SOCK_STREAM, 0, (long)ends, 0, 0);
        fd = ends[0];
        snprintf(where, sizeof where, "%d", ends[1]);
    } else if (strcmp(channel, "unix") == 0) {
        struct c_sockaddr_un name;
        snprintf(where, sizeof where, "%ld", pid);
        long length = unix_name(&name, where);
        listener = call(SYS_socket, C_AF_UNIX, C_SOCK_STREAM, 0, 0, 0, 0);
        if (call(SYS_bind, listener, (long)&name, length, 0, 0, 0) < 0) { printf("bind failed\n"); return 1; }
        call(SYS_listen, listener, 1, 0, 0, 0, 0);
    } else {
        struct c_sockaddr_in address = { C_AF_INET, 0, __builtin_bswap32(0x7f000001), {0} };
        listener = call(SYS_socket, C_AF_INET, C_SOCK_STREAM, 0, 0, 0, 0);
        call(SYS_bind, listener, (long)&address, sizeof address, 0, 0, 0);
        call(SYS_listen, listener, 1, 0, 0, 0, 0);
        uint32_t length = sizeof address;
        call(SYS_getsockname, listener, (long)&address, (long)&length, 0, 0, 0);
        snprintf(where, sizeof where, "%u", __builtin_bswap16(address.port));
    }
    const char *child_argv[] = { "transfer", "child", channel, where, argv[2], argc > 3 ? "nonblocking" : NULL, NULL };
    long child_pid = call(SPAWN, (long)"transfer", (long)child_argv, 0, 0, 0, 0);
    if (child_pid < 0) { printf("spawn failed: %ld\n", child_pid); return 1; }
    if (listener >= 0) {
        fd = call(SYS_accept4, listener, 0, 0, 0, 0, 0);
        call(CLOSE, listener, 0, 0, 0, 0, 0);
    } else {
        call(CLOSE, ends[1], 0, 0, 0, 0, 0);
    }
    unsigned char *chunk = malloc(20000);
    struct sum sum = { 0, 0 };
    unsigned long received = 0, wrong = 0, reads = 0;
    for (;;) {
        unsigned long size = 1 + arc4random_uniform(arc4random_uniform(3) == 0 ? 20000 : 900);
        long result = call(SYS_recvfrom, fd, (long)chunk, (long)size, arc4random_uniform(5) == 0 ? C_MSG_WAITALL : 0, 0, 0);
        if (result < 0) { printf("parent: recv %ld after %lu\n", result, received); return 1; }
        if (result == 0)
            break;
        reads++;
        for (long i = 0; i < result; i++)
            if (chunk[i] != pattern(received + (unsigned long)i))
                wrong++;
        add(&sum, chunk, result);
        received += (unsigned long)result;
    }
    uint64_t reply[2] = { sum.a, sum.b };
    call(SYS_sendto, fd, (long)reply, sizeof reply, 0, 0, 0);
    int status = -1;
    call(WAIT, child_pid, (long)&status, 0, 0, 0, 0);
    printf("parent: received %lu bytes, %lu out of place, checksum %llx:%llx, child status %d\n", received, wrong,
           (unsigned long long)sum.a, (unsigned long long)sum.b, status);
    (void)reads;
    return received == total && wrong == 0 && status == 0 ? 0 : 1;
}
