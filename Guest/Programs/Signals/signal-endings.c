// How a signal ends a process, one way per argument, to compare the exit status (128 +
// the signal) and the output with Linux's (qemu-riscv64): default actions raised by the
// process itself, abort and assert, SIGKILL, a fault whose handler is blocked or ignored,
// a stack overflow without and with a handler on the alternate stack, and a pending
// signal that ends the process when it is unblocked.
#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char alternate[65536];

static void overflow_handler(int signal) {
    static const char message[] = "stack overflow caught on the alternate stack\n";
    write(1, message, sizeof message - 1);
    _exit(3);
    (void)signal;
}

static void never(int signal) { (void)signal; write(1, "handler ran\n", 12); }

static int recurse(volatile char *previous) {
    volatile char frame[1024];
    frame[0] = previous ? previous[0] + 1 : 0;
    return recurse(frame) + frame[1];
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

int main(int argc, char **argv) {
    reset_signals();
    const char *mode = argc > 1 ? argv[1] : "term";
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("mode %s\n", mode);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    sigemptyset(&action.sa_mask);
    if (!strcmp(mode, "term")) kill(getpid(), SIGTERM);
    else if (!strcmp(mode, "usr1")) raise(SIGUSR1);
    else if (!strcmp(mode, "realtime")) raise(SIGRTMIN + 1);
    else if (!strcmp(mode, "kill")) kill(getpid(), SIGKILL);
    else if (!strcmp(mode, "abort")) abort();
    else if (!strcmp(mode, "assert")) assert(argc == 42);
    else if (!strcmp(mode, "segv-blocked") || !strcmp(mode, "segv-ignored")) {
        action.sa_handler = mode[5] == 'b' ? never : SIG_IGN;
        sigaction(SIGSEGV, &action, NULL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGSEGV);
        if (mode[5] == 'b') sigprocmask(SIG_BLOCK, &set, NULL);
        *(volatile int *)8 = 1;
    } else if (!strcmp(mode, "overflow")) {
        action.sa_handler = overflow_handler;
        sigaction(SIGSEGV, &action, NULL);
        recurse(NULL);
    } else if (!strcmp(mode, "overflow-altstack")) {
        stack_t stack = { .ss_sp = alternate, .ss_size = sizeof alternate, .ss_flags = 0 };
        sigaltstack(&stack, NULL);
        action.sa_handler = overflow_handler;
        action.sa_flags = SA_ONSTACK;
        sigaction(SIGSEGV, &action, NULL);
        recurse(NULL);
    } else if (!strcmp(mode, "unblock")) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigprocmask(SIG_BLOCK, &set, NULL);
        raise(SIGTERM);
        printf("still here while SIGTERM is blocked\n");
        sigprocmask(SIG_UNBLOCK, &set, NULL);
    }
    printf("not ended\n");
    return 0;
}
