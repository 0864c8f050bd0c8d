/*
 * lab-io.h: the Linux I/O calls the lab's I/O programs (event-loop, select-limit,
 * workers) make, as thin wrappers over interleave_syscall, with the structures and
 * constants of Linux riscv64. Prefixed io_ so they never clash with a C library's names.
 */
#ifndef LAB_IO_H
#define LAB_IO_H

#include "interleave.h"

#define IO_SYS_eventfd2       19
#define IO_SYS_epoll_create1  20
#define IO_SYS_epoll_ctl      21
#define IO_SYS_epoll_pwait    22
#define IO_SYS_dup3           24
#define IO_SYS_fcntl          25
#define IO_SYS_close          57
#define IO_SYS_pipe2          59
#define IO_SYS_pselect6       72
#define IO_SYS_ppoll          73
#define IO_SYS_socket         198
#define IO_SYS_socketpair     199
#define IO_SYS_bind           200
#define IO_SYS_listen         201
#define IO_SYS_connect        203
#define IO_SYS_setsockopt     208
#define IO_SYS_shutdown       210
#define IO_SYS_accept4        242
#define IO_SYS_prlimit64      261
#define IO_SYS_thread_spawn   0x1000
#define IO_SYS_thread_join    0x1001
#define IO_SYS_process_spawn  0x1010
#define IO_SYS_process_wait   0x1011
#define IO_SYS_set_affinity   0x1031

#define IO_AF_UNIX       1
#define IO_AF_INET       2
#define IO_SOCK_STREAM   1
#define IO_SOCK_NONBLOCK 04000
#define IO_O_NONBLOCK    04000
#define IO_SOL_SOCKET    1
#define IO_SO_REUSEADDR  2
#define IO_SHUT_WR       1
#define IO_F_GETFL       3
#define IO_F_SETFL       4
#define IO_RLIMIT_NOFILE 7

#define IO_EPOLLIN       0x001
#define IO_EPOLLOUT      0x004
#define IO_EPOLL_CTL_ADD 1
#define IO_EPOLL_CTL_DEL 2
#define IO_POLLIN        0x001

#define IO_EAGAIN        11
#define IO_EINVAL        22

/* struct epoll_event: not packed on riscv64 (only x86-64 packs it), so 16 bytes. */
struct io_epoll_event {
    uint32_t events;
    uint64_t data;
};

struct io_pollfd {
    int32_t fd;
    int16_t events;
    int16_t revents;
};

struct io_timespec {
    int64_t seconds;
    int64_t nanoseconds;
};

struct io_sockaddr_in {
    uint16_t family;
    uint16_t port;          /* big-endian */
    uint32_t address;       /* big-endian */
    uint8_t zero[8];
};

struct io_sockaddr_un {
    uint16_t family;
    char path[108];
};

struct io_rlimit {
    uint64_t soft;
    uint64_t hard;
};

static inline long io_call(long number, long a0, long a1, long a2, long a3, long a4, long a5)
{
    return interleave_syscall(number, a0, a1, a2, a3, a4, a5);
}

static inline long io_read(int fd, void *buffer, long count) { return io_call(SYS_read, fd, (long)buffer, count, 0, 0, 0); }
static inline long io_write(int fd, const void *bytes, long count) { return io_call(SYS_write, fd, (long)bytes, count, 0, 0, 0); }
static inline long io_close(int fd) { return io_call(IO_SYS_close, fd, 0, 0, 0, 0, 0); }
static inline long io_pipe(int fds[2], int flags) { return io_call(IO_SYS_pipe2, (long)fds, flags, 0, 0, 0, 0); }

static inline long io_set_nonblocking(int fd)
{
    long flags = io_call(IO_SYS_fcntl, fd, IO_F_GETFL, 0, 0, 0, 0);
    if (flags < 0)
        return flags;
    return io_call(IO_SYS_fcntl, fd, IO_F_SETFL, flags | IO_O_NONBLOCK, 0, 0, 0);
}

/* Reads exactly `count` bytes unless end of file or an error comes first. */
static inline long io_read_full(int fd, void *buffer, long count)
{
    long done = 0;
    while (done < count) {
        long got = io_read(fd, (char *)buffer + done, count - done);
        if (got <= 0)
            return done > 0 ? done : got;
        done += got;
    }
    return done;
}

static inline long io_write_full(int fd, const void *bytes, long count)
{
    long done = 0;
    while (done < count) {
        long put = io_write(fd, (const char *)bytes + done, count - done);
        if (put <= 0)
            return done > 0 ? done : put;
        done += put;
    }
    return done;
}

/* Raises RLIMIT_NOFILE's soft limit to `count` (and the hard one if it is lower). */
static inline long io_raise_descriptor_limit(uint64_t count)
{
    struct io_rlimit old, wanted;
    long result = io_call(IO_SYS_prlimit64, 0, IO_RLIMIT_NOFILE, 0, (long)&old, 0, 0);
    if (result < 0)
        return result;
    wanted.soft = count;
    wanted.hard = old.hard > count ? old.hard : count;
    return io_call(IO_SYS_prlimit64, 0, IO_RLIMIT_NOFILE, (long)&wanted, 0, 0, 0);
}

/* Nanoseconds on CLOCK_MONOTONIC. */
static inline uint64_t io_now_ns(void)
{
    struct io_timespec now = {0, 0};
    io_call(SYS_clock_gettime, 1, (long)&now, 0, 0, 0, 0);
    return (uint64_t)now.seconds * 1000000000ull + (uint64_t)now.nanoseconds;
}

static inline uint16_t io_big_endian16(uint16_t value) { return (uint16_t)((value << 8) | (value >> 8)); }

/* 127.0.0.1:port */
static inline struct io_sockaddr_in io_loopback(uint16_t port)
{
    struct io_sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.family = IO_AF_INET;
    address.port = io_big_endian16(port);
    address.address = 0x0100007f;   /* 127.0.0.1 in network order, read as little-endian */
    return address;
}

/* address:port, the address in host order (10.0.0.2 is 0x0A000002; 0 is INADDR_ANY). */
static inline struct io_sockaddr_in io_inet(uint32_t address, uint16_t port)
{
    struct io_sockaddr_in result;
    memset(&result, 0, sizeof result);
    result.family = IO_AF_INET;
    result.port = io_big_endian16(port);
    result.address = (address >> 24) | ((address >> 8) & 0xff00) | ((address << 8) & 0xff0000) | (address << 24);
    return result;
}

/* Machine n's address on a simulated network of several machines: 10.0.0.n. */
static inline uint32_t io_machine(long n) { return 0x0A000000u | (uint32_t)(n & 0xff); }

/* A UNIX socket address in the abstract namespace ("\0name"): no file to clean up. */
static inline struct io_sockaddr_un io_abstract(const char *name, long *length)
{
    struct io_sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.family = IO_AF_UNIX;
    size_t count = strlen(name);
    if (count > sizeof address.path - 2)
        count = sizeof address.path - 2;
    memcpy(address.path + 1, name, count);
    *length = (long)(sizeof address.family + 1 + count);
    return address;
}

/* A listening socket: TCP on 127.0.0.1:port, or a UNIX stream socket named `name`. */
static inline long io_listen(int unix_socket, uint16_t port, const char *name, int backlog)
{
    long fd = io_call(IO_SYS_socket, unix_socket ? IO_AF_UNIX : IO_AF_INET, IO_SOCK_STREAM, 0, 0, 0, 0);
    if (fd < 0)
        return fd;
    long result;
    if (unix_socket) {
        long length;
        struct io_sockaddr_un address = io_abstract(name, &length);
        result = io_call(IO_SYS_bind, fd, (long)&address, length, 0, 0, 0);
    } else {
        int one = 1;
        io_call(IO_SYS_setsockopt, fd, IO_SOL_SOCKET, IO_SO_REUSEADDR, (long)&one, sizeof one, 0);
        struct io_sockaddr_in address = io_loopback(port);
        result = io_call(IO_SYS_bind, fd, (long)&address, sizeof address, 0, 0, 0);
    }
    if (result == 0)
        result = io_call(IO_SYS_listen, fd, backlog, 0, 0, 0, 0);
    if (result < 0) {
        io_close((int)fd);
        return result;
    }
    return fd;
}

/* A connected stream socket to what io_listen made (blocking connect). */
static inline long io_connect(int unix_socket, uint16_t port, const char *name)
{
    long fd = io_call(IO_SYS_socket, unix_socket ? IO_AF_UNIX : IO_AF_INET, IO_SOCK_STREAM, 0, 0, 0, 0);
    if (fd < 0)
        return fd;
    long result;
    if (unix_socket) {
        long length;
        struct io_sockaddr_un address = io_abstract(name, &length);
        result = io_call(IO_SYS_connect, fd, (long)&address, length, 0, 0, 0);
    } else {
        struct io_sockaddr_in address = io_loopback(port);
        result = io_call(IO_SYS_connect, fd, (long)&address, sizeof address, 0, 0, 0);
    }
    if (result < 0) {
        io_close((int)fd);
        return result;
    }
    return fd;
}

/* A TCP listener on address:port (host order; 0 listens on every address). */
static inline long io_listen_at(uint32_t address, uint16_t port, int backlog)
{
    long fd = io_call(IO_SYS_socket, IO_AF_INET, IO_SOCK_STREAM, 0, 0, 0, 0);
    if (fd < 0)
        return fd;
    int one = 1;
    io_call(IO_SYS_setsockopt, fd, IO_SOL_SOCKET, IO_SO_REUSEADDR, (long)&one, sizeof one, 0);
    struct io_sockaddr_in where = io_inet(address, port);
    long result = io_call(IO_SYS_bind, fd, (long)&where, sizeof where, 0, 0, 0);
    if (result == 0)
        result = io_call(IO_SYS_listen, fd, backlog, 0, 0, 0, 0);
    if (result < 0) {
        io_close((int)fd);
        return result;
    }
    return fd;
}

/* A TCP connection to address:port (host order), blocking. */
static inline long io_connect_at(uint32_t address, uint16_t port)
{
    long fd = io_call(IO_SYS_socket, IO_AF_INET, IO_SOCK_STREAM, 0, 0, 0, 0);
    if (fd < 0)
        return fd;
    struct io_sockaddr_in where = io_inet(address, port);
    long result = io_call(IO_SYS_connect, fd, (long)&where, sizeof where, 0, 0, 0);
    if (result < 0) {
        io_close((int)fd);
        return result;
    }
    return fd;
}

static inline long io_accept(int listener, int flags) { return io_call(IO_SYS_accept4, listener, 0, 0, flags, 0, 0); }

static inline long io_epoll_create(void) { return io_call(IO_SYS_epoll_create1, 0, 0, 0, 0, 0, 0); }

static inline long io_epoll_add(int epoll, int fd, uint32_t events, uint64_t data)
{
    struct io_epoll_event event = {events, data};
    return io_call(IO_SYS_epoll_ctl, epoll, IO_EPOLL_CTL_ADD, fd, (long)&event, 0, 0);
}

static inline long io_epoll_wait(int epoll, struct io_epoll_event *events, int count, int timeout_ms)
{
    return io_call(IO_SYS_epoll_pwait, epoll, (long)events, count, timeout_ms, 0, 8);
}

/* Starts program `name` of the run as a child with argv `argv` (NULL-terminated). */
static inline long io_spawn(const char *name, char **argv)
{
    return io_call(IO_SYS_process_spawn, (long)name, (long)argv, 0, 0, 0, 0);
}

/* Waits for the child; its exit status (or 128 + signal), or a negative errno. */
static inline long io_wait(long pid)
{
    int32_t status = 0;
    long result = io_call(IO_SYS_process_wait, pid, (long)&status, 0, 0, 0, 0);
    if (result < 0)
        return result;
    return (status & 0x7f) ? 128 + (status & 0x7f) : (status >> 8) & 0xff;
}

static inline long io_pin(long tid, int hart) { return io_call(IO_SYS_set_affinity, tid, 1L << hart, 0, 0, 0, 0); }

/* A decimal argument, or `fallback`. */
static inline long io_argument(int index, long fallback)
{
    if (interleave_argc() <= index)
        return fallback;
    const char *text = interleave_argv()[index];
    long value = 0;
    int any = 0;
    for (; *text >= '0' && *text <= '9'; text++) {
        value = value * 10 + (*text - '0');
        any = 1;
    }
    return any ? value : fallback;
}

static inline const char *io_word(int index, const char *fallback)
{
    return interleave_argc() > index ? interleave_argv()[index] : fallback;
}

/* Sorts `count` values in place (heapsort: no recursion, no extra memory). */
static inline void io_sort(uint64_t *values, long count)
{
    for (long start = count / 2 - 1; start >= 0; start--) {
        long root = start;
        for (;;) {
            long child = 2 * root + 1;
            if (child >= count) break;
            if (child + 1 < count && values[child + 1] > values[child]) child++;
            if (values[root] >= values[child]) break;
            uint64_t swap = values[root]; values[root] = values[child]; values[child] = swap;
            root = child;
        }
    }
    for (long end = count - 1; end > 0; end--) {
        uint64_t swap = values[0]; values[0] = values[end]; values[end] = swap;
        long root = 0;
        for (;;) {
            long child = 2 * root + 1;
            if (child >= end) break;
            if (child + 1 < end && values[child + 1] > values[child]) child++;
            if (values[root] >= values[child]) break;
            swap = values[root]; values[root] = values[child]; values[child] = swap;
            root = child;
        }
    }
}

/* The value at `percent` (0-100) of sorted values (nearest rank). */
static inline uint64_t io_percentile(const uint64_t *sorted, long count, long percent)
{
    if (count <= 0)
        return 0;
    long rank = (percent * count + 99) / 100;
    if (rank < 1) rank = 1;
    if (rank > count) rank = count;
    return sorted[rank - 1];
}

#endif /* LAB_IO_H */
