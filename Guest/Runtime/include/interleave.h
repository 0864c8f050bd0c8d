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

/* ---- Files (issue 14, files part): numbers, flags and records of the file calls. ----
 * Call them with interleave_syscall; results are -errno on failure, as everywhere.
 * Each name is guarded, so other blocks may define the same ones. */
#ifndef SYS_getcwd
#define SYS_getcwd 17
#endif
#ifndef SYS_dup
#define SYS_dup 23
#endif
#ifndef SYS_dup3
#define SYS_dup3 24
#endif
#ifndef SYS_fcntl
#define SYS_fcntl 25
#endif
#ifndef SYS_mkdirat
#define SYS_mkdirat 34
#endif
#ifndef SYS_unlinkat
#define SYS_unlinkat 35
#endif
#ifndef SYS_ftruncate
#define SYS_ftruncate 46
#endif
#ifndef SYS_faccessat
#define SYS_faccessat 48
#endif
#ifndef SYS_chdir
#define SYS_chdir 49
#endif
#ifndef SYS_openat
#define SYS_openat 56
#endif
#ifndef SYS_close
#define SYS_close 57
#endif
#ifndef SYS_getdents64
#define SYS_getdents64 61
#endif
#ifndef SYS_lseek
#define SYS_lseek 62
#endif
#ifndef SYS_readv
#define SYS_readv 65
#endif
#ifndef SYS_writev
#define SYS_writev 66
#endif
#ifndef SYS_pread64
#define SYS_pread64 67
#endif
#ifndef SYS_pwrite64
#define SYS_pwrite64 68
#endif
#ifndef SYS_newfstatat
#define SYS_newfstatat 79
#endif
#ifndef SYS_fstat
#define SYS_fstat 80
#endif
#ifndef SYS_fsync
#define SYS_fsync 82
#endif
#ifndef SYS_fdatasync
#define SYS_fdatasync 83
#endif
#ifndef SYS_getrlimit
#define SYS_getrlimit 163
#endif
#ifndef SYS_setrlimit
#define SYS_setrlimit 164
#endif
#ifndef SYS_prlimit64
#define SYS_prlimit64 261
#endif
#ifndef SYS_renameat2
#define SYS_renameat2 276
#endif

#ifndef O_RDONLY
#define O_RDONLY 00
#endif
#ifndef O_WRONLY
#define O_WRONLY 01
#endif
#ifndef O_RDWR
#define O_RDWR 02
#endif
#ifndef O_CREAT
#define O_CREAT 0100
#endif
#ifndef O_EXCL
#define O_EXCL 0200
#endif
#ifndef O_NOCTTY
#define O_NOCTTY 0400
#endif
#ifndef O_TRUNC
#define O_TRUNC 01000
#endif
#ifndef O_APPEND
#define O_APPEND 02000
#endif
#ifndef O_NONBLOCK
#define O_NONBLOCK 04000
#endif
#ifndef O_LARGEFILE
#define O_LARGEFILE 0100000
#endif
#ifndef O_DIRECTORY
#define O_DIRECTORY 0200000
#endif
#ifndef O_NOFOLLOW
#define O_NOFOLLOW 0400000
#endif
#ifndef O_CLOEXEC
#define O_CLOEXEC 02000000
#endif

#ifndef AT_FDCWD
#define AT_FDCWD (-100)
#endif
#ifndef AT_SYMLINK_NOFOLLOW
#define AT_SYMLINK_NOFOLLOW 0x100
#endif
#ifndef AT_REMOVEDIR
#define AT_REMOVEDIR 0x200
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif

#ifndef SEEK_SET
#define SEEK_SET 0
#endif
#ifndef SEEK_CUR
#define SEEK_CUR 1
#endif
#ifndef SEEK_END
#define SEEK_END 2
#endif
#ifndef SEEK_DATA
#define SEEK_DATA 3
#endif
#ifndef SEEK_HOLE
#define SEEK_HOLE 4
#endif

#ifndef F_OK
#define F_OK 0
#endif
#ifndef X_OK
#define X_OK 1
#endif
#ifndef W_OK
#define W_OK 2
#endif
#ifndef R_OK
#define R_OK 4
#endif

#ifndef F_DUPFD
#define F_DUPFD 0
#endif
#ifndef F_GETFD
#define F_GETFD 1
#endif
#ifndef F_SETFD
#define F_SETFD 2
#endif
#ifndef F_GETFL
#define F_GETFL 3
#endif
#ifndef F_SETFL
#define F_SETFL 4
#endif
#ifndef F_DUPFD_CLOEXEC
#define F_DUPFD_CLOEXEC 1030
#endif
#ifndef FD_CLOEXEC
#define FD_CLOEXEC 1
#endif

#ifndef RLIMIT_NOFILE
#define RLIMIT_NOFILE 7
#endif

#ifndef S_IFMT
#define S_IFMT 0170000
#endif
#ifndef S_IFSOCK
#define S_IFSOCK 0140000
#endif
#ifndef S_IFREG
#define S_IFREG 0100000
#endif
#ifndef S_IFDIR
#define S_IFDIR 0040000
#endif
#ifndef S_IFCHR
#define S_IFCHR 0020000
#endif
#ifndef S_IFIFO
#define S_IFIFO 0010000
#endif

#ifndef DT_DIR
#define DT_DIR 4
#endif
#ifndef DT_REG
#define DT_REG 8
#endif

#ifndef ENOENT
#define ENOENT 2
#endif
#ifndef EBADF
#define EBADF 9
#endif
#ifndef EACCES
#define EACCES 13
#endif
#ifndef EEXIST
#define EEXIST 17
#endif
#ifndef EXDEV
#define EXDEV 18
#endif
#ifndef ENOTDIR
#define ENOTDIR 20
#endif
#ifndef EISDIR
#define EISDIR 21
#endif
#ifndef EMFILE
#define EMFILE 24
#endif
#ifndef EFBIG
#define EFBIG 27
#endif
#ifndef ENOSPC
#define ENOSPC 28
#endif
#ifndef ESPIPE
#define ESPIPE 29
#endif
#ifndef EROFS
#define EROFS 30
#endif
#ifndef ERANGE
#define ERANGE 34
#endif
#ifndef ENAMETOOLONG
#define ENAMETOOLONG 36
#endif
#ifndef ENOTEMPTY
#define ENOTEMPTY 39
#endif
#ifndef ENXIO
#define ENXIO 6
#endif
#ifndef EBUSY
#define EBUSY 16
#endif

/* riscv64's struct stat (asm-generic: 128 bytes). */
struct stat {
    unsigned long st_dev;
    unsigned long st_ino;
    unsigned int st_mode;
    unsigned int st_nlink;
    unsigned int st_uid;
    unsigned int st_gid;
    unsigned long st_rdev;
    unsigned long __pad1;
    long st_size;
    int st_blksize;
    int __pad2;
    long st_blocks;
    long st_atime;
    unsigned long st_atime_nsec;
    long st_mtime;
    unsigned long st_mtime_nsec;
    long st_ctime;
    unsigned long st_ctime_nsec;
    unsigned int __unused4;
    unsigned int __unused5;
};

/* One record of getdents64; d_reclen bytes long (a multiple of 8). */
struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* ---- End of files. ---- */

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

/* ---- Readiness extras (issue 14, readiness part) ----------------------------
 * The poll bits, epoll flags and call numbers of pselect6, ppoll and epoll that
 * the I/O block may leave out; each guarded, so any block may define them too.
 * struct epoll_event is 16 bytes on riscv64 (u32 events, 4 bytes of padding,
 * u64 data): only x86-64 packs it into 12. */
#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2   441
#endif
#ifndef POLLRDNORM
#define POLLRDNORM   0x040
#define POLLRDBAND   0x080
#define POLLWRNORM   0x100
#define POLLWRBAND   0x200
#endif
#ifndef EPOLLRDNORM
#define EPOLLRDNORM  0x040
#define EPOLLRDBAND  0x080
#define EPOLLWRNORM  0x100
#define EPOLLWRBAND  0x200
#define EPOLLMSG     0x400
#endif
#ifndef EPOLLWAKEUP
#define EPOLLWAKEUP  (1U << 29)
#endif
/* ---- end of readiness extras ---------------------------------------------- */

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

/* ---- I/O: descriptors, pipes, sockets, readiness (guest library part; Guest/Runtime/io.c) ----
 * POSIX-named wrappers over the Linux riscv64 calls, so a C program uses pipes,
 * sockets and epoll without writing interleave_syscall. There is no errno variable:
 * each returns what the system call returns, the result or -errno (e.g. -EAGAIN).
 * This block comes last: every constant is guarded, and what the pipes block
 * defines already (pipe2 and eventfd, inline), found by SIGNAL_BIT, which only
 * it defines, is declared here only when that block is absent. */
#ifdef __cplusplus
extern "C" {
#endif

#ifndef SYS_eventfd2
#define SYS_eventfd2 19
#endif
#ifndef SYS_epoll_create1
#define SYS_epoll_create1 20
#endif
#ifndef SYS_epoll_ctl
#define SYS_epoll_ctl 21
#endif
#ifndef SYS_epoll_pwait
#define SYS_epoll_pwait 22
#endif
#ifndef SYS_pipe2
#define SYS_pipe2 59
#endif
#ifndef SYS_pselect6
#define SYS_pselect6 72
#endif
#ifndef SYS_ppoll
#define SYS_ppoll 73
#endif
#ifndef SYS_rt_sigaction
#define SYS_rt_sigaction 134
#endif
#ifndef SYS_socket
#define SYS_socket 198
#endif
#ifndef SYS_socketpair
#define SYS_socketpair 199
#endif
#ifndef SYS_bind
#define SYS_bind 200
#endif
#ifndef SYS_listen
#define SYS_listen 201
#endif
#ifndef SYS_accept
#define SYS_accept 202
#endif
#ifndef SYS_connect
#define SYS_connect 203
#endif
#ifndef SYS_getsockname
#define SYS_getsockname 204
#endif
#ifndef SYS_getpeername
#define SYS_getpeername 205
#endif
#ifndef SYS_sendto
#define SYS_sendto 206
#endif
#ifndef SYS_recvfrom
#define SYS_recvfrom 207
#endif
#ifndef SYS_setsockopt
#define SYS_setsockopt 208
#endif
#ifndef SYS_getsockopt
#define SYS_getsockopt 209
#endif
#ifndef SYS_shutdown
#define SYS_shutdown 210
#endif
#ifndef SYS_sendmsg
#define SYS_sendmsg 211
#endif
#ifndef SYS_recvmsg
#define SYS_recvmsg 212
#endif
#ifndef SYS_accept4
#define SYS_accept4 242
#endif

#ifndef EPERM
#define EPERM 1
#endif
#ifndef ENFILE
#define ENFILE 23
#endif
#ifndef EPIPE
#define EPIPE 32
#endif
#ifndef ENOBUFS
#define ENOBUFS 105
#endif
#ifndef ETIMEDOUT
#define ETIMEDOUT 110
#endif

typedef long ssize_t;
typedef long off_t;
typedef uint32_t socklen_t;
typedef uint16_t sa_family_t;
typedef uint16_t in_port_t;
typedef uint32_t in_addr_t;

#ifndef INTERLEAVE_STRUCT_TIMESPEC
#define INTERLEAVE_STRUCT_TIMESPEC
struct timespec { long tv_sec; long tv_nsec; };
#endif
#ifndef INTERLEAVE_STRUCT_TIMEVAL
#define INTERLEAVE_STRUCT_TIMEVAL
struct timeval { long tv_sec; long tv_usec; };
#endif

/* Descriptors and files. */
struct iovec { void *iov_base; size_t iov_len; };
struct rlimit { unsigned long rlim_cur; unsigned long rlim_max; };

ssize_t read(int fd, void *buffer, size_t count);
ssize_t write(int fd, const void *buffer, size_t count);
ssize_t readv(int fd, const struct iovec *vector, int count);
ssize_t writev(int fd, const struct iovec *vector, int count);
ssize_t pread(int fd, void *buffer, size_t count, off_t offset);
ssize_t pwrite(int fd, const void *buffer, size_t count, off_t offset);
off_t lseek(int fd, off_t offset, int whence);
int open(const char *path, int flags, ...);            /* a mode follows with O_CREAT */
int openat(int directory, const char *path, int flags, ...);
int close(int fd);
int dup(int fd);
int dup2(int fd, int target);
int dup3(int fd, int target, int flags);
int fcntl(int fd, int command, ...);                   /* one long argument where the command takes one */
int fsync(int fd);
int ftruncate(int fd, off_t length);
int unlink(const char *path);
int mkdir(const char *path, unsigned mode);
int rmdir(const char *path);
int getrlimit(int resource, struct rlimit *limit);     /* RLIMIT_NOFILE: the descriptor limit */
int setrlimit(int resource, const struct rlimit *limit);

/* Pipes, eventfd, SIGPIPE. */
#ifndef EFD_SEMAPHORE
#define EFD_SEMAPHORE 1
#endif
#ifndef EFD_NONBLOCK
#define EFD_NONBLOCK O_NONBLOCK
#endif
#ifndef EFD_CLOEXEC
#define EFD_CLOEXEC O_CLOEXEC
#endif
#ifndef SIGPIPE
#define SIGPIPE 13
#endif
int pipe(int ends[2]);                                 /* ends[0] reads, ends[1] writes */
#ifndef SIGNAL_BIT
int pipe2(int ends[2], int flags);
int eventfd(unsigned initial, int flags);
#endif
int interleave_signal_ignore(int signal);              /* SIG_IGN: EPIPE instead of an ending */
int interleave_signal_default(int signal);             /* SIG_DFL */

/* Sockets. */
#ifndef AF_UNSPEC
#define AF_UNSPEC 0
#endif
#ifndef AF_UNIX
#define AF_UNIX 1
#endif
#ifndef AF_LOCAL
#define AF_LOCAL AF_UNIX
#endif
#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef PF_UNIX
#define PF_UNIX AF_UNIX
#endif
#ifndef PF_INET
#define PF_INET AF_INET
#endif
#ifndef SOCK_STREAM
#define SOCK_STREAM 1
#endif
#ifndef SOCK_DGRAM
#define SOCK_DGRAM 2
#endif
#ifndef SOCK_NONBLOCK
#define SOCK_NONBLOCK O_NONBLOCK
#endif
#ifndef SOCK_CLOEXEC
#define SOCK_CLOEXEC O_CLOEXEC
#endif
#ifndef SOL_SOCKET
#define SOL_SOCKET 1
#endif
#ifndef SO_REUSEADDR
#define SO_REUSEADDR 2
#endif
#ifndef SO_TYPE
#define SO_TYPE 3
#endif
#ifndef SO_ERROR
#define SO_ERROR 4
#endif
#ifndef SO_SNDBUF
#define SO_SNDBUF 7
#endif
#ifndef SO_RCVBUF
#define SO_RCVBUF 8
#endif
#ifndef SO_KEEPALIVE
#define SO_KEEPALIVE 9
#endif
#ifndef SO_REUSEPORT
#define SO_REUSEPORT 15
#endif
#ifndef SO_ACCEPTCONN
#define SO_ACCEPTCONN 30
#endif
#ifndef IPPROTO_IP
#define IPPROTO_IP 0
#endif
#ifndef IPPROTO_TCP
#define IPPROTO_TCP 6
#endif
#ifndef IPPROTO_UDP
#define IPPROTO_UDP 17
#endif
#ifndef TCP_NODELAY
#define TCP_NODELAY 1
#endif
#ifndef MSG_PEEK
#define MSG_PEEK 0x2
#endif
#ifndef MSG_DONTWAIT
#define MSG_DONTWAIT 0x40
#endif
#ifndef MSG_WAITALL
#define MSG_WAITALL 0x100
#endif
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0x4000
#endif
#ifndef SHUT_RD
#define SHUT_RD 0
#endif
#ifndef SHUT_WR
#define SHUT_WR 1
#endif
#ifndef SHUT_RDWR
#define SHUT_RDWR 2
#endif
#ifndef INADDR_ANY
#define INADDR_ANY ((in_addr_t)0x00000000)
#endif
#ifndef INADDR_LOOPBACK
#define INADDR_LOOPBACK ((in_addr_t)0x7f000001)
#endif

struct sockaddr { sa_family_t sa_family; char sa_data[14]; };
struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; };
struct in_addr { in_addr_t s_addr; };                  /* network byte order */
struct sockaddr_in {
    sa_family_t sin_family;
    in_port_t sin_port;                                /* network byte order */
    struct in_addr sin_addr;
    unsigned char sin_zero[8];
};
struct sockaddr_storage { sa_family_t ss_family; char ss_data[126]; } __attribute__((aligned(8)));
struct msghdr {
    void *msg_name;
    socklen_t msg_namelen;
    struct iovec *msg_iov;
    size_t msg_iovlen;
    void *msg_control;
    size_t msg_controllen;
    int msg_flags;
};

/* Control messages (sendmsg/recvmsg): SCM_RIGHTS carries descriptors. */
struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; };
#ifndef SCM_RIGHTS
#define SCM_RIGHTS 1
#endif
#ifndef MSG_CMSG_CLOEXEC
#define MSG_CMSG_CLOEXEC 0x40000000
#endif
#define CMSG_ALIGN(length) (((length) + sizeof(size_t) - 1) & ~(sizeof(size_t) - 1))
#define CMSG_SPACE(length) (CMSG_ALIGN(sizeof(struct cmsghdr)) + CMSG_ALIGN(length))
#define CMSG_LEN(length)   (CMSG_ALIGN(sizeof(struct cmsghdr)) + (length))
#define CMSG_DATA(header)  ((unsigned char *)(header) + CMSG_ALIGN(sizeof(struct cmsghdr)))
#define CMSG_FIRSTHDR(message) \
    ((message)->msg_controllen >= sizeof(struct cmsghdr) ? (struct cmsghdr *)(message)->msg_control : NULL)
#define CMSG_NXTHDR(message, header) \
    ((unsigned char *)(header) + CMSG_ALIGN((header)->cmsg_len) + sizeof(struct cmsghdr) > \
     (unsigned char *)(message)->msg_control + (message)->msg_controllen \
     ? NULL : (struct cmsghdr *)((unsigned char *)(header) + CMSG_ALIGN((header)->cmsg_len)))

/* Byte order: riscv64 is little-endian, the network big-endian. */
static inline uint16_t htons(uint16_t x) { return __builtin_bswap16(x); }
static inline uint16_t ntohs(uint16_t x) { return __builtin_bswap16(x); }
static inline uint32_t htonl(uint32_t x) { return __builtin_bswap32(x); }
static inline uint32_t ntohl(uint32_t x) { return __builtin_bswap32(x); }

int socket(int family, int type, int protocol);
int socketpair(int family, int type, int protocol, int ends[2]);
int bind(int fd, const struct sockaddr *address, socklen_t length);
int listen(int fd, int backlog);
int accept(int fd, struct sockaddr *address, socklen_t *length);
int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);
int connect(int fd, const struct sockaddr *address, socklen_t length);
ssize_t send(int fd, const void *buffer, size_t count, int flags);
ssize_t recv(int fd, void *buffer, size_t count, int flags);
ssize_t sendto(int fd, const void *buffer, size_t count, int flags,
               const struct sockaddr *address, socklen_t length);
ssize_t recvfrom(int fd, void *buffer, size_t count, int flags,
                 struct sockaddr *address, socklen_t *length);
ssize_t sendmsg(int fd, const struct msghdr *message, int flags);
ssize_t recvmsg(int fd, struct msghdr *message, int flags);
int shutdown(int fd, int how);
int getsockname(int fd, struct sockaddr *address, socklen_t *length);
int getpeername(int fd, struct sockaddr *address, socklen_t *length);
int setsockopt(int fd, int level, int name, const void *value, socklen_t length);
int getsockopt(int fd, int level, int name, void *value, socklen_t *length);

/* Readiness: poll, select (descriptors 0...FD_SETSIZE-1 only), epoll. */
#ifndef POLLIN
#define POLLIN 0x001
#endif
#ifndef POLLPRI
#define POLLPRI 0x002
#endif
#ifndef POLLOUT
#define POLLOUT 0x004
#endif
#ifndef POLLERR
#define POLLERR 0x008
#endif
#ifndef POLLHUP
#define POLLHUP 0x010
#endif
#ifndef POLLNVAL
#define POLLNVAL 0x020
#endif
#ifndef POLLRDHUP
#define POLLRDHUP 0x2000
#endif
#ifndef EPOLLIN
#define EPOLLIN 0x001
#endif
#ifndef EPOLLPRI
#define EPOLLPRI 0x002
#endif
#ifndef EPOLLOUT
#define EPOLLOUT 0x004
#endif
#ifndef EPOLLERR
#define EPOLLERR 0x008
#endif
#ifndef EPOLLHUP
#define EPOLLHUP 0x010
#endif
#ifndef EPOLLRDHUP
#define EPOLLRDHUP 0x2000
#endif
#ifndef EPOLLEXCLUSIVE
#define EPOLLEXCLUSIVE (1U << 28)
#endif
#ifndef EPOLLONESHOT
#define EPOLLONESHOT (1U << 30)
#endif
#ifndef EPOLLET
#define EPOLLET (1U << 31)
#endif
#ifndef EPOLL_CTL_ADD
#define EPOLL_CTL_ADD 1
#endif
#ifndef EPOLL_CTL_DEL
#define EPOLL_CTL_DEL 2
#endif
#ifndef EPOLL_CTL_MOD
#define EPOLL_CTL_MOD 3
#endif
#ifndef EPOLL_CLOEXEC
#define EPOLL_CLOEXEC 02000000
#endif
#ifndef FD_SETSIZE
#define FD_SETSIZE 1024
#endif
typedef unsigned long nfds_t;
struct pollfd { int fd; short events; short revents; };
typedef union epoll_data { void *ptr; int fd; uint32_t u32; uint64_t u64; } epoll_data_t;
struct epoll_event { uint32_t events; epoll_data_t data; };   /* 16 bytes: not packed on riscv64 */
typedef struct { unsigned long fds_bits[FD_SETSIZE / 64]; } fd_set;
#define FD_ZERO(set)      memset((set), 0, sizeof(fd_set))
#define FD_SET(fd, set)   ((set)->fds_bits[(fd) / 64] |= 1UL << ((fd) % 64))
#define FD_CLR(fd, set)   ((set)->fds_bits[(fd) / 64] &= ~(1UL << ((fd) % 64)))
#define FD_ISSET(fd, set) ((int)(((set)->fds_bits[(fd) / 64] >> ((fd) % 64)) & 1))
int poll(struct pollfd *fds, nfds_t count, int timeout_ms);
int ppoll(struct pollfd *fds, nfds_t count, const struct timespec *timeout, const void *signal_mask);
int pselect(int count, fd_set *readable, fd_set *writable, fd_set *exceptional,
            const struct timespec *timeout, const void *signal_mask);
int epoll_create1(int flags);
int epoll_ctl(int epoll, int operation, int fd, struct epoll_event *event);
int epoll_wait(int epoll, struct epoll_event *events, int capacity, int timeout_ms);
int epoll_pwait(int epoll, struct epoll_event *events, int capacity, int timeout_ms, const void *signal_mask);
int select(int count, fd_set *readable, fd_set *writable, fd_set *exceptional, struct timeval *timeout);
int epoll_create(int size);

#ifdef __cplusplus
}
#endif
/* ---- end of the I/O block ---- */

/* ---- The accelerator (issue 19): the driver's calls (Kernel/AcceleratorCalls.swift) ----
 * A context is the process's own address space on the device; buffers are device
 * addresses in it; a kernel is `void kernel(uint64_t index, uint64_t argument)`, a
 * function of this program (the device runs a copy of the program's image at the same
 * addresses). Each call returns its result or -errno: -ENODEV no accelerator (run with
 * --accelerator), -EBADF not a context of this process, -ENOMEM device memory full,
 * -EINVAL a bad size, group or address, -EFAULT a bad pointer in process memory,
 * -EMFILE too many contexts, -EAGAIN 256 submissions unfinished, -EIO the context
 * faulted earlier. accel_wait blocks the thread and answers 0, -EFAULT (a lane
 * faulted; the kernel reports where) or -ETIMEDOUT (the watchdog reset the context;
 * it takes new work). */
#ifdef __cplusplus
extern "C" {
#endif
#ifndef EIO
#define EIO 5
#endif
#ifndef EBADF
#define EBADF 9
#endif
#ifndef ENODEV
#define ENODEV 19
#endif
#ifndef EMFILE
#define EMFILE 24
#endif
#ifndef ETIMEDOUT
#define ETIMEDOUT 110
#endif
#define SYS_accel_create   0x1050
#define SYS_accel_destroy  0x1051
#define SYS_accel_alloc    0x1052
#define SYS_accel_free     0x1053
#define SYS_accel_copy_in  0x1054
#define SYS_accel_copy_out 0x1055
#define SYS_accel_submit   0x1056
#define SYS_accel_wait     0x1057

typedef void (*accel_kernel)(uint64_t index, uint64_t argument);

/* A new context: its handle (1, 2, ...). */
static inline long accel_create(void)
{
    return interleave_syscall(SYS_accel_create, 0, 0, 0, 0, 0, 0);
}

/* Frees the context and all its device memory; running work is dropped. */
static inline long accel_destroy(long ctx)
{
    return interleave_syscall(SYS_accel_destroy, ctx, 0, 0, 0, 0, 0);
}

/* `bytes` of zeroed device memory (whole pages): its device address. */
static inline long accel_alloc(long ctx, size_t bytes)
{
    return interleave_syscall(SYS_accel_alloc, ctx, (long)bytes, 0, 0, 0, 0);
}

static inline long accel_free(long ctx, uint64_t device)
{
    return interleave_syscall(SYS_accel_free, ctx, (long)device, 0, 0, 0, 0);
}

/* Copies `length` bytes of process memory to the device at once. */
static inline long accel_copy_in(long ctx, uint64_t device, const void *source, size_t length)
{
    return interleave_syscall(SYS_accel_copy_in, ctx, (long)device, (long)source, (long)length, 0, 0);
}

/* Copies `length` bytes of the device to process memory at once. */
static inline long accel_copy_out(long ctx, void *destination, uint64_t device, size_t length)
{
    return interleave_syscall(SYS_accel_copy_out, ctx, (long)destination, (long)device, (long)length, 0, 0);
}

/* Queues kernel(index, argument) for index 0..items-1 in work-groups of `group`
 * after the context's earlier submissions: the submission's number (from 1). */
static inline long accel_submit(long ctx, accel_kernel kernel, uint64_t items, uint64_t group, uint64_t argument)
{
    return interleave_syscall(SYS_accel_submit, ctx, (long)kernel, (long)items, (long)group, (long)argument, 0);
}

/* Blocks until the submission ended: 0, -EFAULT (faulted) or -ETIMEDOUT (reset). */
static inline long accel_wait(long ctx, long submission)
{
    return interleave_syscall(SYS_accel_wait, ctx, submission, 0, 0, 0, 0);
}
#ifdef __cplusplus
}
#endif
/* ---- end of the accelerator ---- */

#endif /* INTERLEAVE_H */
