/*
 * select-limit.c (lab: select-limit). Part one: opens pipes until a read end is at
 * descriptor 1024 or above, makes it readable, and asks select (pselect6), poll (ppoll)
 * and epoll about it: select cannot take a descriptor past FD_SETSIZE (1024), poll and
 * epoll can. Part two: for each IDLE count given, IDLE idle pipes plus one with a byte
 * waiting: the simulated time of one select, poll and epoll_wait call that finds the
 * busy one, averaged over CALLS calls (select only while every descriptor is below 1024).
 *
 *   select-limit CALLS IDLE...
 */
#include "lab-io.h"

#define FD_SETSIZE_BITS 1024
#define MOST_DESCRIPTORS 12000

/* A descriptor set as pselect6 reads it: 64-bit words, bit fd % 64 of word fd / 64. */
static uint64_t read_set[MOST_DESCRIPTORS / 64 + 1];

static long select_one(int fd, long nfds)
{
    memset(read_set, 0, sizeof read_set);
    read_set[fd / 64] |= 1ull << (fd % 64);
    struct io_timespec zero = {0, 0};
    return io_call(IO_SYS_pselect6, nfds, (long)read_set, 0, 0, (long)&zero, 0);
}

static long poll_one(int fd)
{
    struct io_pollfd entry = {fd, IO_POLLIN, 0};
    struct io_timespec zero = {0, 0};
    long result = io_call(IO_SYS_ppoll, (long)&entry, 1, (long)&zero, 0, 8, 0);
    return result == 1 ? entry.revents : -1000 + result;
}

static long epoll_one(int fd)
{
    long epoll = io_epoll_create();
    if (epoll < 0)
        return epoll;
    long added = io_epoll_add((int)epoll, fd, IO_EPOLLIN, (uint64_t)fd);
    struct io_epoll_event event = {0, 0};
    long ready = added < 0 ? added : io_epoll_wait((int)epoll, &event, 1, 0);
    io_close((int)epoll);
    if (ready == 1 && event.data != (uint64_t)fd)
        return -999;
    return ready == 1 ? (long)event.events : -1000 + ready;
}

static int pipes[MOST_DESCRIPTORS][2];

int main(void)
{
    long calls = io_argument(1, 100);
    if (io_raise_descriptor_limit(MOST_DESCRIPTORS + 64) < 0) {
        printf("select-limit: cannot raise RLIMIT_NOFILE\n");
        return 1;
    }
    /* Part one: descriptors 0 to 1024 open, 1024 a pipe's read end with a byte waiting. */
    int busy[2];
    char byte = 'x';
    if (io_pipe(busy, 0) < 0 || io_write(busy[1], &byte, 1) != 1)
        return 1;
    long count = 0;
    while (count == 0 || pipes[count - 1][1] < FD_SETSIZE_BITS - 1) {
        if (io_pipe(pipes[count], 0) < 0) {
            printf("select-limit: pipe2 failed after %ld pipes\n", count);
            return 1;
        }
        count++;
    }
    int high = FD_SETSIZE_BITS;
    if (io_call(IO_SYS_dup3, busy[0], high, 0, 0, 0, 0) != high)
        return 1;
    printf("limit: descriptors 0 to %d open, %d the read end of a pipe with a byte waiting\n", high, high);
    printf("limit: select %d: %ld\n", busy[0], select_one(busy[0], busy[0] + 1));
    printf("limit: select %d: %ld\n", high, select_one(high, high + 1));
    printf("limit: poll %d: revents %ld\n", high, poll_one(high));
    printf("limit: epoll %d: events %ld\n", high, epoll_one(high));
    for (long index = 0; index < count; index++) {
        io_close(pipes[index][0]);
        io_close(pipes[index][1]);
    }
    io_close(high);
    io_close(busy[0]);
    io_close(busy[1]);

    /* Part two: the cost of one call against idle descriptors. */
    struct io_pollfd *entries = malloc(MOST_DESCRIPTORS * sizeof *entries);
    struct io_epoll_event events[8];
    for (int argument = 2; argument < interleave_argc(); argument++) {
        long idle = io_argument(argument, 0);
        if (idle < 0 || 2 * idle + 8 > MOST_DESCRIPTORS)
            continue;
        if (io_pipe(busy, 0) < 0)
            return 1;
        io_write(busy[1], &byte, 1);
        for (long index = 0; index < idle; index++)
            if (io_pipe(pipes[index], 0) < 0) {
                printf("select-limit: pipe2 failed after %ld idle pipes\n", index);
                return 1;
            }
        /* The busy one last: a scan must pass every idle one first. */
        long watched = idle + 1;
        int highest = busy[0];
        for (long index = 0; index < idle; index++) {
            entries[index] = (struct io_pollfd){pipes[index][0], IO_POLLIN, 0};
            if (pipes[index][0] > highest) highest = pipes[index][0];
        }
        entries[idle] = (struct io_pollfd){busy[0], IO_POLLIN, 0};
        struct io_timespec zero = {0, 0};

        uint64_t start = io_now_ns();
        long found = 0;
        for (long call = 0; call < calls; call++)
            found += io_call(IO_SYS_ppoll, (long)entries, watched, (long)&zero, 0, 8, 0);
        uint64_t poll_ns = io_now_ns() - start;

        long epoll = io_epoll_create();
        for (long index = 0; index < idle; index++)
            io_epoll_add((int)epoll, pipes[index][0], IO_EPOLLIN, (uint64_t)index);
        io_epoll_add((int)epoll, busy[0], IO_EPOLLIN, (uint64_t)idle);
        start = io_now_ns();
        for (long call = 0; call < calls; call++)
            found += io_epoll_wait((int)epoll, events, 8, 0);
        uint64_t epoll_ns = io_now_ns() - start;
        io_close((int)epoll);

        long select_ns = -1;
        if (highest < FD_SETSIZE_BITS) {
            /* select overwrites its sets: keep a master set and copy it before each call, as
             * every caller must (FD_COPY). */
            static uint64_t master[FD_SETSIZE_BITS / 64];
            memset(master, 0, sizeof master);
            for (long index = 0; index < watched; index++)
                master[entries[index].fd / 64] |= 1ull << (entries[index].fd % 64);
            size_t words = (size_t)highest / 64 + 1;
            start = io_now_ns();
            for (long call = 0; call < calls; call++) {
                memcpy(read_set, master, words * 8);
                found += io_call(IO_SYS_pselect6, highest + 1, (long)read_set, 0, 0, (long)&zero, 0);
            }
            select_ns = (long)(io_now_ns() - start);
        }
        printf("cost: idle %ld calls %ld found %ld poll-ns %lu epoll-ns %lu select-ns %ld\n", idle, calls, found,
               (unsigned long)poll_ns, (unsigned long)epoll_ns, select_ns);
        for (long index = 0; index < idle; index++) {
            io_close(pipes[index][0]);
            io_close(pipes[index][1]);
        }
        io_close(busy[0]);
        io_close(busy[1]);
    }
    return 0;
}
