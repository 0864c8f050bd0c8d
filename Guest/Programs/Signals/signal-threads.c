// Signals between threads and processes under Interleave's kernel (it uses the kernel's
// own thread_spawn 0x1000, thread_join 0x1001, process_spawn 0x1010 and process_wait
// 0x1011, so it does not run under qemu-riscv64): a signal from another thread cuts a
// blocking read, nanosleep or futex wait short (EINTR), or lets it go on under
// SA_RESTART; it wakes rt_sigtimedwait and rt_sigsuspend; a thread spinning on another
// hart is interrupted (as Go preempts goroutines with SIGURG); a process-directed signal
// goes to a thread that does not block it; SIGSTOP and SIGCONT stop and continue a child,
// whose parent hears of it through SIGCHLD.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile int handled, handlerThread, spinning = 1, childCodes[4], childCount;
static int mainThread, pipeEnds[2];
static volatile unsigned int word;
static char alternate[16384];

static long raw(long number, long a, long b, long c, long d) { return syscall(number, a, b, c, d, 0, 0); }

static void pause_ms(long milliseconds) {
    struct timespec time = { 0, milliseconds * 1000000 };
    raw(SYS_nanosleep, (long)&time, 0, 0, 0);
}

static void handler(int signal) { handled++; handlerThread = (int)raw(SYS_gettid, 0, 0, 0, 0); (void)signal; }
static void urgent(int signal) { spinning = 0; (void)signal; }
static void child_handler(int signal, siginfo_t *info, void *context) {
    if (childCount < 4) childCodes[childCount++] = info->si_code;
    (void)signal; (void)context;
}

static void install(int signal, void (*function)(int), int flags) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = function;
    action.sa_flags = flags;
    sigemptyset(&action.sa_mask);
    sigaction(signal, &action, NULL);
}

// The worker's scripts: each waits 2 ms (the main thread is blocked by then), signals it.
static long signal_main(long signal) {
    pause_ms(2);
    raw(SYS_tgkill, getpid(), mainThread, signal, 0);
    return 0;
}

static long signal_then_write(long signal) {
    signal_main(signal);
    pause_ms(2);
    raw(SYS_write, pipeEnds[1], (long)"x", 1, 0);
    return 0;
}

static long signal_then_wake(long signal) {
    signal_main(signal);
    pause_ms(2);
    word = 1;
    raw(SYS_futex, (long)&word, FUTEX_WAKE, 1, 0);
    return 0;
}

static long sleep_long(long unused) {
    pause_ms(50);
    return unused;
}

static int spawn(long (*entry)(long), long argument) {
    return (int)raw(0x1000, (long)entry, argument, 0, (long)__builtin_thread_pointer());
}

static void join(int tid) { raw(0x1001, tid, 0, 0, 0); }

static int child(void) {
    for (int index = 0; index < 40; index++) pause_ms(1);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "child")) return child();
    setvbuf(stdout, NULL, _IONBF, 0);
    mainThread = (int)raw(SYS_gettid, 0, 0, 0, 0);
    pipe(pipeEnds);
    char byte;

    install(SIGUSR1, handler, 0);
    int worker = spawn(signal_main, SIGUSR1);
    long result = read(pipeEnds[0], &byte, 1);
    printf("read without SA_RESTART: %ld errno %d, handled %d\n", result, errno, handled);
    join(worker);

    install(SIGUSR1, handler, SA_RESTART);
    worker = spawn(signal_then_write, SIGUSR1);
    result = read(pipeEnds[0], &byte, 1);
    printf("read with SA_RESTART: %ld, handled %d\n", result, handled);
    join(worker);

    worker = spawn(signal_main, SIGUSR1);
    struct timespec second = { 1, 0 }, left = { 0, 0 };
    result = nanosleep(&second, &left);
    printf("nanosleep: %ld errno %d, time left between 0.9 and 1 s %d, handled %d\n", result, errno,
           left.tv_sec == 0 && left.tv_nsec > 900000000, handled);
    join(worker);

    word = 0;
    worker = spawn(signal_then_wake, SIGUSR1);
    result = raw(SYS_futex, (long)&word, FUTEX_WAIT, 0, 0);
    printf("futex wait with SA_RESTART: %ld, word %u, handled %d\n", result, word, handled);
    join(worker);
    install(SIGUSR1, handler, 0);
    word = 0;
    worker = spawn(signal_then_wake, SIGUSR1);
    result = raw(SYS_futex, (long)&word, FUTEX_WAIT, 0, 0);
    printf("futex wait without: %ld errno %d, handled %d\n", result, errno, handled);
    join(worker);

    sigset_t set, empty;
    sigemptyset(&empty);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    worker = spawn(signal_main, SIGUSR2);
    siginfo_t info;
    result = sigwaitinfo(&set, &info);
    printf("sigwaitinfo: %ld, code %d\n", result, info.si_code);
    join(worker);

    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    worker = spawn(signal_main, SIGUSR1);
    result = sigsuspend(&empty);
    printf("sigsuspend: %ld errno %d, handled %d\n", result, errno, handled);
    join(worker);

    // A process-directed signal the main thread blocks goes to the worker (which was
    // made before the main thread blocked it: a new thread starts with its maker's mask).
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    worker = spawn(sleep_long, 0);
    sigprocmask(SIG_BLOCK, &set, NULL);
    pause_ms(1);
    kill(getpid(), SIGUSR1);
    pause_ms(1);
    printf("kill while the main thread blocks it: taken by the worker %d\n", handlerThread == worker);
    join(worker);
    sigprocmask(SIG_UNBLOCK, &set, NULL);

    // A thread spinning on its hart is interrupted by a signal from the other hart.
    stack_t stack = { .ss_sp = alternate, .ss_size = sizeof alternate, .ss_flags = 0 };
    sigaltstack(&stack, NULL);
    install(SIGURG, urgent, SA_ONSTACK | SA_RESTART);
    worker = spawn(signal_main, SIGURG);
    while (spinning) {}
    printf("spinning thread interrupted by SIGURG\n");
    join(worker);

    // SIGSTOP and SIGCONT on a child; SIGCHLD tells the parent.
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = child_handler;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGCHLD, &action, NULL);
    char *childArguments[] = { argv[0], "child", NULL };
    int pid = (int)raw(0x1010, (long)argv[0], (long)childArguments, 0, 0);
    pause_ms(5);
    kill(pid, SIGSTOP);
    pause_ms(100);   // a stopped child does not finish its 40 ms
    kill(pid, SIGCONT);
    pause_ms(1);
    kill(pid, SIGTERM);
    int status = 0;
    raw(0x1011, pid, (long)&status, 0, 0);
    printf("child: SIGCHLD codes");
    for (int index = 0; index < childCount; index++) printf(" %d", childCodes[index]);
    printf(", wait status %d\n", status);
    return 0;
}
