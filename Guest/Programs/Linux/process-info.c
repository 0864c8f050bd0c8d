// The calls start-up code makes about its process (issue 16): readlinkat, CPU affinity,
// umask, prctl, process groups, gettimeofday, times, getrusage, sysinfo, madvise and
// mremap, built against glibc. Every line printed is the same under qemu-riscv64 and
// under Interleave's kernel: values that depend on the host (its CPUs, its pids, its
// clock) are printed only as the checks they pass. With the argument `kernel` it then
// prints what only Interleave's kernel can promise (its harts, pids, clock, and where
// qemu-riscv64 itself differs from Linux: it ignores madvise and emulates mremap).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <unistd.h>

/// Prints a call's result: the value, or -1 and the errno's name.
static void show(const char *what, long result) {
    if (result == -1) printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else printf("%s: %ld\n", what, result);
}

static void check(const char *what, int passed) { printf("%s: %s\n", what, passed ? "yes" : "NO"); }

static void kernelOnly(void);

int main(int argc, char **argv) {
    char thread[16] = {0};
    prctl(PR_GET_NAME, thread);
    char link[4096];
    long length = readlink("/proc/self/exe", link, sizeof link);
    check("/proc/self/exe is an absolute path", length > 1 && link[0] == '/');
    show("readlink into 1 byte", readlink("/proc/self/exe", link, 1));
    show("readlink with size 0", syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/exe", link, 0));
    show("readlink of a missing file", readlink("/no/such/file", link, sizeof link));
    show("readlink of a directory", readlink("/tmp", link, sizeof link));

    cpu_set_t set;
    CPU_ZERO(&set);
    show("sched_getaffinity", sched_getaffinity(0, sizeof set, &set));
    check("at least one CPU", CPU_COUNT(&set) >= 1);
    long raw = syscall(SYS_sched_getaffinity, 0, sizeof set, &set);
    check("the raw call returns a whole number of words", raw > 0 && raw % 8 == 0);
    show("sched_getaffinity of 4 bytes", syscall(SYS_sched_getaffinity, 0, 4, &set));
    show("sched_getaffinity of no thread", syscall(SYS_sched_getaffinity, 0x3fffffff, sizeof set, &set));
    show("sched_setaffinity to the same set", sched_setaffinity(0, sizeof set, &set));
    cpu_set_t none;
    CPU_ZERO(&none);
    show("sched_setaffinity to no CPU", sched_setaffinity(0, sizeof none, &none));

    umask(077);
    show("umask after 077", umask(027));
    char name[64];
    snprintf(name, sizeof name, "/tmp/interleave-umask-%d", getpid());
    int fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0666);
    struct stat status;
    check("a file created under umask 027", fd >= 0 && fstat(fd, &status) == 0);
    printf("its mode: %o\n", status.st_mode & 0777);
    close(fd);
    unlink(name);

    show("PR_SET_NAME", prctl(PR_SET_NAME, "a-long-thread-name-cut-at-15"));
    show("PR_GET_NAME", prctl(PR_GET_NAME, thread));
    printf("the name: %s\n", thread);
    show("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE));
    show("PR_SET_DUMPABLE 2", prctl(PR_SET_DUMPABLE, 2));
    show("PR_SET_PDEATHSIG", prctl(PR_SET_PDEATHSIG, SIGUSR1));
    int deathSignal = 0;
    show("PR_GET_PDEATHSIG", prctl(PR_GET_PDEATHSIG, &deathSignal));
    printf("the death signal: %d\n", deathSignal);
    show("PR_SET_PDEATHSIG 65", prctl(PR_SET_PDEATHSIG, 65));
    show("PR_CAPBSET_READ of CAP_CHOWN", prctl(PR_CAPBSET_READ, 0));
    show("an unknown prctl", prctl(9999));

    check("getpgid(0) is getpgid(getpid())", getpgid(0) == getpgid(getpid()));
    check("getsid(0) is getsid(getpid())", getsid(0) == getsid(getpid()));
    show("getpgid of no process", getpgid(0x3fffffff));
    show("getsid of no process", getsid(0x3fffffff));
    show("setpgid of no process", setpgid(0x3fffffff, 0));
    show("setpgid to a negative group", setpgid(0, -1));

    struct timeval now;
    show("gettimeofday", gettimeofday(&now, NULL));
    check("microseconds below a million", now.tv_usec >= 0 && now.tv_usec < 1000000);
    struct tms usage;
    check("times", times(&usage) != (clock_t)-1);

    struct rusage resources;
    show("getrusage(RUSAGE_SELF)", getrusage(RUSAGE_SELF, &resources));
    check("maxrss is positive", resources.ru_maxrss > 0);
    show("getrusage(RUSAGE_THREAD)", getrusage(RUSAGE_THREAD, &resources));
    show("getrusage(RUSAGE_CHILDREN)", getrusage(RUSAGE_CHILDREN, &resources));
    show("getrusage(5)", getrusage(5, &resources));
    struct sysinfo info;
    show("sysinfo", sysinfo(&info));
    check("RAM and threads", info.mem_unit >= 1 && info.totalram > 0 && info.freeram <= info.totalram && info.procs >= 1);

    long page = sysconf(_SC_PAGESIZE);
    char *pages = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int index = 0; index < 8; index++) pages[index * page] = 'a' + index;
    show("madvise unaligned", madvise(pages + 1, page, MADV_DONTNEED));
    show("madvise MADV_WILLNEED", madvise(pages, 8 * page, MADV_WILLNEED));
    show("madvise of nothing", madvise(pages, 0, MADV_DONTNEED));

    // Grow in place, move, shrink: the contents come along.
    char *reserved = mmap(NULL, 66 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *block = mmap(reserved, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    munmap(reserved + 2 * page, 64 * page);
    strcpy(block, "first page");
    strcpy(block + page, "second page");
    check("mremap grew it in place", mremap(block, 2 * page, 4 * page, 0) == block);
    block[3 * page] = 'q';
    char *wall = mmap(block + 4 * page, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    check("a page right after it", wall == block + 4 * page);
    show("mremap without room and without MAYMOVE", mremap(block, 4 * page, 64 * page, 0) == MAP_FAILED ? -1 : 0);
    char *moved = mremap(block, 4 * page, 64 * page, MREMAP_MAYMOVE);
    check("mremap moved it", moved != MAP_FAILED && moved != block);
    printf("moved: %s / %s / %c / %d\n", moved, moved + page, moved[3 * page], moved[40 * page]);
    moved[63 * page] = 'z';
    char *shrunk = mremap(moved, 64 * page, page, 0);
    check("mremap shrank it in place", shrunk == moved);
    printf("shrunk: %s\n", shrunk);
    show("mremap with flags 8", mremap(shrunk, page, page, 8) == MAP_FAILED ? -1 : 0);
    show("mremap FIXED without MAYMOVE", mremap(shrunk, page, page, MREMAP_FIXED, pages) == MAP_FAILED ? -1 : 0);
    show("mremap of unmapped memory", mremap(shrunk + 16 * page, page, 2 * page, MREMAP_MAYMOVE) == MAP_FAILED ? -1 : 0);
    char *target = mmap(NULL, 4 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *fixed = mremap(shrunk, page, 2 * page, MREMAP_MAYMOVE | MREMAP_FIXED, target + page);
    check("mremap FIXED went where asked", fixed == target + page);
    printf("fixed: %s, then %d\n", fixed, fixed[page]);
    show("mremap FIXED onto itself", mremap(fixed, page, page, MREMAP_MAYMOVE | MREMAP_FIXED, fixed) == MAP_FAILED ? -1 : 0);
    if (argc > 1 && strcmp(argv[1], "kernel") == 0) kernelOnly();
    return 0;
}

/// What Interleave's kernel promises beyond what can be compared with qemu-riscv64.
static void kernelOnly(void) {
    printf("-- kernel\n");
    char link[256] = {0};
    readlink("/proc/self/exe", link, sizeof link - 1);
    printf("exe: %s\n", link);
    cpu_set_t set;
    CPU_ZERO(&set);
    show("raw sched_getaffinity", syscall(SYS_sched_getaffinity, 0, sizeof set, &set));
    printf("CPUs: %d\n", CPU_COUNT(&set));
    CPU_ZERO(&set);
    CPU_SET(1, &set);
    CPU_SET(40, &set);
    show("sched_setaffinity to CPUs 1 and 40", sched_setaffinity(0, sizeof set, &set));
    CPU_ZERO(&set);
    sched_getaffinity(0, sizeof set, &set);
    printf("now on CPU 1 only: %d, %d CPU\n", CPU_ISSET(1, &set), CPU_COUNT(&set));
    printf("the first program leads its group and session: %d %d\n", getpgid(0) == getpid(), getsid(0) == getpid());
    show("setsid by a group leader", setsid());
    show("setpgid to its own group", setpgid(0, 0));
    struct timeval now;
    gettimeofday(&now, NULL);
    printf("realtime starts at 2026-01-01: %d\n", now.tv_sec >= 1767225600 && now.tv_sec < 1767225600 + 60);
    struct sysinfo info;
    sysinfo(&info);
    printf("sysinfo: %lu MiB of RAM, %d thread, unit %u\n", info.totalram >> 20, info.procs, info.mem_unit);
    struct rusage resources;
    getrusage(RUSAGE_SELF, &resources);
    printf("some user time, no system time: %d %d\n", resources.ru_utime.tv_usec + resources.ru_utime.tv_sec > 0,
           resources.ru_stime.tv_usec + resources.ru_stime.tv_sec == 0);

    long page = sysconf(_SC_PAGESIZE);
    char *pages = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int index = 0; index < 4; index++) pages[index * page] = 'a' + index;
    show("madvise MADV_DONTNEED", madvise(pages + page, 2 * page, MADV_DONTNEED));
    printf("after it: %c %d %d %c\n", pages[0], pages[page], pages[2 * page], pages[3 * page]);
    show("madvise MADV_FREE", madvise(pages, page, MADV_FREE));
    printf("after it: %d\n", pages[0]);
    show("madvise unknown advice", madvise(pages, page, 999));
    show("madvise MADV_DONTFORK", madvise(pages, page, MADV_DONTFORK));
    show("madvise MADV_POPULATE_WRITE", madvise(pages, 4 * page, MADV_POPULATE_WRITE));
    munmap(pages + page, page);
    show("madvise over a hole", madvise(pages, 4 * page, MADV_DONTNEED));
    show("mremap to size 0", mremap(pages, page, 0, MREMAP_MAYMOVE) == MAP_FAILED ? -1 : 0);
    show("membarrier", syscall(SYS_membarrier, 0, 0, 0));
    show("rseq", syscall(SYS_rseq, 0, 0, 0, 0));
}
