/*
 * echo-client.c: connects to echo-server.c on machine 1 (10.0.0.1) over TCP,
 * sends COUNT lines, reads each back and prints it, then closes.
 *
 *   echo-client [COUNT [PORT [ADDRESS]]]   default 3 lines, port 7000, 10.0.0.1
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

/* "10.0.0.1" as a host-order address (0 when it is not one). */
static uint32_t address(const char *text)
{
    uint32_t value = 0;
    for (int part = 0; part < 4; part++) {
        unsigned byte = 0;
        while (*text >= '0' && *text <= '9')
            byte = byte * 10 + (unsigned)(*text++ - '0');
        value = value << 8 | (byte & 255);
        if (*text == '.')
            text++;
    }
    return value;
}

int main(int argc, char **argv)
{
    unsigned count = parse(argc > 1 ? argv[1] : NULL, 3);
    unsigned port = parse(argc > 2 ? argv[2] : NULL, 7000);
    uint32_t server = address(argc > 3 ? argv[3] : "10.0.0.1");
    long fd = call(SYS_socket, C_AF_INET, C_SOCK_STREAM, 0);
    struct c_sockaddr_in to = { C_AF_INET, __builtin_bswap16((uint16_t)port), __builtin_bswap32(server), {0} };
    long result = -1;
    /* The server may not be listening yet: try again a few times, 1 ms apart. */
    for (int attempt = 0; attempt < 50; attempt++) {
        result = call(SYS_connect, fd, (long)&to, sizeof to);
        if (result == 0)
            break;
        call(SYS_close, fd, 0, 0);
        fd = call(SYS_socket, C_AF_INET, C_SOCK_STREAM, 0);
        struct { long seconds, nanoseconds; } pause = { 0, 1000000 };
        call(SYS_nanosleep, (long)&pause, 0, 0);
    }
    if (result < 0) {
        printf("client: cannot connect (%ld)\n", result);
        return 1;
    }
    printf("client: connected\n");
    for (unsigned i = 0; i < count; i++) {
        char line[64], back[64];
        int length = snprintf(line, sizeof line, "message %u\n", i);
        if (call(SYS_write, fd, (long)line, length) != length) {
            printf("client: write failed\n");
            return 1;
        }
        int got = 0;
        while (got < length) {
            long n = call(SYS_read, fd, (long)(back + got), length - got);
            if (n <= 0) {
                printf("client: read failed (%ld)\n", n);
                return 1;
            }
            got += (int)n;
        }
        back[got] = 0;
        printf("client: got back %s", back);
    }
    call(SYS_close, fd, 0, 0);
    printf("client: done\n");
    return 0;
}
