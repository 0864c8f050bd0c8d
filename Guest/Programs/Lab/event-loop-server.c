/*
 * event-loop-server.c (lab: event-loop): serves CONNECTIONS connections, each sending
 * REQUESTS requests of 16 bytes that it echoes, either from one thread on epoll (MODE
 * epoll) or from one thread per connection (MODE threads, stacks of STACK_KIB KiB). It
 * starts the load generator (event-loop-client) itself, as a child process, on TCP
 * loopback or a UNIX socket (TRANSPORT tcp | unix), pins itself to hart 0 and the
 * client to hart 1, and prints what it served.
 *
 *   event-loop-server MODE CONNECTIONS REQUESTS [TRANSPORT] [STACK_KIB]
 */
#include "lab-io.h"

#define PORT 7070
#define NAME "event-loop"
#define BATCH 256

static long served;   /* requests echoed (threads mode: added atomically) */

static int serve_epoll(int listener, long connections)
{
    if (io_set_nonblocking(listener) < 0)
        return 1;
    long epoll = io_epoll_create();
    if (epoll < 0 || io_epoll_add((int)epoll, listener, IO_EPOLLIN, (uint64_t)-1) < 0) {
        printf("server: epoll: %ld\n", epoll);
        return 1;
    }
    struct io_epoll_event *events = malloc(BATCH * sizeof *events);
    long closed = 0, accepted = 0;
    char buffer[64];
    while (closed < connections) {
        long ready = io_epoll_wait((int)epoll, events, BATCH, -1);
        if (ready < 0) {
            printf("server: epoll_pwait: %ld\n", ready);
            return 1;
        }
        for (long index = 0; index < ready; index++) {
            if (events[index].data == (uint64_t)-1) {
                for (;;) {
                    long fd = io_accept(listener, IO_SOCK_NONBLOCK);
                    if (fd == -IO_EAGAIN)
                        break;
                    if (fd < 0) {
                        printf("server: accept4: %ld\n", fd);
                        return 1;
                    }
                    accepted++;
                    if (io_epoll_add((int)epoll, (int)fd, IO_EPOLLIN, (uint64_t)fd) < 0)
                        return 1;
                }
                continue;
            }
            int fd = (int)events[index].data;
            long got = io_read(fd, buffer, sizeof buffer);
            if (got == -IO_EAGAIN)
                continue;
            if (got <= 0) {
                io_close(fd);   /* leaves the epoll set with its last descriptor */
                closed++;
                continue;
            }
            if (io_write_full(fd, buffer, got) != got)
                return 1;
            served += got / 16;
        }
    }
    printf("server epoll: accepted %ld, served %ld\n", accepted, served);
    return 0;
}

static long serve_connection(long fd)
{
    char buffer[64];
    for (;;) {
        long got = io_read((int)fd, buffer, sizeof buffer);
        if (got <= 0)
            break;
        if (io_write_full((int)fd, buffer, got) != got)
            break;
        __atomic_fetch_add(&served, got / 16, __ATOMIC_RELAXED);
    }
    io_close((int)fd);
    return 0;
}

static int serve_threads(int listener, long connections, long stack_bytes)
{
    long *threads = malloc((size_t)connections * sizeof *threads);
    for (long index = 0; index < connections; index++) {
        long fd = io_accept(listener, 0);
        if (fd < 0) {
            printf("server: accept4: %ld\n", fd);
            return 1;
        }
        long tid = io_call(IO_SYS_thread_spawn, (long)serve_connection, fd, stack_bytes, 0, 0, 0);
        if (tid < 0) {
            printf("server: thread %ld not started: %ld\n", index + 1, tid);
            return 1;
        }
        io_pin(tid, 0);
        threads[index] = tid;
    }
    for (long index = 0; index < connections; index++)
        io_call(IO_SYS_thread_join, threads[index], 0, 0, 0, 0, 0);
    printf("server threads: accepted %ld, served %ld\n", connections, served);
    return 0;
}

int main(void)
{
    const char *mode = io_word(1, "epoll");
    long connections = io_argument(2, 100), requests = io_argument(3, 3);
    const char *transport = io_word(4, "tcp");
    long stack_kib = io_argument(5, 64);
    int unix_socket = transport[0] == 'u';
    io_pin(0, 0);
    long limit = io_raise_descriptor_limit((uint64_t)connections + 64);
    if (limit < 0) {
        printf("server: prlimit64: %ld\n", limit);
        return 1;
    }
    long listener = io_listen(unix_socket, PORT, NAME, connections < 4096 ? (int)connections : 4096);
    if (listener < 0) {
        printf("server: listen: %ld\n", listener);
        return 1;
    }
    char count_text[24], requests_text[24];
    snprintf(count_text, sizeof count_text, "%ld", connections);
    snprintf(requests_text, sizeof requests_text, "%ld", requests);
    char *argv[] = {"event-loop-client", count_text, requests_text, (char *)transport, 0};
    long client = io_spawn("event-loop-client", argv);
    if (client < 0) {
        printf("server: process_spawn: %ld\n", client);
        return 1;
    }
    int failed = mode[0] == 't' ? serve_threads((int)listener, connections, stack_kib << 10)
                                : serve_epoll((int)listener, connections);
    long status = io_wait(client);
    if (status != 0)
        printf("server: the client ended with status %ld\n", status);
    return failed || status != 0;
}
