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
 * Call them with interleave_syscall; results are -errno on failure, as everywhere. */
#define SYS_getcwd         17
#define SYS_dup            23
#define SYS_dup3           24
#define SYS_fcntl          25
#define SYS_mkdirat        34
#define SYS_unlinkat       35
#define SYS_ftruncate      46
#define SYS_faccessat      48
#define SYS_chdir          49
#define SYS_openat         56
#define SYS_close          57
#define SYS_getdents64     61
#define SYS_lseek          62
#define SYS_readv          65
#define SYS_writev         66
#define SYS_pread64        67
#define SYS_pwrite64       68
#define SYS_newfstatat     79
#define SYS_fstat          80
#define SYS_fsync          82
#define SYS_fdatasync      83
#define SYS_getrlimit      163
#define SYS_setrlimit      164
#define SYS_prlimit64      261
#define SYS_renameat2      276

#define O_RDONLY     00
#define O_WRONLY     01
#define O_RDWR       02
#define O_CREAT      0100
#define O_EXCL       0200
#define O_NOCTTY     0400
#define O_TRUNC      01000
#define O_APPEND     02000
#define O_NONBLOCK   04000
#define O_LARGEFILE  0100000
#define O_DIRECTORY  0200000
#define O_NOFOLLOW   0400000
#define O_CLOEXEC    02000000

#define AT_FDCWD            (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR        0x200
#define AT_EMPTY_PATH       0x1000
#define RENAME_NOREPLACE    1

#define SEEK_SET  0
#define SEEK_CUR  1
#define SEEK_END  2
#define SEEK_DATA 3
#define SEEK_HOLE 4

#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4

#define F_DUPFD         0
#define F_GETFD         1
#define F_SETFD         2
#define F_GETFL         3
#define F_SETFL         4
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC      1

#define RLIMIT_NOFILE 7

#define S_IFMT   0170000
#define S_IFSOCK 0140000
#define S_IFREG  0100000
#define S_IFDIR  0040000
#define S_IFCHR  0020000
#define S_IFIFO  0010000

#define DT_DIR 4
#define DT_REG 8

#define ENOENT        2
#define EBADF         9
#define EACCES        13
#define EEXIST        17
#define EXDEV         18
#define ENOTDIR       20
#define EISDIR        21
#define EMFILE        24
#define EFBIG         27
#define ENOSPC        28
#define ESPIPE        29
#define EROFS         30
#define ERANGE        34
#define ENAMETOOLONG  36
#define ENOTEMPTY     39
#define ENXIO         6
#define EBUSY         16

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

struct iovec {
    void *iov_base;
    size_t iov_len;
};

struct rlimit {
    unsigned long rlim_cur;
    unsigned long rlim_max;
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

#ifdef __cplusplus
}
#endif

#endif /* INTERLEAVE_H */
