/*
 * echo-server.c: serves one TCP client on another simulated machine: sends back
 * every byte it reads until the client closes, then says how much it echoed.
 *
 *   interleave run Guest/Examples/Network/echo-server.c Guest/Examples/Network/echo-client.c@2 -- 7000
 *
 * Its argument is the port (default 7000). It listens on every address, so
 * machine N's clients reach it at 10.0.0.1 when it runs on machine 1.
 */
#include "interleave.h"

#define C_AF_INET 2
#define C_SOCK_STREAM 1

struct c_sockaddr_in { uint16_t family; uint16_t port; uint32_t address; unsigned char zero[8]; };

static long call(long n, long a, long b, long c) { return interleave_syscall(n, a, b, c, 0, 0, 0); }

static unsigned parse(const char *text, unsigned fallback)
{
    unsigned value = 0;
    if (text == NULL || *text == 0)
        return fallback;
    while (*text >= '0' && *text <= '9')
        value = value * 10 + (unsigned)(*text++ - '0');
    return value;
}

int main(int argc, char **argv)
{
    unsigned port = parse(argc > 1 ? argv[1] : NULL, 7000);
    long listener = call(SYS_socket, C_AF_INET, C_SOCK_STREAM, 0);
    struct c_sockaddr_in address = { C_AF_INET, __builtin_bswap16((uint16_t)port), 0, {0} };
    if (listener < 0 || call(SYS_bind, listener, (long)&address, sizeof address) < 0 || call(SYS_listen, listener, 4, 0) < 0) {
        printf("server: cannot listen on port %u\n", port);
        return 1;
    }
    printf("server: listening on port %u\n", port);
    struct c_sockaddr_in peer;
    unsigned length = sizeof peer;
    long connection = call(SYS_accept, listener, (long)&peer, (long)&length);
    if (connection < 0) {
        printf("server: accept failed (%ld)\n", connection);
        return 1;
    }
    uint32_t from = __builtin_bswap32(peer.address);
    printf("server: client %u.%u.%u.%u connected\n", from >> 24, (from >> 16) & 255, (from >> 8) & 255, from & 255);
    char buffer[512];
    long total = 0;
    for (;;) {
        long count = call(SYS_read, connection, (long)buffer, sizeof buffer);
        if (count < 0) {
            printf("server: read failed (%ld)\n", count);
            return 1;
        }
        if (count == 0)
            break;
        for (long done = 0; done < count;) {
            long written = call(SYS_write, connection, (long)(buffer + done), count - done);
            if (written <= 0) {
                printf("server: write failed (%ld)\n", written);
                return 1;
            }
            done += written;
        }
        total += count;
    }
    printf("server: echoed %ld bytes\n", total);
    call(SYS_close, connection, 0, 0);
    call(SYS_close, listener, 0, 0);
    return 0;
}
