/*
 * sockets.c: the socket calls through glibc. A server thread listens on 127.0.0.1 at a
 * port the kernel picks (bind to port 0, then getsockname), accepts one connection and
 * echoes what it reads in capitals; the main thread connects, sends three lines and reads
 * the answers. Then a UNIX socket pair carries a message the other way. Along the way,
 * gettimeofday and clock_gettime must not go backwards, and assert checks each step.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int listener;

static void *echo_in_capitals(void *unused)
{
    (void)unused;
    int connection = accept(listener, NULL, NULL);
    assert(connection >= 0);
    char buffer[64];
    ssize_t got;
    while ((got = read(connection, buffer, sizeof buffer)) > 0) {
        for (ssize_t i = 0; i < got; i++)
            buffer[i] = (char)toupper((unsigned char)buffer[i]);
        assert(write(connection, buffer, (size_t)got) == got);
    }
    close(connection);
    return NULL;
}

static long long microseconds_now(void)
{
    struct timeval now;
    gettimeofday(&now, NULL);
    return (long long)now.tv_sec * 1000000 + now.tv_usec;
}

int main(void)
{
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    long long wall_start = microseconds_now();

    listener = socket(AF_INET, SOCK_STREAM, 0);
    assert(listener >= 0);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = 0 };
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert(bind(listener, (struct sockaddr *)&address, sizeof address) == 0);
    assert(listen(listener, 1) == 0);
    socklen_t length = sizeof address;
    assert(getsockname(listener, (struct sockaddr *)&address, &length) == 0);
    printf("listening on %s, port chosen by the kernel: %s\n", inet_ntoa(address.sin_addr), ntohs(address.sin_port) != 0 ? "yes" : "no");

    pthread_t server;
    pthread_create(&server, NULL, echo_in_capitals, NULL);
    int client = socket(AF_INET, SOCK_STREAM, 0);
    assert(connect(client, (struct sockaddr *)&address, sizeof address) == 0);
    const char *lines[] = { "hello", "through tcp", "on loopback" };
    for (int i = 0; i < 3; i++) {
        size_t size = strlen(lines[i]);
        assert(write(client, lines[i], size) == (ssize_t)size);
        char answer[64] = { 0 };
        size_t got = 0;
        while (got < size) {
            ssize_t n = read(client, answer + got, size - got);
            assert(n > 0);
            got += (size_t)n;
        }
        printf("sent \"%s\", got back \"%s\"\n", lines[i], answer);
    }
    close(client);
    pthread_join(server, NULL);
    close(listener);

    int pair[2];
    assert(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    assert(write(pair[1], "over a socket pair", 18) == 18);
    char message[32] = { 0 };
    assert(read(pair[0], message, sizeof message - 1) == 18);
    printf("read \"%s\"\n", message);
    close(pair[0]);
    close(pair[1]);

    clock_gettime(CLOCK_MONOTONIC, &end);
    int forwards = end.tv_sec > start.tv_sec || (end.tv_sec == start.tv_sec && end.tv_nsec >= start.tv_nsec);
    printf("the clocks went forwards: %s\n", forwards && microseconds_now() >= wall_start ? "yes" : "no");
    return 0;
}
