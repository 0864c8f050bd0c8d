/*
 * event-loop-client.c (lab: event-loop): the load generator. Opens CONNECTIONS
 * connections to event-loop-server, then keeps one 16-byte request in flight on each
 * until each has had REQUESTS answers, watching them all with epoll from one thread. It
 * times every request on the simulated clock and prints the count, the time it took and
 * the 50th and 99th percentile and the longest latency.
 *
 *   event-loop-client CONNECTIONS REQUESTS [TRANSPORT]
 */
#include "lab-io.h"

#define PORT 7070
#define NAME "event-loop"
#define BATCH 256

int main(void)
{
    if (interleave_argc() < 3) {   /* started on its own rather than by the server */
        dprintf(2, "usage: event-loop-client CONNECTIONS REQUESTS [TRANSPORT] (event-loop-server starts it)\n");
        return 2;
    }
    long connections = io_argument(1, 100), requests = io_argument(2, 3);
    int unix_socket = io_word(3, "tcp")[0] == 'u';
    io_pin(0, 1);
    if (io_raise_descriptor_limit((uint64_t)connections + 64) < 0)
        return 1;
    int *fds = malloc((size_t)connections * sizeof *fds);
    uint64_t *sent = malloc((size_t)connections * sizeof *sent);
    long *answered = calloc((size_t)connections, sizeof *answered);
    long *have = calloc((size_t)connections, sizeof *have);
    uint64_t *latencies = malloc((size_t)(connections * requests) * sizeof *latencies);
    struct io_epoll_event *events = malloc(BATCH * sizeof *events);
    if (!fds || !sent || !answered || !have || !latencies || !events)
        return 1;
    long epoll = io_epoll_create();
    for (long index = 0; index < connections; index++) {
        long fd = io_connect(unix_socket, PORT, NAME);
        if (fd < 0) {
            printf("client: connect %ld: %ld\n", index + 1, fd);
            return 1;
        }
        fds[index] = (int)fd;
        if (io_epoll_add((int)epoll, (int)fd, IO_EPOLLIN, (uint64_t)index) < 0)
            return 1;
    }
    uint64_t request[2];
    uint64_t start = io_now_ns();
    for (long index = 0; index < connections; index++) {
        sent[index] = io_now_ns();
        request[0] = sent[index];
        request[1] = (uint64_t)index;
        if (io_write_full(fds[index], request, sizeof request) != sizeof request)
            return 1;
    }
    long finished = 0, measured = 0;
    char buffer[64];
    while (finished < connections) {
        long ready = io_epoll_wait((int)epoll, events, BATCH, -1);
        if (ready < 0) {
            printf("client: epoll_pwait: %ld\n", ready);
            return 1;
        }
        for (long slot = 0; slot < ready; slot++) {
            long index = (long)events[slot].data;
            long got = io_read(fds[index], buffer, 16 - have[index]);
            if (got <= 0) {
                printf("client: connection %ld: read %ld\n", index, got);
                return 1;
            }
            have[index] += got;
            if (have[index] < 16)
                continue;
            have[index] = 0;
            uint64_t now = io_now_ns();
            latencies[measured++] = now - sent[index];
            if (++answered[index] < requests) {
                sent[index] = now;
                request[0] = now;
                request[1] = (uint64_t)index;
                if (io_write_full(fds[index], request, sizeof request) != sizeof request)
                    return 1;
            } else {
                io_close(fds[index]);
                finished++;
            }
        }
    }
    uint64_t elapsed = io_now_ns() - start;
    io_sort(latencies, measured);
    printf("client: connections %ld requests %ld elapsed-ns %lu p50-ns %lu p99-ns %lu max-ns %lu\n",
           connections, measured, (unsigned long)elapsed, (unsigned long)io_percentile(latencies, measured, 50),
           (unsigned long)io_percentile(latencies, measured, 99), (unsigned long)io_percentile(latencies, measured, 100));
    return 0;
}
