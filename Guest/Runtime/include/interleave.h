/*
 * interleave.h: the C API of the Interleave guest runtime.
 *
 * Guest programs run without a C library. The runtime (Guest/Runtime) gives
 * them the little that Swift and small C programs need: system calls, output,
 * a heap, memory and string helpers, random bytes and exact math functions.
 * System-call numbers are Linux riscv64's, so the same ELF also runs under
 * qemu-riscv64.
 */
#ifndef INTERLEAVE_H
#define INTERLEAVE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* System-call numbers (Linux riscv64). */
#define SYS_read           63
#define SYS_write          64
#define SYS_exit           93
#define SYS_exit_group     94
#define SYS_futex          98
#define SYS_nanosleep      101
#define SYS_clock_gettime  113
#define SYS_sched_yield    124
#define SYS_uname          160
#define SYS_getpid         172
#define SYS_gettid         178
#define SYS_brk            214
#define SYS_munmap         215
#define SYS_mmap           222
#define SYS_getrandom      278

/* errno values the runtime returns. */
#define EINTR   4
#define EAGAIN  11
#define ENOMEM  12
#define EFAULT  14
#define EINVAL  22
#define ENOSYS  38

/* Returns the call's result, or -errno on failure. */
long interleave_syscall(long number, long a0, long a1, long a2, long a3,
                        long a4, long a5);

/* Process: arguments, environment, exit. */
int interleave_argc(void);
char **interleave_argv(void);
char *getenv(const char *name);
void exit(int status) __attribute__((noreturn));   /* flushes stdout */
void _exit(int status) __attribute__((noreturn));  /* does not flush */
void abort(void) __attribute__((noreturn));        /* exit status 134 */

/* Output. stdout (fd 1) is line-buffered; everything else is written at once. */
int putchar(int c);
int puts(const char *s);
void interleave_flush(void);
long interleave_write_all(int fd, const void *bytes, size_t count);
int printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
int dprintf(int fd, const char *format, ...) __attribute__((format(printf, 2, 3)));
int snprintf(char *buffer, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
int vprintf(const char *format, va_list args);
int vdprintf(int fd, const char *format, va_list args);
int vsnprintf(char *buffer, size_t size, const char *format, va_list args);

/* Heap. Memory comes from anonymous mmap; freed memory is reused. */
void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void *realloc(void *pointer, size_t size);
void free(void *pointer);
int posix_memalign(void **result, size_t alignment, size_t size);
void *aligned_alloc(size_t alignment, size_t size);
size_t malloc_usable_size(void *pointer);
size_t interleave_heap_mapped_bytes(void);   /* bytes the heap holds mapped now */

/* Memory and strings. */
void *memset(void *destination, int byte, size_t count);
void *memcpy(void *destination, const void *source, size_t count);
void *memmove(void *destination, const void *source, size_t count);
int memcmp(const void *left, const void *right, size_t count);
void *memchr(const void *bytes, int byte, size_t count);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t limit);
int strcmp(const char *left, const char *right);
int strncmp(const char *left, const char *right, size_t limit);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strcpy(char *destination, const char *source);
char *strncpy(char *destination, const char *source, size_t limit);

/* ---- Readiness: select, poll and epoll (issue 14) -------------------------
 * Linux riscv64's calls and structures. Like every call here, the wrappers
 * return the result, or -errno on failure (there is no errno variable). */
#define SYS_epoll_create1  20
#define SYS_epoll_ctl      21
#define SYS_epoll_pwait    22
#define SYS_pselect6       72
#define SYS_ppoll          73
#define SYS_epoll_pwait2   441

#ifndef INTERLEAVE_STRUCT_TIMESPEC
#define INTERLEAVE_STRUCT_TIMESPEC
struct timespec { long tv_sec; long tv_nsec; };
#endif

/* select: at most FD_SETSIZE descriptors, each below FD_SETSIZE. */
#define FD_SETSIZE 1024
typedef struct { unsigned long fds_bits[FD_SETSIZE / 64]; } fd_set;
#define FD_ZERO(set)      memset((set), 0, sizeof(fd_set))
#define FD_SET(fd, set)   ((set)->fds_bits[(fd) / 64] |= 1UL << ((fd) % 64))
#define FD_CLR(fd, set)   ((set)->fds_bits[(fd) / 64] &= ~(1UL << ((fd) % 64)))
#define FD_ISSET(fd, set) ((int)(((set)->fds_bits[(fd) / 64] >> ((fd) % 64)) & 1))

/* poll */
struct pollfd { int fd; short events; short revents; };
typedef unsigned long nfds_t;
#define POLLIN      0x001
#define POLLPRI     0x002
#define POLLOUT     0x004
#define POLLERR     0x008
#define POLLHUP     0x010
#define POLLNVAL    0x020
#define POLLRDNORM  0x040
#define POLLRDBAND  0x080
#define POLLWRNORM  0x100
#define POLLWRBAND  0x200
#define POLLRDHUP   0x2000

/* epoll. struct epoll_event is 16 bytes on riscv64 (events, 4 bytes of
 * padding, data): only x86-64 packs it into 12. */
#define EPOLL_CLOEXEC   02000000
#define EPOLL_CTL_ADD   1
#define EPOLL_CTL_DEL   2
#define EPOLL_CTL_MOD   3
#define EPOLLIN         0x001
#define EPOLLPRI        0x002
#define EPOLLOUT        0x004
#define EPOLLERR        0x008
#define EPOLLHUP        0x010
#define EPOLLRDNORM     0x040
#define EPOLLRDBAND     0x080
#define EPOLLWRNORM     0x100
#define EPOLLWRBAND     0x200
#define EPOLLMSG        0x400
#define EPOLLRDHUP      0x2000
#define EPOLLEXCLUSIVE  (1U << 28)
#define EPOLLWAKEUP     (1U << 29)
#define EPOLLONESHOT    (1U << 30)
#define EPOLLET         (1U << 31)
typedef union epoll_data { void *ptr; int fd; uint32_t u32; uint64_t u64; } epoll_data_t;
struct epoll_event { uint32_t events; epoll_data_t data; };
_Static_assert(sizeof(struct epoll_event) == 16, "riscv64's epoll_event is not packed");

/* pselect (a copy of the timeout is passed, so *timeout is left alone, as
 * in C libraries); sigmask may be NULL. */
static inline int pselect(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
                          const struct timespec *timeout, const void *sigmask)
{
    struct timespec copy;
    unsigned long pack[2] = { (unsigned long)sigmask, 8 };
    if (timeout)
        copy = *timeout;
    return (int)interleave_syscall(SYS_pselect6, nfds, (long)readfds, (long)writefds, (long)exceptfds,
                                   timeout ? (long)&copy : 0, sigmask ? (long)pack : 0);
}

static inline int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const void *sigmask)
{
    struct timespec copy;
    if (timeout)
        copy = *timeout;
    return (int)interleave_syscall(SYS_ppoll, (long)fds, (long)nfds, timeout ? (long)&copy : 0, (long)sigmask, 8, 0);
}

/* poll: timeout in milliseconds, negative for none. */
static inline int poll(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
    struct timespec timeout = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };
    return (int)interleave_syscall(SYS_ppoll, (long)fds, (long)nfds, timeout_ms < 0 ? 0 : (long)&timeout, 0, 8, 0);
}

static inline int epoll_create1(int flags)
{
    return (int)interleave_syscall(SYS_epoll_create1, flags, 0, 0, 0, 0, 0);
}

static inline int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
    return (int)interleave_syscall(SYS_epoll_ctl, epfd, op, fd, (long)event, 0, 0);
}

/* epoll_wait: timeout in milliseconds, -1 for none. */
static inline int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout_ms)
{
    return (int)interleave_syscall(SYS_epoll_pwait, epfd, (long)events, maxevents, timeout_ms, 0, 8);
}

static inline int epoll_pwait(int epfd, struct epoll_event *events, int maxevents, int timeout_ms,
                              const void *sigmask)
{
    return (int)interleave_syscall(SYS_epoll_pwait, epfd, (long)events, maxevents, timeout_ms, (long)sigmask, 8);
}

static inline int epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,
                               const struct timespec *timeout, const void *sigmask)
{
    return (int)interleave_syscall(SYS_epoll_pwait2, epfd, (long)events, maxevents, (long)timeout, (long)sigmask, 8);
}
/* ---- end of readiness ------------------------------------------------------ */

/* Random bytes from the getrandom system call (seeded by the kernel). */
void arc4random_buf(void *buffer, size_t count);
uint32_t arc4random(void);
uint32_t arc4random_uniform(uint32_t upper_bound);

/* Math: correctly rounded, IEEE edge cases (NaN, ±0, ±inf) as C specifies. */
double sqrt(double x);
float sqrtf(float x);
double fabs(double x);
float fabsf(float x);
double copysign(double magnitude, double sign);
float copysignf(float magnitude, float sign);
double ceil(double x);
float ceilf(float x);
double floor(double x);
float floorf(float x);
double trunc(double x);
float truncf(float x);
double round(double x);
float roundf(float x);
double roundeven(double x);
float roundevenf(float x);
double rint(double x);
float rintf(float x);
double nearbyint(double x);
float nearbyintf(float x);
double fmin(double x, double y);
float fminf(float x, float y);
double fmax(double x, double y);
float fmaxf(float x, float y);
double fma(double x, double y, double z);
float fmaf(float x, float y, float z);
double fmod(double x, double y);
float fmodf(float x, float y);
double remainder(double x, double y);
float remainderf(float x, float y);

#ifdef __cplusplus
}
#endif

#endif /* INTERLEAVE_H */
