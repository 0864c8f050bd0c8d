/*
 * many.c: many connections to one listener.
 *
 *   many tcp|unix COUNT [BACKLOG]
 *
 * The parent listens (backlog SOMAXCONN unless given; with a small one the
 * client's connects wait for the parent's accepts) and spawns itself as the client,
 * which opens COUNT connections, all held open at once, and sends its index on
 * each. The parent accepts COUNT connections, reads each index, answers each
 * with one byte, and checks that every index came exactly once; the client
 * checks every answer. Both print what they saw.
 */
#include "interleave.h"

#define C_AF_UNIX 1
#define C_AF_INET 2
#define C_SOCK_STREAM 1
#define C_MSG_WAITALL 0x100
#define SPAWN 0x1010
#define WAIT 0x1011
#define CLOSE 57

struct c_sockaddr_in { uint16_t family; uint16_t port; uint32_t address; unsigned char zero[8]; };
struct c_sockaddr_un { uint16_t family; char path[108]; };

static long call(long n, long a, long b, long c, long d, long e, long f) { return interleave_syscall(n, a, b, c, d, e, f); }

static unsigned long parse(const char *text)
{
    unsigned long value = 0;
    while (*text >= '0' && *text <= '9')
        value = value * 10 + (unsigned long)(*text++ - '0');
    return value;
}

static long address_of(const char *family, const char *where, struct c_sockaddr_un *name, struct c_sockaddr_in *address)
{
    if (strcmp(family, "unix") == 0) {
        memset(name, 0, sizeof *name);
        name->family = C_AF_UNIX;
        return 2 + 1 + snprintf(name->path + 1, sizeof name->path - 1, "many-%s", where);
    }
    memset(address, 0, sizeof *address);
    address->family = C_AF_INET;
    address->port = __builtin_bswap16((uint16_t)parse(where));
    address->address = __builtin_bswap32(0x7f000001);
    return sizeof *address;
}

static int client(const char *family, const char *where, unsigned long count)
{
    struct c_sockaddr_un name;
    struct c_sockaddr_in address;
    long length = address_of(family, where, &name, &address);
    void *target = strcmp(family, "unix") == 0 ? (void *)&name : (void *)&address;
    long *fds = malloc(count * sizeof(long));
    for (unsigned long i = 0; i < count; i++) {
        fds[i] = call(SYS_socket, strcmp(family, "unix") == 0 ? C_AF_UNIX : C_AF_INET, C_SOCK_STREAM, 0, 0, 0, 0);
        long result = call(SYS_connect, fds[i], (long)target, length, 0, 0, 0);
        if (fds[i] < 0 || result < 0) { printf("client: connection %lu: %ld %ld\n", i, fds[i], result); return 1; }
        uint32_t index = (uint32_t)i;
        if (call(SYS_sendto, fds[i], (long)&index, 4, 0, 0, 0) != 4) { printf("client: send %lu\n", i); return 1; }
    }
    unsigned long answered = 0;
    for (unsigned long i = 0; i < count; i++) {
        unsigned char answer = 0;
        if (call(SYS_recvfrom, fds[i], (long)&answer, 1, 0, 0, 0) == 1 && answer == (unsigned char)(i * 7))
            answered++;
        call(CLOSE, fds[i], 0, 0, 0, 0, 0);
    }
    printf("client: %lu connections held open at once, %lu answered rightly\n", count, answered);
    return answered == count ? 0 : 1;
}

int main(void)
{
    int argc = interleave_argc();
    char **argv = interleave_argv();
    if (argc >= 5 && strcmp(argv[1], "client") == 0)
        return client(argv[2], argv[3], parse(argv[4]));
    if (argc < 3) { printf("usage: many tcp|unix COUNT [BACKLOG]\n"); return 2; }
    const char *family = argv[1];
    unsigned long count = parse(argv[2]);
    char where[32];
    long listener;
    if (strcmp(family, "unix") == 0) {
        struct c_sockaddr_un name;
        snprintf(where, sizeof where, "%ld", call(SYS_getpid, 0, 0, 0, 0, 0, 0));
        struct c_sockaddr_in unused;
        long length = address_of(family, where, &name, &unused);
        listener = call(SYS_socket, C_AF_UNIX, C_SOCK_STREAM, 0, 0, 0, 0);
        call(SYS_bind, listener, (long)&name, length, 0, 0, 0);
    } else {
        struct c_sockaddr_in address = { C_AF_INET, 0, __builtin_bswap32(0x7f000001), {0} };
        listener = call(SYS_socket, C_AF_INET, C_SOCK_STREAM, 0, 0, 0, 0);
        call(SYS_bind, listener, (long)&address, sizeof address, 0, 0, 0);
        uint32_t length = sizeof address;
        call(SYS_getsockname, listener, (long)&address, (long)&length, 0, 0, 0);
        snprintf(where, sizeof where, "%u", __builtin_bswap16(address.port));
    }
    long backlog = argc > 3 ? (long)parse(argv[3]) : 4096;
    if (call(SYS_listen, listener, backlog, 0, 0, 0, 0) < 0) { printf("listen failed\n"); return 1; }
    const char *child_argv[] = { "many", "client", family, where, argv[2], NULL };
    long child = call(SPAWN, (long)"many", (long)child_argv, 0, 0, 0, 0);
    if (child < 0) { printf("spawn failed: %ld\n", child); return 1; }
    unsigned char *seen = calloc(count, 1);
    long *fds = malloc(count * sizeof(long));
    unsigned long accepted = 0, duplicates = 0;
    for (unsigned long i = 0; i < count; i++) {
        fds[i] = call(SYS_accept4, listener, 0, 0, 0, 0, 0);
        if (fds[i] < 0) { printf("parent: accept %lu: %ld\n", i, fds[i]); return 1; }
        uint32_t index = 0;
        if (call(SYS_recvfrom, fds[i], (long)&index, 4, C_MSG_WAITALL, 0, 0) != 4 || index >= count) {
            printf("parent: bad index on connection %lu\n", i);
            return 1;
        }
        if (seen[index])
            duplicates++;
        seen[index] = 1;
        accepted++;
        unsigned char answer = (unsigned char)(index * 7);
        call(SYS_sendto, fds[i], (long)&answer, 1, 0, 0, 0);
    }
    for (unsigned long i = 0; i < count; i++)
        call(CLOSE, fds[i], 0, 0, 0, 0, 0);
    int status = -1;
    call(WAIT, child, (long)&status, 0, 0, 0, 0);
    printf("parent: accepted %lu connections on one listener, %lu duplicates, client status %d\n", accepted, duplicates, status);
    return accepted == count && duplicates == 0 && status == 0 ? 0 : 1;
}
