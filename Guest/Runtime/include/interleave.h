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

/* ---- Sockets (issue 14, sockets part): call numbers and constants --------
 * The socket calls' Linux riscv64 numbers, and the constants and errnos their
 * checks use. Each name is guarded, so the guest library's I/O block (which
 * has the structs and the POSIX wrappers) may define it too with the same
 * value. Raw calls: interleave_syscall(SYS_socket, ...) returns -errno. */
#ifndef SYS_socket
#define SYS_socket         198
#define SYS_socketpair     199
#define SYS_bind           200
#define SYS_listen         201
#define SYS_accept         202
#define SYS_connect        203
#define SYS_getsockname    204
#define SYS_getpeername    205
#define SYS_sendto         206
#define SYS_recvfrom       207
#define SYS_setsockopt     208
#define SYS_getsockopt     209
#define SYS_shutdown       210
#define SYS_sendmsg        211
#define SYS_recvmsg        212
#define SYS_accept4        242
#endif
#ifndef MSG_OOB
#define MSG_OOB       0x1
#endif
#ifndef MSG_TRUNC
#define MSG_TRUNC     0x20
#endif
#ifndef MSG_CTRUNC
#define MSG_CTRUNC    0x8
#endif
#ifndef SO_BROADCAST
#define SO_BROADCAST  6
#endif
#ifndef SO_PROTOCOL
#define SO_PROTOCOL   38
#endif
#ifndef SO_DOMAIN
#define SO_DOMAIN     39
#endif
#ifndef SOMAXCONN
#define SOMAXCONN     4096
#endif
#ifndef ENOTSOCK
#define ENOTSOCK        88
#endif
#ifndef EDESTADDRREQ
#define EDESTADDRREQ    89
#endif
#ifndef EMSGSIZE
#define EMSGSIZE        90
#endif
#ifndef EPROTOTYPE
#define EPROTOTYPE      91
#endif
#ifndef ENOPROTOOPT
#define ENOPROTOOPT     92
#endif
#ifndef EPROTONOSUPPORT
#define EPROTONOSUPPORT 93
#endif
#ifndef ESOCKTNOSUPPORT
#define ESOCKTNOSUPPORT 94
#endif
#ifndef EOPNOTSUPP
#define EOPNOTSUPP      95
#endif
#ifndef EAFNOSUPPORT
#define EAFNOSUPPORT    97
#endif
#ifndef EADDRINUSE
#define EADDRINUSE      98
#endif
#ifndef EADDRNOTAVAIL
#define EADDRNOTAVAIL   99
#endif
#ifndef ENETUNREACH
#define ENETUNREACH     101
#endif
#ifndef ECONNABORTED
#define ECONNABORTED    103
#endif
#ifndef ECONNRESET
#define ECONNRESET      104
#endif
#ifndef EISCONN
#define EISCONN         106
#endif
#ifndef ENOTCONN
#define ENOTCONN        107
#endif
#ifndef ECONNREFUSED
#define ECONNREFUSED    111
#endif
#ifndef EALREADY
#define EALREADY        114
#endif
#ifndef EINPROGRESS
#define EINPROGRESS     115
#endif
/* ---- end of the sockets block ---- */

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

/* ---- Pipes, eventfd and SIGPIPE (issue 14, pipes part) -------------------
 * Raw calls with Linux riscv64 numbers; each returns its result or -errno. */
#define SYS_eventfd2       19
#define SYS_dup            23
#define SYS_dup3           24
#define SYS_fcntl          25
#define SYS_close          57
#define SYS_pipe2          59
#define SYS_fstat          80
#define SYS_rt_sigaction   134
#define SYS_rt_sigprocmask 135

#define O_NONBLOCK     04000
#define O_CLOEXEC      02000000
#define EFD_SEMAPHORE  1
#define EFD_NONBLOCK   O_NONBLOCK
#define EFD_CLOEXEC    O_CLOEXEC
#define F_GETFD        1
#define F_SETFD        2
#define F_GETFL        3
#define F_SETFL        4
#define FD_CLOEXEC     1
#define F_SETPIPE_SZ   1031
#define F_GETPIPE_SZ   1032
#define PIPE_BUF       4096

#define EBADF   9
#define EBUSY   16
#define EPERM   1
#define EMFILE  24
#define EPIPE   32

#define SIGKILL 9
#define SIGUSR1 10
#define SIGPIPE 13
#define SIGSTOP 19
#define SIG_DFL ((unsigned long)0)
#define SIG_IGN ((unsigned long)1)
#define SIG_BLOCK    0
#define SIG_UNBLOCK  1
#define SIG_SETMASK  2
#define SA_RESTART   0x10000000UL
#define SIGNAL_BIT(signal) (1ULL << ((signal) - 1))

/* riscv64's struct sigaction as the kernel reads it (no sa_restorer). */
struct kernel_sigaction {
    unsigned long handler;   /* SIG_DFL, SIG_IGN or a function (stored; not run yet) */
    unsigned long flags;
    uint64_t mask;
};

static inline int pipe2(int fds[2], int flags)
{
    return (int)interleave_syscall(SYS_pipe2, (long)fds, flags, 0, 0, 0, 0);
}

static inline int eventfd(unsigned int initval, int flags)
{
    return (int)interleave_syscall(SYS_eventfd2, (long)initval, flags, 0, 0, 0, 0);
}

static inline int rt_sigaction(int signal, const struct kernel_sigaction *action,
                               struct kernel_sigaction *old)
{
    return (int)interleave_syscall(SYS_rt_sigaction, signal, (long)action, (long)old, 8, 0, 0);
}

static inline int rt_sigprocmask(int how, const uint64_t *set, uint64_t *old)
{
    return (int)interleave_syscall(SYS_rt_sigprocmask, how, (long)set, (long)old, 8, 0, 0);
}
/* ---- end of pipes, eventfd and SIGPIPE ----------------------------------- */

#ifdef __cplusplus
}
#endif

#endif /* INTERLEAVE_H */
