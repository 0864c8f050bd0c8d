// Signals in one process, printed call by call so the kernel's results can be compared
// with Linux's (qemu-riscv64): handlers with siginfo, masks, pending sets, sigaltstack,
// fault handlers (SIGSEGV with siglongjmp, SIGILL skipping the instruction through the
// ucontext), SA_RESETHAND, SA_NODEFER, sigsuspend, sigtimedwait, sigqueue, queued
// real-time signals, ppoll's mask, errors, and a handler that moves the PC (as Go does).
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static volatile int handled, depth, deepest, order[8], orders;
static volatile int lastCode, lastSignal, lastFromSelf, lastValue;
static volatile void *lastAddress;
static char alternate[16384];
static volatile int onAlternate, reportedOnStack, nestedChangeErrno;
static sigjmp_buf recovery;

static void info_handler(int signal, siginfo_t *info, void *context) {
    handled++;
    lastSignal = info->si_signo;
    lastCode = info->si_code;
    lastFromSelf = info->si_pid == getpid();
    lastValue = info->si_value.sival_int;
    (void)signal; (void)context;
}

static void stack_handler(int signal) {
    char local;
    onAlternate = &local >= alternate && &local < alternate + sizeof alternate;
    stack_t now;
    sigaltstack(NULL, &now);
    reportedOnStack = (now.ss_flags & SS_ONSTACK) != 0;
    stack_t other = { .ss_sp = alternate, .ss_size = sizeof alternate, .ss_flags = 0 };
    nestedChangeErrno = sigaltstack(&other, NULL) == 0 ? 0 : errno;
    (void)signal;
}

static void segv_handler(int signal, siginfo_t *info, void *context) {
    lastAddress = info->si_addr;
    lastCode = info->si_code;
    (void)signal; (void)context;
    siglongjmp(recovery, 1);
}

static void ill_handler(int signal, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    lastCode = info->si_code;
    lastFromSelf = (unsigned long)info->si_addr == uc->uc_mcontext.__gregs[REG_PC];
    uc->uc_mcontext.__gregs[REG_PC] += 4;   // skip the illegal instruction
    (void)signal;
}

static void nesting_handler(int signal) {
    depth++;
    if (depth > deepest) deepest = depth;
    if (handled++ == 0) raise(signal);
    depth--;
}

static void order_handler(int signal, siginfo_t *info, void *context) {
    if (orders < 8) order[orders++] = signal == SIGRTMIN ? info->si_value.sival_int : 100 + signal;
    (void)context;
}

static void count_handler(int signal) { handled++; (void)signal; }

static void landing(void) {
    printf("pc rewrite: the handler's new pc ran\n");
    fflush(stdout);
    _exit(0);
}

static void redirect_handler(int signal, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    uc->uc_mcontext.__gregs[REG_PC] = (unsigned long)landing;
    (void)signal; (void)info;
}

static void install(int signal, void (*handler)(int, siginfo_t *, void *), int flags) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = handler;
    action.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&action.sa_mask);
    if (sigaction(signal, &action, NULL) != 0) printf("sigaction %d failed: %d\n", signal, errno);
}

static void install_plain(int signal, void (*handler)(int), int flags) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    action.sa_flags = flags;
    sigemptyset(&action.sa_mask);
    sigaction(signal, &action, NULL);
}

// A program inherits its starter's mask and ignored signals (a test runner may block or
// ignore some): start from Linux's defaults, as a shell would give them.
static void reset_signals(void) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int signal = 1; signal < 65; signal++) {
        if (signal != SIGKILL && signal != SIGSTOP) (void)!sigaction(signal, &(struct sigaction){ .sa_handler = SIG_DFL }, NULL);
    }
}

int main(void) {
    reset_signals();
    setvbuf(stdout, NULL, _IONBF, 0);
    sigset_t set, old;

    // A handler with siginfo: raise (tgkill) and kill give SI_TKILL and SI_USER.
    install(SIGUSR1, info_handler, 0);
    raise(SIGUSR1);
    printf("raise: handled %d, signo %d, code %d, from self %d\n", handled, lastSignal, lastCode, lastFromSelf);
    kill(getpid(), SIGUSR1);
    printf("kill: handled %d, code %d, from self %d\n", handled, lastCode, lastFromSelf);

    // Blocked: pending until unblocked, reported by sigpending; a standard signal twice is once.
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    raise(SIGUSR1);
    raise(SIGUSR1);
    sigset_t pending;
    sigpending(&pending);
    printf("blocked: handled %d, pending %d\n", handled, sigismember(&pending, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("unblocked: handled %d\n", handled);

    // Ignored signals vanish, even pending ones when set to SIG_IGN.
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    signal(SIGUSR1, SIG_IGN);
    sigpending(&pending);
    printf("ignored while pending: pending %d\n", sigismember(&pending, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(SIGUSR1);
    raise(SIGCHLD);
    raise(SIGURG);
    raise(SIGCONT);
    printf("ignored and default-ignored: still here\n");

    // The alternate stack.
    stack_t stack = { .ss_sp = alternate, .ss_size = sizeof alternate, .ss_flags = 0 };
    stack_t small = { .ss_sp = alternate, .ss_size = 1024, .ss_flags = 0 };
    stack_t bad = { .ss_sp = alternate, .ss_size = sizeof alternate, .ss_flags = 4 };
    printf("sigaltstack too small: %d errno %d\n", sigaltstack(&small, NULL), errno);
    printf("sigaltstack bad flags: %d errno %d\n", sigaltstack(&bad, NULL), errno);
    stack_t previous;
    sigaltstack(&stack, &previous);
    printf("sigaltstack: previous disabled %d\n", (previous.ss_flags & SS_DISABLE) != 0);
    install_plain(SIGUSR2, stack_handler, SA_ONSTACK);
    raise(SIGUSR2);
    printf("on the alternate stack %d, SS_ONSTACK %d, change while on it errno %d\n", onAlternate, reportedOnStack, nestedChangeErrno);
    install_plain(SIGUSR2, stack_handler, 0);
    raise(SIGUSR2);
    printf("without SA_ONSTACK: on the alternate stack %d\n", onAlternate);
    stack_t now;
    sigaltstack(NULL, &now);
    printf("sigaltstack now: size %zu, flags %d\n", now.ss_size, now.ss_flags);

    // Faults to handlers: SIGSEGV recovers with siglongjmp, SIGILL skips the instruction.
    install(SIGSEGV, segv_handler, 0);
    if (sigsetjmp(recovery, 1) == 0) {
        *(volatile int *)16 = 1;
        printf("not reached\n");
    }
    printf("SIGSEGV: address %p, code %d\n", (void *)lastAddress, lastCode);
    if (sigsetjmp(recovery, 1) == 0) {
        *(volatile char *)main = 1;   // text is not writable
    }
    printf("SIGSEGV on text: code %d\n", lastCode);
    install(SIGILL, ill_handler, 0);
    __asm__ volatile(".word 0");
    printf("SIGILL: code %d, address is the pc %d\n", lastCode, lastFromSelf);

    // SA_RESETHAND and SA_NODEFER.
    handled = 0;
    install_plain(SIGUSR1, count_handler, SA_RESETHAND);
    raise(SIGUSR1);
    struct sigaction now_action;
    sigaction(SIGUSR1, NULL, &now_action);
    printf("SA_RESETHAND: handled %d, now default %d\n", handled, now_action.sa_handler == SIG_DFL);
    handled = depth = deepest = 0;
    install_plain(SIGUSR1, nesting_handler, 0);
    raise(SIGUSR1);
    printf("deferred: deepest %d, handled %d\n", deepest, handled);
    handled = depth = deepest = 0;
    install_plain(SIGUSR1, nesting_handler, SA_NODEFER);
    raise(SIGUSR1);
    printf("SA_NODEFER: deepest %d, handled %d\n", deepest, handled);

    // sigsuspend with the signal already pending: the handler runs, EINTR, the old mask back.
    handled = 0;
    install_plain(SIGUSR1, count_handler, 0);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    sigset_t empty;
    sigemptyset(&empty);
    int result = sigsuspend(&empty);
    sigset_t after;
    sigprocmask(SIG_BLOCK, NULL, &after);
    printf("sigsuspend: %d errno %d, handled %d, mask back %d\n", result, errno, handled, sigismember(&after, SIGUSR1));

    // ppoll's mask lets a pending signal in: EINTR at once.
    handled = 0;
    raise(SIGUSR1);
    struct timespec second = { 1, 0 };
    result = ppoll(NULL, 0, &second, &empty);
    sigprocmask(SIG_BLOCK, NULL, &after);
    printf("ppoll: %d errno %d, handled %d, mask back %d\n", result, errno, handled, sigismember(&after, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &set, NULL);

    // sigtimedwait: a pending one at once, none with a zero timeout, none with a short one.
    sigset_t waited;
    sigemptyset(&waited);
    sigaddset(&waited, SIGUSR2);
    sigprocmask(SIG_BLOCK, &waited, NULL);
    kill(getpid(), SIGUSR2);
    siginfo_t info;
    result = sigtimedwait(&waited, &info, NULL);
    printf("sigtimedwait: %d, code %d, from self %d\n", result, info.si_code, info.si_pid == getpid());
    struct timespec zero = { 0, 0 }, short_wait = { 0, 5000000 };
    result = sigtimedwait(&waited, &info, &zero);
    printf("sigtimedwait nothing pending: %d errno %d\n", result, errno);
    result = sigtimedwait(&waited, &info, &short_wait);
    printf("sigtimedwait timed out: %d errno %d\n", result, errno);
    struct timespec bad_time = { 0, 2000000000 };
    result = sigtimedwait(&waited, &info, &bad_time);
    printf("sigtimedwait bad timeout: %d errno %d\n", result, errno);

    // sigqueue's value; real-time signals queue every instance in order, after lower ones.
    install(SIGUSR1, info_handler, 0);
    union sigval value = { .sival_int = 42 };
    sigqueue(getpid(), SIGUSR1, value);
    printf("sigqueue: value %d, code %d\n", lastValue, lastCode);
    install(SIGRTMIN, order_handler, 0);
    install(SIGUSR2, order_handler, 0);
    sigset_t both;
    sigemptyset(&both);
    sigaddset(&both, SIGRTMIN);
    sigaddset(&both, SIGUSR2);
    sigprocmask(SIG_BLOCK, &both, NULL);
    for (int index = 1; index <= 3; index++) {
        value.sival_int = index;
        sigqueue(getpid(), SIGRTMIN, value);
    }
    raise(SIGUSR2);
    sigprocmask(SIG_UNBLOCK, &both, NULL);
    printf("queued:");
    for (int index = 0; index < orders; index++) printf(" %d", order[index]);
    printf("\n");

    // Errors.
    printf("kill bad signal: %d errno %d\n", kill(getpid(), 65), errno);
    printf("kill no such process: %d errno %d\n", kill(999999, SIGUSR1), errno);
    printf("kill signal 0: %d\n", kill(getpid(), 0));
    printf("tgkill wrong group: %ld errno %d\n", syscall(SYS_tgkill, 999999, gettid(), SIGUSR1), errno);
    printf("tkill bad tid: %ld errno %d\n", syscall(SYS_tkill, -1, SIGUSR1), errno);
    printf("sigaction SIGKILL: %d errno %d\n", sigaction(SIGKILL, &now_action, NULL), errno);
    printf("rt_sigsuspend bad size: %ld errno %d\n", syscall(SYS_rt_sigsuspend, &empty, 4), errno);
    printf("rt_sigpending bad size: %ld errno %d\n", syscall(SYS_rt_sigpending, &pending, 16), errno);

    // A handler that moves the PC: rt_sigreturn goes where the frame says.
    install(SIGUSR1, redirect_handler, 0);
    raise(SIGUSR1);
    printf("not reached either\n");
    return 1;
}
