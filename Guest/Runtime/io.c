/*
 * io.c: POSIX-named wrappers for the I/O system calls — descriptors, files,
 * pipes, sockets, poll/select/epoll — so C programs need not write `syscall`.
 *
 * Each returns what the kernel returns: the result, or -errno. There is no errno
 * variable (a global one would be shared by every thread), so a caller tests
 * `n < 0` and reads the error as -n. Calls riscv64 Linux lacks (pipe, dup2,
 * poll, select, epoll_wait, open, ...) are made from the ones it has, as libc does.
 */
#include "include/interleave.h"

#define SIGNAL_SET_SIZE 8   /* the kernel's sigset_t: 64 signals */

static long call1(long n, long a) { return interleave_syscall(n, a, 0, 0, 0, 0, 0); }
static long call2(long n, long a, long b) { return interleave_syscall(n, a, b, 0, 0, 0, 0); }
static long call3(long n, long a, long b, long c) { return interleave_syscall(n, a, b, c, 0, 0, 0); }
static long call4(long n, long a, long b, long c, long d) { return interleave_syscall(n, a, b, c, d, 0, 0); }
static long call5(long n, long a, long b, long c, long d, long e) { return interleave_syscall(n, a, b, c, d, e, 0); }
static long call6(long n, long a, long b, long c, long d, long e, long f)
{
    return interleave_syscall(n, a, b, c, d, e, f);
}

/* Descriptors and files. */

ssize_t read(int fd, void *buffer, size_t count) { return call3(SYS_read, fd, (long)buffer, (long)count); }
ssize_t write(int fd, const void *buffer, size_t count)
{
    if (fd == 1)
        interleave_flush();   /* keep printf's buffered lines in order with this write */
    return call3(SYS_write, fd, (long)buffer, (long)count);
}
ssize_t readv(int fd, const struct iovec *vector, int count) { return call3(SYS_readv, fd, (long)vector, count); }
ssize_t writev(int fd, const struct iovec *vector, int count)
{
    if (fd == 1)
        interleave_flush();
    return call3(SYS_writev, fd, (long)vector, count);
}
ssize_t pread(int fd, void *buffer, size_t count, off_t offset)
{
    return call4(SYS_pread64, fd, (long)buffer, (long)count, offset);
}
ssize_t pwrite(int fd, const void *buffer, size_t count, off_t offset)
{
    return call4(SYS_pwrite64, fd, (long)buffer, (long)count, offset);
}
off_t lseek(int fd, off_t offset, int whence) { return call3(SYS_lseek, fd, offset, whence); }

int openat(int directory, const char *path, int flags, ...)
{
    long mode = 0;
    if (flags & O_CREAT) {
        va_list arguments;
        va_start(arguments, flags);
        mode = va_arg(arguments, int);
        va_end(arguments);
    }
    return (int)call4(SYS_openat, directory, (long)path, flags, mode);
}

int open(const char *path, int flags, ...)
{
    long mode = 0;
    if (flags & O_CREAT) {
        va_list arguments;
        va_start(arguments, flags);
        mode = va_arg(arguments, int);
        va_end(arguments);
    }
    return (int)call4(SYS_openat, AT_FDCWD, (long)path, flags, mode);
}

int close(int fd) { return (int)call1(SYS_close, fd); }
int dup(int fd) { return (int)call1(SYS_dup, fd); }
int dup3(int fd, int target, int flags) { return (int)call3(SYS_dup3, fd, target, flags); }

/* dup3 refuses fd == target; dup2 then only checks that fd is open. */
int dup2(int fd, int target)
{
    if (fd == target) {
        long flags = call2(SYS_fcntl, fd, F_GETFD);
        return flags < 0 ? (int)flags : fd;
    }
    return dup3(fd, target, 0);
}

int fcntl(int fd, int command, ...)
{
    va_list arguments;
    va_start(arguments, command);
    long argument = va_arg(arguments, long);   /* unused by the commands that take none */
    va_end(arguments);
    return (int)call3(SYS_fcntl, fd, command, argument);
}

int fsync(int fd) { return (int)call1(SYS_fsync, fd); }
int ftruncate(int fd, off_t length) { return (int)call2(SYS_ftruncate, fd, length); }
int unlink(const char *path) { return (int)call3(SYS_unlinkat, AT_FDCWD, (long)path, 0); }
int rmdir(const char *path) { return (int)call3(SYS_unlinkat, AT_FDCWD, (long)path, AT_REMOVEDIR); }
int mkdir(const char *path, unsigned mode) { return (int)call3(SYS_mkdirat, AT_FDCWD, (long)path, mode); }

int getrlimit(int resource, struct rlimit *limit) { return (int)call2(SYS_getrlimit, resource, (long)limit); }
int setrlimit(int resource, const struct rlimit *limit) { return (int)call2(SYS_setrlimit, resource, (long)limit); }

/* Pipes and eventfd. */

#ifndef SIGNAL_BIT   /* else the pipes block of interleave.h defines these inline */
int pipe2(int ends[2], int flags) { return (int)call2(SYS_pipe2, (long)ends, flags); }
int eventfd(unsigned initial, int flags) { return (int)call2(SYS_eventfd2, initial, flags); }
#endif
int pipe(int ends[2]) { return pipe2(ends, 0); }

/* Signals: the kernel's struct sigaction on riscv64 is handler, flags, mask. */
struct kernel_signal_action { long handler; unsigned long flags; uint64_t mask; };

static int set_disposition(int signal, long handler)
{
    struct kernel_signal_action action = { handler, 0, 0 };
    return (int)call4(SYS_rt_sigaction, signal, (long)&action, 0, SIGNAL_SET_SIZE);
}

int interleave_signal_ignore(int signal) { return set_disposition(signal, 1); }
int interleave_signal_default(int signal) { return set_disposition(signal, 0); }

/* Sockets. */

int socket(int family, int type, int protocol) { return (int)call3(SYS_socket, family, type, protocol); }
int socketpair(int family, int type, int protocol, int ends[2])
{
    return (int)call4(SYS_socketpair, family, type, protocol, (long)ends);
}
int bind(int fd, const struct sockaddr *address, socklen_t length)
{
    return (int)call3(SYS_bind, fd, (long)address, length);
}
int listen(int fd, int backlog) { return (int)call2(SYS_listen, fd, backlog); }
int accept(int fd, struct sockaddr *address, socklen_t *length)
{
    return (int)call3(SYS_accept, fd, (long)address, (long)length);
}
int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags)
{
    return (int)call4(SYS_accept4, fd, (long)address, (long)length, flags);
}
int connect(int fd, const struct sockaddr *address, socklen_t length)
{
    return (int)call3(SYS_connect, fd, (long)address, length);
}
ssize_t sendto(int fd, const void *buffer, size_t count, int flags, const struct sockaddr *address,
               socklen_t length)
{
    return call6(SYS_sendto, fd, (long)buffer, (long)count, flags, (long)address, length);
}
ssize_t recvfrom(int fd, void *buffer, size_t count, int flags, struct sockaddr *address, socklen_t *length)
{
    return call6(SYS_recvfrom, fd, (long)buffer, (long)count, flags, (long)address, (long)length);
}
ssize_t send(int fd, const void *buffer, size_t count, int flags) { return sendto(fd, buffer, count, flags, NULL, 0); }
ssize_t recv(int fd, void *buffer, size_t count, int flags) { return recvfrom(fd, buffer, count, flags, NULL, NULL); }
ssize_t sendmsg(int fd, const struct msghdr *message, int flags) { return call3(SYS_sendmsg, fd, (long)message, flags); }
ssize_t recvmsg(int fd, struct msghdr *message, int flags) { return call3(SYS_recvmsg, fd, (long)message, flags); }
int shutdown(int fd, int how) { return (int)call2(SYS_shutdown, fd, how); }
int getsockname(int fd, struct sockaddr *address, socklen_t *length)
{
    return (int)call3(SYS_getsockname, fd, (long)address, (long)length);
}
int getpeername(int fd, struct sockaddr *address, socklen_t *length)
{
    return (int)call3(SYS_getpeername, fd, (long)address, (long)length);
}
int setsockopt(int fd, int level, int name, const void *value, socklen_t length)
{
    return (int)call5(SYS_setsockopt, fd, level, name, (long)value, length);
}
int getsockopt(int fd, int level, int name, void *value, socklen_t *length)
{
    return (int)call5(SYS_getsockopt, fd, level, name, (long)value, (long)length);
}

/* Readiness. */

int ppoll(struct pollfd *fds, nfds_t count, const struct timespec *timeout, const void *signal_mask)
{
    return (int)call5(SYS_ppoll, (long)fds, (long)count, (long)timeout, (long)signal_mask, SIGNAL_SET_SIZE);
}

int poll(struct pollfd *fds, nfds_t count, int timeout_ms)
{
    if (timeout_ms < 0)
        return ppoll(fds, count, NULL, NULL);
    struct timespec timeout = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };
    return ppoll(fds, count, &timeout, NULL);
}

int pselect(int count, fd_set *readable, fd_set *writable, fd_set *exceptional,
            const struct timespec *timeout, const void *signal_mask)
{
    /* pselect6's sixth argument points at the mask's address and size. */
    struct { const void *mask; size_t size; } mask = { signal_mask, SIGNAL_SET_SIZE };
    return (int)call6(SYS_pselect6, count, (long)readable, (long)writable, (long)exceptional, (long)timeout,
                      signal_mask != NULL ? (long)&mask : 0);
}

int epoll_create1(int flags) { return (int)call1(SYS_epoll_create1, flags); }
int epoll_ctl(int epoll, int operation, int fd, struct epoll_event *event)
{
    return (int)call4(SYS_epoll_ctl, epoll, operation, fd, (long)event);
}
int epoll_pwait(int epoll, struct epoll_event *events, int capacity, int timeout_ms, const void *signal_mask)
{
    return (int)call6(SYS_epoll_pwait, epoll, (long)events, capacity, timeout_ms, (long)signal_mask,
                      SIGNAL_SET_SIZE);
}
int epoll_wait(int epoll, struct epoll_event *events, int capacity, int timeout_ms)
{
    return epoll_pwait(epoll, events, capacity, timeout_ms, NULL);
}

int select(int count, fd_set *readable, fd_set *writable, fd_set *exceptional, struct timeval *timeout)
{
    if (timeout == NULL)
        return pselect(count, readable, writable, exceptional, NULL, NULL);
    if (timeout->tv_sec < 0 || timeout->tv_usec < 0 || timeout->tv_usec >= 1000000)
        return -EINVAL;
    struct timespec limit = { timeout->tv_sec, timeout->tv_usec * 1000 };
    return pselect(count, readable, writable, exceptional, &limit, NULL);
}

int epoll_create(int size) { return size <= 0 ? -EINVAL : epoll_create1(0); }
