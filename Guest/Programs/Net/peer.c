/*
 * peer.c: one side of a conversation between two machines over TCP or UDP, for the
 * kernel's network stack tests (Tests/KernelTests/NetworkStackTests.swift). Each mode
 * prints one line a test checks.
 *
 *   server PORT [CONNECTIONS]   accept, read to the end checking the pattern, reply
 *                               "got N ok" (or "bad"), close; CONNECTIONS times
 *   client ADDR PORT BYTES      connect, write BYTES of the pattern, shutdown(SHUT_WR),
 *                               read the reply to the end
 *   connect ADDR PORT           connect and print what it returned
 *   reset-server PORT           accept, read one byte, close with the rest unread (RST)
 *   reset-client ADDR PORT      connect, write 100 bytes, read (ECONNRESET), write (EPIPE)
 *   vanish ADDR PORT            connect, write, read: the peer is gone (ETIMEDOUT)
 *   closer PORT                 accept, write "bye", close first (TIME_WAIT here), bind
 *                               the port again at once and after 1.5 s
 *   reader ADDR PORT            connect, read to the end, close
 *   udp-server PORT COUNT       receive COUNT datagrams, answer each with its length
 *   udp-client ADDR PORT COUNT  send COUNT datagrams, read each answer; then one too big
 *   self ADDR PORT              listen, connect to this machine's own ADDR, echo 5 bytes
 *   slow-server PORT            as server, but sleeps 3 s before reading (a zero window)
 *   poll-client ADDR PORT       a non-blocking connect and poll's bits along the way
 *   unaccepting PORT            listen, never accept, close the listener after 200 ms
 *   names ADDR PORT             connect, print getsockname's and getpeername's addresses
 */
#include "interleave.h"

#ifndef EHOSTUNREACH
#define EHOSTUNREACH 113
#endif
#ifndef EADDRINUSE
#define EADDRINUSE 98
#endif

static unsigned char pattern(unsigned long i) { return (unsigned char)((i ^ (i >> 8) ^ (i >> 16)) * 37 + 11); }

static unsigned long parse(const char *text)
{
    unsigned long value = 0;
    while (*text >= '0' && *text <= '9')
        value = value * 10 + (unsigned long)(*text++ - '0');
    return value;
}

/* "10.0.0.2" in network order. */
static uint32_t parse_address(const char *text)
{
    uint32_t value = 0;
    for (int part = 0; part < 4; part++) {
        value = (value << 8) | (uint32_t)parse(text);
        while (*text >= '0' && *text <= '9') text++;
        if (*text == '.') text++;
    }
    return htonl(value);
}

static struct sockaddr_in address_of(uint32_t address, unsigned long port)
{
    struct sockaddr_in name;
    memset(&name, 0, sizeof name);
    name.sin_family = AF_INET;
    name.sin_port = htons((uint16_t)port);
    name.sin_addr.s_addr = address;
    return name;
}

static long seconds_now_ms(void)
{
    struct timespec t;
    interleave_syscall(SYS_clock_gettime, 1, (long)&t, 0, 0, 0, 0);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };
    interleave_syscall(SYS_nanosleep, (long)&t, 0, 0, 0, 0, 0);
}

static int listening(unsigned long port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in name = address_of(INADDR_ANY, port);
    int result = bind(fd, (struct sockaddr *)&name, sizeof name);
    if (result < 0) { printf("bind: %d\n", result); exit(1); }
    listen(fd, 8);
    return fd;
}

static int connected(const char *address, unsigned long port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in name = address_of(parse_address(address), port);
    int result = connect(fd, (struct sockaddr *)&name, sizeof name);
    if (result < 0) { printf("connect: %d\n", result); exit(1); }
    return fd;
}

static unsigned char buffer[65536];

static int server(unsigned long port, unsigned long connections, long delay_ms)
{
    int listener = listening(port);
    for (unsigned long n = 0; n < connections; n++) {
        int fd = accept(listener, 0, 0);
        if (fd < 0) { printf("accept: %d\n", fd); return 1; }
        if (delay_ms) sleep_ms(delay_ms);
        unsigned long total = 0, wrong = 0;
        for (;;) {
            long count = read(fd, buffer, sizeof buffer);
            if (count < 0) { printf("server: read %ld\n", count); return 1; }
            if (count == 0) break;
            for (long i = 0; i < count; i++)
                if (buffer[i] != pattern(total + (unsigned long)i)) wrong++;
            total += (unsigned long)count;
        }
        char reply[64];
        int length = snprintf(reply, sizeof reply, "got %lu %s", total, wrong ? "bad" : "ok");
        write(fd, reply, (size_t)length);
        close(fd);
        printf("server: %lu bytes, %lu out of place\n", total, wrong);
    }
    close(listener);
    return 0;
}

static int client(const char *address, unsigned long port, unsigned long bytes)
{
    int fd = connected(address, port);
    unsigned long sent = 0;
    while (sent < bytes) {
        unsigned long chunk = bytes - sent < 10000 ? bytes - sent : 10000;
        for (unsigned long i = 0; i < chunk; i++) buffer[i] = pattern(sent + i);
        long count = write(fd, buffer, chunk);
        if (count <= 0) { printf("client: write %ld\n", count); return 1; }
        sent += (unsigned long)count;
    }
    shutdown(fd, SHUT_WR);
    char reply[65];
    long total = 0;
    for (;;) {
        long count = read(fd, reply + total, sizeof reply - 1 - (unsigned long)total);
        if (count < 0) { printf("client: read %ld\n", count); return 1; }
        if (count == 0) break;
        total += count;
    }
    reply[total] = 0;
    close(fd);
    printf("client: sent %lu, reply: %s\n", sent, reply);
    return 0;
}

static int connect_only(const char *address, unsigned long port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in name = address_of(parse_address(address), port);
    long start = seconds_now_ms();
    int result = connect(fd, (struct sockaddr *)&name, sizeof name);
    printf("connect: %d after %ld ms\n", result, seconds_now_ms() - start);
    return 0;
}

static int reset_server(unsigned long port)
{
    int listener = listening(port);
    int fd = accept(listener, 0, 0);
    long count = read(fd, buffer, 1);
    sleep_ms(10);   /* the rest of the client's bytes arrive */
    close(fd);
    printf("reset-server: read %ld, closed with bytes unread\n", count);
    return 0;
}

static int reset_client(const char *address, unsigned long port)
{
    interleave_signal_ignore(SIGPIPE);
    int fd = connected(address, port);
    for (int i = 0; i < 100; i++) buffer[i] = (unsigned char)i;
    long wrote = write(fd, buffer, 100);
    long got = read(fd, buffer, sizeof buffer);
    long again = write(fd, buffer, 10);
    printf("reset-client: write %ld, read %ld, write %ld\n", wrote, got, again);
    return 0;
}

static int vanish(const char *address, unsigned long port)
{
    int fd = connected(address, port);
    long start = seconds_now_ms();
    for (int i = 0; i < 1000; i++) buffer[i] = pattern((unsigned long)i);
    long wrote = write(fd, buffer, 1000);
    long got = read(fd, buffer, sizeof buffer);
    printf("vanish: write %ld, read %ld after %ld s\n", wrote, got, (seconds_now_ms() - start) / 1000);
    return 0;
}

static int closer(unsigned long port)
{
    int listener = listening(port);
    int fd = accept(listener, 0, 0);
    write(fd, "bye", 3);
    close(fd);
    close(listener);
    sleep_ms(100);   /* the client's FIN comes back: TIME_WAIT here */
    int again = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in name = address_of(INADDR_ANY, port);
    int first = bind(again, (struct sockaddr *)&name, sizeof name);
    sleep_ms(1500);
    int second = first == 0 ? 0 : bind(again, (struct sockaddr *)&name, sizeof name);
    printf("closer: bind at once %d, after 1.5 s %d\n", first, second);
    return 0;
}

static int reader(const char *address, unsigned long port)
{
    int fd = connected(address, port);
    long total = 0;
    for (;;) {
        long count = read(fd, buffer, sizeof buffer);
        if (count <= 0) { printf("reader: %ld bytes, last read %ld\n", total, count); break; }
        total += count;
    }
    close(fd);
    return 0;
}

static int udp_server(unsigned long port, unsigned long count)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in name = address_of(INADDR_ANY, port);
    bind(fd, (struct sockaddr *)&name, sizeof name);
    unsigned long total = 0;
    for (unsigned long n = 0; n < count; n++) {
        struct sockaddr_in from;
        socklen_t length = sizeof from;
        long got = recvfrom(fd, buffer, sizeof buffer, 0, (struct sockaddr *)&from, &length);
        if (got < 0) { printf("udp-server: recvfrom %ld\n", got); return 1; }
        total += (unsigned long)got;
        char reply[32];
        int size = snprintf(reply, sizeof reply, "len %ld", got);
        sendto(fd, reply, (size_t)size, 0, (struct sockaddr *)&from, length);
    }
    printf("udp-server: %lu datagrams, %lu bytes\n", count, total);
    return 0;
}

static int udp_client(const char *address, unsigned long port, unsigned long count)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in name = address_of(parse_address(address), port);
    unsigned long answers = 0;
    for (unsigned long n = 0; n < count; n++) {
        long size = 100 + (long)n * 10;
        sendto(fd, buffer, (size_t)size, 0, (struct sockaddr *)&name, sizeof name);
        char reply[33];
        long got = recvfrom(fd, reply, sizeof reply - 1, 0, 0, 0);
        if (got < 0) { printf("udp-client: recvfrom %ld\n", got); return 1; }
        reply[got] = 0;
        char expected[32];
        snprintf(expected, sizeof expected, "len %ld", size);
        if (strcmp(reply, expected) == 0) answers++;
    }
    long too_big = sendto(fd, buffer, 1473, 0, (struct sockaddr *)&name, sizeof name);
    long largest = sendto(fd, buffer, 0, 0, (struct sockaddr *)&name, sizeof name);
    printf("udp-client: %lu right answers, 1473 bytes: %ld, empty: %ld\n", answers, too_big, largest);
    return 0;
}

static int self_connect(const char *address, unsigned long port)
{
    int listener = listening(port);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in name = address_of(parse_address(address), port);
    int result = connect(fd, (struct sockaddr *)&name, sizeof name);
    int other = accept(listener, 0, 0);
    write(fd, "hello", 5);
    long got = read(other, buffer, sizeof buffer);
    printf("self: connect %d, echoed %ld bytes\n", result, got);
    return 0;
}

static void print_name(const char *what, struct sockaddr_in *name)
{
    uint32_t address = ntohl(name->sin_addr.s_addr);
    printf("%s %u.%u.%u.%u:%u", what, address >> 24, (address >> 16) & 255, (address >> 8) & 255, address & 255,
           ntohs(name->sin_port));
}

static int names(const char *address, unsigned long port)
{
    int fd = connected(address, port);
    struct sockaddr_in local, peer;
    socklen_t length = sizeof local;
    int first = getsockname(fd, (struct sockaddr *)&local, &length);
    length = sizeof peer;
    int second = getpeername(fd, (struct sockaddr *)&peer, &length);
    printf("names: %d %d,", first, second);
    print_name(" local", &local);
    print_name(", peer", &peer);
    printf("\n");
    return 0;
}

static int unaccepting(unsigned long port)
{
    int listener = listening(port);
    sleep_ms(200);
    close(listener);
    printf("unaccepting: closed the listener\n");
    return 0;
}

static int poll_once(int fd, int events, int timeout)
{
    struct pollfd entry = { fd, (short)events, 0 };
    int result = poll(&entry, 1, timeout);
    return result < 0 ? result : entry.revents;
}

static int poll_client(const char *address, unsigned long port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in name = address_of(parse_address(address), port);
    int result = connect(fd, (struct sockaddr *)&name, sizeof name);
    int before = poll_once(fd, POLLIN | POLLOUT, 0);
    int connected = poll_once(fd, POLLOUT, -1);
    int error = -1;
    socklen_t length = sizeof error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    printf("poll-client: connect %d, at once 0x%x, then 0x%x, SO_ERROR %d\n", result, before, connected, error);
    if (error) return 0;
    for (int i = 0; i < 4; i++) buffer[i] = pattern((unsigned long)i);
    write(fd, buffer, 4);
    shutdown(fd, SHUT_WR);
    long total = 0;
    for (;;) {
        poll_once(fd, POLLIN, -1);
        long count = read(fd, buffer + total, sizeof buffer - 1 - (unsigned long)total);
        if (count == -EAGAIN) continue;
        if (count <= 0) break;
        total += count;
    }
    buffer[total] = 0;
    sleep_ms(10);
    printf("poll-client: reply \"%s\", at the end 0x%x\n", (char *)buffer, poll_once(fd, POLLIN | POLLOUT | POLLRDHUP, 0));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) { printf("usage: peer MODE ...\n"); return 2; }
    const char *mode = argv[1];
    if (!strcmp(mode, "server")) return server(parse(argv[2]), argc > 3 ? parse(argv[3]) : 1, 0);
    if (!strcmp(mode, "names") && argc > 3) return names(argv[2], parse(argv[3]));
    if (!strcmp(mode, "unaccepting")) return unaccepting(parse(argv[2]));
    if (!strcmp(mode, "slow-server")) return server(parse(argv[2]), 1, 3000);
    if (!strcmp(mode, "poll-client") && argc > 3) return poll_client(argv[2], parse(argv[3]));
    if (!strcmp(mode, "client") && argc > 4) return client(argv[2], parse(argv[3]), parse(argv[4]));
    if (!strcmp(mode, "connect") && argc > 3) return connect_only(argv[2], parse(argv[3]));
    if (!strcmp(mode, "reset-server")) return reset_server(parse(argv[2]));
    if (!strcmp(mode, "reset-client") && argc > 3) return reset_client(argv[2], parse(argv[3]));
    if (!strcmp(mode, "vanish") && argc > 3) return vanish(argv[2], parse(argv[3]));
    if (!strcmp(mode, "closer")) return closer(parse(argv[2]));
    if (!strcmp(mode, "reader") && argc > 3) return reader(argv[2], parse(argv[3]));
    if (!strcmp(mode, "self") && argc > 3) return self_connect(argv[2], parse(argv[3]));
    if (!strcmp(mode, "udp-server") && argc > 3) return udp_server(parse(argv[2]), parse(argv[3]));
    if (!strcmp(mode, "udp-client") && argc > 4) return udp_client(argv[2], parse(argv[3]), parse(argv[4]));
    printf("peer: unknown mode %s\n", mode);
    return 2;
}
