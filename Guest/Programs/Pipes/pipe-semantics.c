/*
 * pipe-semantics.c: one process's view of pipes, eventfd and SIGPIPE, printed call by
 * call (result, or -errno) so the output under Interleave's kernel can be compared byte
 * for byte with qemu-riscv64's, which passes the calls to Linux. Prints nothing that
 * differs between runs (no descriptor numbers: qemu may hold some of its own).
 */
#include "interleave.h"

static long call(long number, long a0, long a1, long a2)
{
    return interleave_syscall(number, a0, a1, a2, 0, 0, 0);
}

static long rd(int fd, void *buffer, long count) { return call(SYS_read, fd, (long)buffer, count); }
static long wr(int fd, const void *buffer, long count) { return call(SYS_write, fd, (long)buffer, count); }
static long cl(int fd) { return call(SYS_close, fd, 0, 0); }
static long fc(int fd, int command, long argument) { return call(SYS_fcntl, fd, command, argument); }

static unsigned char big[100000];
static unsigned char in[100000];

static void show(const char *what, long result)
{
    printf("%s: %ld\n", what, result);
}

static long eventfd_read(int fd, uint64_t *value) { return rd(fd, value, 8); }
static long eventfd_write(int fd, uint64_t value) { return wr(fd, &value, 8); }

static void handler(int signal) { (void)signal; }

/* Linux riscv64 reads and writes 24 bytes of struct sigaction; qemu-riscv64 (7.2) reads
 * and writes a fourth word after the mask, so every struct the calls touch has room for it. */
struct padded_action {
    struct kernel_sigaction action;
    unsigned long spare;
};

static void pipes(void)
{
    int fds[2];
    show("pipe2 0", pipe2(fds, 0));
    show("write end is read end + 1", fds[1] - fds[0]);
    show("F_GETFL read end", fc(fds[0], F_GETFL, 0));
    show("F_GETFL write end", fc(fds[1], F_GETFL, 0));
    show("F_GETFD read end", fc(fds[0], F_GETFD, 0));
    show("read from the write end", rd(fds[1], in, 1));
    show("write to the read end", wr(fds[0], "x", 1));
    show("write 100", wr(fds[1], big, 100));
    show("read 1000 gets 100", rd(fds[0], in, 1000));
    show("same bytes", memcmp(in, big, 100) == 0);
    show("write 5", wr(fds[1], "hello", 5));
    show("read to an unmapped buffer", rd(fds[0], (void *)8, 5));
    show("read again gets 5", rd(fds[0], in, 5));
    show("write from an unmapped buffer", wr(fds[1], (void *)8, 5));
    show("F_SETFL O_NONBLOCK on the read end", fc(fds[0], F_SETFL, O_NONBLOCK));
    show("non-blocking read of an empty pipe", rd(fds[0], in, 10));
    show("F_GETPIPE_SZ", fc(fds[0], F_GETPIPE_SZ, 0));
    show("close the write end", cl(fds[1]));
    show("read at end of file", rd(fds[0], in, 10));
    show("close the read end", cl(fds[0]));
    show("close it again", cl(fds[0]));

    show("pipe2 O_NONBLOCK|O_CLOEXEC", pipe2(fds, O_NONBLOCK | O_CLOEXEC));
    show("F_GETFL read end", fc(fds[0], F_GETFL, 0));
    show("F_GETFL write end", fc(fds[1], F_GETFL, 0));
    show("F_GETFD write end", fc(fds[1], F_GETFD, 0));
    long total = 0, result;
    int writes = 0;
    while ((result = wr(fds[1], big, 4096)) > 0) {
        total += result;
        writes++;
    }
    show("filled with 4096-byte writes", total);
    show("then", result);
    show("write 1 to a full pipe", wr(fds[1], big, 1));
    show("read 4096", rd(fds[0], in, 4096));
    show("write 4097 takes", wr(fds[1], big, 4097));
    show("write 1", wr(fds[1], big, 1));
    total = 0;
    while ((result = rd(fds[0], in, 3000)) > 0) total += result;
    show("drained", total);
    show("then", result);
    show("write 100000 to an empty pipe", wr(fds[1], big, 100000));
    show("read 100000", rd(fds[0], in, 100000));
    show("same bytes", memcmp(in, big, 65536) == 0);
    show("F_SETPIPE_SZ 5000", fc(fds[1], F_SETPIPE_SZ, 5000));
    show("F_GETPIPE_SZ", fc(fds[0], F_GETPIPE_SZ, 0));
    show("F_SETPIPE_SZ 0", fc(fds[1], F_SETPIPE_SZ, 0));
    show("write 4096 to a one-page pipe", wr(fds[1], big, 4096));
    show("write 1 more", wr(fds[1], big, 1));
    show("F_SETPIPE_SZ 65536", fc(fds[1], F_SETPIPE_SZ, 65536));
    show("write 4096", wr(fds[1], big, 4096));
    show("F_SETPIPE_SZ 4096 with 8192 waiting", fc(fds[1], F_SETPIPE_SZ, 4096));
    show("close the write end", cl(fds[1]));
    show("read 9000", rd(fds[0], in, 9000));
    show("read at end of file", rd(fds[0], in, 9000));
    show("close the read end", cl(fds[0]));

    show("pipe2 O_APPEND", pipe2(fds, 02000));
    show("pipe2 O_WRONLY", pipe2(fds, 1));
    show("pipe2 to an unmapped address", pipe2((int *)8, 0));
}

static void broken_pipes(void)
{
    int fds[2];
    struct padded_action ignore_ = { { SIG_IGN, 0, 0 }, 0 }, old_ = { { 7, 7, 7 }, 0 };
    struct kernel_sigaction *ignore = &ignore_.action, *old = &old_.action;
    show("ignore SIGPIPE", rt_sigaction(SIGPIPE, ignore, old));
    show("its old handler", (long)old->handler);
    pipe2(fds, 0);
    cl(fds[0]);
    show("write with no reader (ignored)", wr(fds[1], "x", 1));
    show("non-blocking too", (fc(fds[1], F_SETFL, O_NONBLOCK), wr(fds[1], "x", 1)));
    cl(fds[1]);

    struct padded_action standard = { { SIG_DFL, 0, 0 }, 0 };
    show("SIGPIPE back to default", rt_sigaction(SIGPIPE, &standard.action, old));
    show("its old handler", (long)old->handler);
    uint64_t set = SIGNAL_BIT(SIGPIPE), mask = 99;
    show("block SIGPIPE", rt_sigprocmask(SIG_BLOCK, &set, &mask));
    show("the old mask", (long)mask);
    pipe2(fds, 0);
    cl(fds[0]);
    show("write with no reader (blocked)", wr(fds[1], "x", 1));
    cl(fds[1]);
    show("ignore it while pending", rt_sigaction(SIGPIPE, ignore, 0));
    show("unblock SIGPIPE", rt_sigprocmask(SIG_UNBLOCK, &set, &mask));
    show("the old mask", (long)mask);
    printf("still here\n");

    struct padded_action with_function = { { (unsigned long)handler, SA_RESTART, SIGNAL_BIT(SIGUSR1) }, 0 };
    show("a function handler for SIGUSR1", rt_sigaction(SIGUSR1, &with_function.action, 0));
    show("read it back", rt_sigaction(SIGUSR1, 0, old));
    show("same handler", old->handler == (unsigned long)handler);
    show("same flags", (long)old->flags);
    show("same mask", (long)old->mask);
    show("sigsetsize 4", interleave_syscall(SYS_rt_sigaction, SIGUSR1, 0, (long)old, 4, 0, 0));
    show("signal 0", rt_sigaction(0, 0, old));
    show("signal 65", rt_sigaction(65, 0, old));
    show("change SIGKILL", rt_sigaction(SIGKILL, ignore, 0));
    show("change SIGSTOP", rt_sigaction(SIGSTOP, ignore, 0));
    show("read SIGKILL", rt_sigaction(SIGKILL, 0, old));
    show("its handler", (long)old->handler);
    show("act unmapped", rt_sigaction(SIGUSR1, (void *)8, 0));
    show("oact unmapped", rt_sigaction(SIGUSR1, 0, (void *)8));

    show("sigprocmask sigsetsize 4", interleave_syscall(SYS_rt_sigprocmask, SIG_BLOCK, (long)&set, 0, 4, 0, 0));
    show("sigprocmask how 7", rt_sigprocmask(7, &set, 0));
    show("sigprocmask how 7 without a set", rt_sigprocmask(7, 0, &mask));
    set = SIGNAL_BIT(SIGUSR1) | SIGNAL_BIT(SIGKILL) | SIGNAL_BIT(SIGSTOP);
    show("set mask with SIGKILL and SIGSTOP", rt_sigprocmask(SIG_SETMASK, &set, 0));
    show("read it", rt_sigprocmask(SIG_BLOCK, 0, &mask));
    show("the mask", (long)mask);
    show("set unmapped", rt_sigprocmask(SIG_BLOCK, (void *)8, 0));
    set = 0;
    show("clear the mask", rt_sigprocmask(SIG_SETMASK, &set, 0));
}

static void eventfds(void)
{
    uint64_t value = 0;
    uint32_t small = 0;
    int fd = eventfd(5, 0);
    show("eventfd 5 is a descriptor", fd >= 0);
    show("F_GETFL", fc(fd, F_GETFL, 0));
    show("F_GETPIPE_SZ on an eventfd", fc(fd, F_GETPIPE_SZ, 0));
    show("read", eventfd_read(fd, &value));
    show("value", (long)value);
    show("read with 4 bytes", rd(fd, &small, 4));
    show("write with 4 bytes", wr(fd, &small, 4));
    show("write 3", eventfd_write(fd, 3));
    show("write 4", eventfd_write(fd, 4));
    uint64_t pair[2] = { 10, 20 };
    show("write 16 bytes", wr(fd, pair, 16));
    show("read 16 bytes gives 8", rd(fd, pair, 16));
    show("value", (long)pair[0]);
    show("write 2^64-1", eventfd_write(fd, ~0ULL));
    show("read to an unmapped buffer", rd(fd, (void *)8, 8));
    show("F_SETFL O_NONBLOCK", fc(fd, F_SETFL, O_NONBLOCK));
    show("read of 0", eventfd_read(fd, &value));
    show("write 2^64-2", eventfd_write(fd, ~0ULL - 1));
    show("write 1 more", eventfd_write(fd, 1));
    show("write 0", eventfd_write(fd, 0));
    show("read", eventfd_read(fd, &value));
    show("is 2^64-2", value == ~0ULL - 1);
    cl(fd);

    fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
    show("semaphore F_GETFL", fc(fd, F_GETFL, 0));
    show("semaphore F_GETFD", fc(fd, F_GETFD, 0));
    for (int i = 0; i < 4; i++) {
        value = 0;
        long result = eventfd_read(fd, &value);
        printf("semaphore read: %ld value %lu\n", result, (unsigned long)value);
    }
    cl(fd);
    show("eventfd with flag 4", eventfd(0, 4));
    show("eventfd with O_APPEND", eventfd(0, 02000));
}

int main(void)
{
    for (unsigned i = 0; i < sizeof big; i++) big[i] = (unsigned char)(i * 7 + i / 251);
    /* Start from a known mask: a process inherits its starter's (a test runner's may block some). */
    uint64_t none = 0;
    rt_sigprocmask(SIG_SETMASK, &none, 0);
    pipes();
    broken_pipes();
    eventfds();
    return 0;
}
