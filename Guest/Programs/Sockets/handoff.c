/*
 * handoff.c: an acceptor hands each connection to a worker process.
 *
 *   handoff COUNT
 *
 * The parent listens on a TCP port and spawns a worker (which inherits one end
 * of a UNIX socketpair) and a client. The client makes COUNT connections, one
 * after another, sending "request N" on each and reading the answer. The
 * parent accepts each and passes it to the worker with SCM_RIGHTS, closing its
 * own descriptor; the worker serves it ("answer N") and closes it. Nothing is
 * shared but the descriptors passed.
 */
#include "interleave.h"

#define C_AF_UNIX 1
#define C_AF_INET 2
#define C_SOCK_STREAM 1
#define SPAWN 0x1010
#define WAIT 0x1011
#define CLOSE 57

struct c_sockaddr_in { uint16_t family; uint16_t port; uint32_t address; unsigned char zero[8]; };
struct c_iovec { void *base; size_t length; };
struct c_msghdr { void *name; uint32_t name_length; struct c_iovec *vector; size_t vector_count;
                  void *control; size_t control_length; int flags; };

static long call(long n, long a, long b, long c, long d, long e, long f) { return interleave_syscall(n, a, b, c, d, e, f); }

static unsigned long parse(const char *text)
{
    unsigned long value = 0;
    while (*text >= '0' && *text <= '9')
        value = value * 10 + (unsigned long)(*text++ - '0');
    return value;
}

static int worker(long channel)
{
    unsigned long served = 0;
    for (;;) {
        char byte;
        unsigned long control[4] = { 0, 0, 0, 0 };
        struct c_iovec piece = { &byte, 1 };
        struct c_msghdr message = { 0, 0, &piece, 1, control, sizeof control, 0 };
        long got = call(SYS_recvmsg, channel, (long)&message, 0, 0, 0, 0);
        if (got <= 0)
            break;
        if (message.control_length < 20 || ((int *)control)[3] != 1) { printf("worker: no descriptor\n"); return 1; }
        long connection = ((int *)control)[4];
        char request[32];
        long length = call(SYS_recvfrom, connection, (long)request, sizeof request - 1, 0, 0, 0);
        if (length <= 8) { printf("worker: short request %ld\n", length); return 1; }
        request[length] = 0;
        char answer[32];
        int size = snprintf(answer, sizeof answer, "answer %s", request + 8);
        call(SYS_sendto, connection, (long)answer, size, 0, 0, 0);
        call(CLOSE, connection, 0, 0, 0, 0, 0);
        served++;
    }
    printf("worker: served %lu connections handed to it\n", served);
    return 0;
}

static int client(unsigned long port, unsigned long count)
{
    unsigned long right = 0;
    for (unsigned long i = 0; i < count; i++) {
        struct c_sockaddr_in address = { C_AF_INET, __builtin_bswap16((uint16_t)port), __builtin_bswap32(0x7f000001), {0} };
        long fd = call(SYS_socket, C_AF_INET, C_SOCK_STREAM, 0, 0, 0, 0);
        if (call(SYS_connect, fd, (long)&address, sizeof address, 0, 0, 0) < 0) { printf("client: connect\n"); return 1; }
        char request[32], expected[32], answer[32];
        int size = snprintf(request, sizeof request, "request %lu", i);
        snprintf(expected, sizeof expected, "answer %lu", i);
        call(SYS_sendto, fd, (long)request, size, 0, 0, 0);
        long length = call(SYS_recvfrom, fd, (long)answer, sizeof answer - 1, 0x100, 0, 0);   /* MSG_WAITALL: to the end */
        if (length > 0) {
            answer[length] = 0;
            if (strcmp(answer, expected) == 0)
                right++;
        }
        call(CLOSE, fd, 0, 0, 0, 0, 0);
    }
    printf("client: %lu of %lu answers right\n", right, count);
    return right == count ? 0 : 1;
}

int main(void)
{
    int argc = interleave_argc();
    char **argv = interleave_argv();
    if (argc >= 3 && strcmp(argv[1], "worker") == 0)
        return worker((long)parse(argv[2]));
    if (argc >= 4 && strcmp(argv[1], "client") == 0)
        return client(parse(argv[2]), parse(argv[3]));
    if (argc < 2) { printf("usage: handoff COUNT\n"); return 2; }
    unsigned long count = parse(argv[1]);
    struct c_sockaddr_in address = { C_AF_INET, 0, __builtin_bswap32(0x7f000001), {0} };
    long listener = call(SYS_socket, C_AF_INET, C_SOCK_STREAM | 02000000, 0, 0, 0, 0);
    call(SYS_bind, listener, (long)&address, sizeof address, 0, 0, 0);
    call(SYS_listen, listener, 16, 0, 0, 0, 0);
    uint32_t length = sizeof address;
    call(SYS_getsockname, listener, (long)&address, (long)&length, 0, 0, 0);
    int pair[2];
    call(SYS_socketpair, C_AF_UNIX, C_SOCK_STREAM, 0, (long)pair, 0, 0);
    call(25, pair[0], 2, 1, 0, 0, 0);     /* the acceptor's end is not inherited */
    char channel[16], port[16];
    snprintf(channel, sizeof channel, "%d", pair[1]);
    snprintf(port, sizeof port, "%u", __builtin_bswap16(address.port));
    const char *worker_argv[] = { "handoff", "worker", channel, NULL };
    const char *client_argv[] = { "handoff", "client", port, argv[1], NULL };
    long worker_pid = call(SPAWN, (long)"handoff", (long)worker_argv, 0, 0, 0, 0);
    call(CLOSE, pair[1], 0, 0, 0, 0, 0);
    long client_pid = call(SPAWN, (long)"handoff", (long)client_argv, 0, 0, 0, 0);
    if (worker_pid < 0 || client_pid < 0) { printf("spawn failed\n"); return 1; }
    for (unsigned long i = 0; i < count; i++) {
        long connection = call(SYS_accept4, listener, 0, 0, 0, 0, 0);
        if (connection < 0) { printf("acceptor: accept %ld\n", connection); return 1; }
        unsigned long control[3] = { 20, 0, 0 };
        ((int *)control)[2] = 1;        /* SOL_SOCKET */
        ((int *)control)[3] = 1;        /* SCM_RIGHTS */
        ((int *)control)[4] = (int)connection;
        struct c_iovec piece = { "c", 1 };
        struct c_msghdr message = { 0, 0, &piece, 1, control, 24, 0 };
        if (call(SYS_sendmsg, pair[0], (long)&message, 0, 0, 0, 0) != 1) { printf("acceptor: sendmsg\n"); return 1; }
        call(CLOSE, connection, 0, 0, 0, 0, 0);
    }
    int client_status = -1, worker_status = -1;
    call(WAIT, client_pid, (long)&client_status, 0, 0, 0, 0);
    call(CLOSE, pair[0], 0, 0, 0, 0, 0);   /* the worker sees the end */
    call(WAIT, worker_pid, (long)&worker_status, 0, 0, 0, 0);
    printf("acceptor: handed off %lu connections; client status %d, worker status %d\n", count, client_status, worker_status);
    return client_status == 0 && worker_status == 0 ? 0 : 1;
}
