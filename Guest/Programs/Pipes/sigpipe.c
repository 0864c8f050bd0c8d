/*
 * sigpipe.c: a write to a pipe whose read end is closed. With no argument SIGPIPE's
 * default ends the process (status 141 as a shell reports it); with "late" SIGPIPE is
 * blocked, the write returns EPIPE, and unblocking it ends the process; with "handler"
 * a function handler is set (not run by Interleave yet; Linux runs it) and the write
 * returns EPIPE; with "ignore" SIGPIPE is ignored and the write returns EPIPE.
 * With "spawn-ignore" or "spawn-handler" it sets SIGPIPE so and starts itself with
 * process_spawn in mode "inherited" (which changes nothing): as across execve, an ignored
 * signal stays ignored in the child (EPIPE), a handled one is back to its default (141).
 */
#include "interleave.h"

static void on_pipe(int signal) { (void)signal; }

int main(void)
{
    char **argv = interleave_argv();
    const char *mode = interleave_argc() > 1 ? argv[1] : "default";
    int fds[2];
    /* Start from SIGPIPE's default and an empty mask, whatever the starter left. */
    uint64_t none = 0;
    rt_sigprocmask(SIG_SETMASK, &none, 0);
    struct { struct kernel_sigaction action; unsigned long spare; } standard = { { SIG_DFL, 0, 0 }, 0 };
    if (strcmp(mode, "inherited") != 0) rt_sigaction(SIGPIPE, &standard.action, 0);
    if (strncmp(mode, "spawn-", 6) == 0) {
        struct { struct kernel_sigaction action; unsigned long spare; } chosen = { { SIG_IGN, 0, 0 }, 0 };
        if (strcmp(mode, "spawn-handler") == 0) chosen.action.handler = (unsigned long)on_pipe;
        rt_sigaction(SIGPIPE, &chosen.action, 0);
        char *child_argv[] = { "sigpipe", "inherited", 0 };
        long child = interleave_syscall(0x1010, (long)"sigpipe", (long)child_argv, 0, 0, 0, 0);
        int status = -1;
        interleave_syscall(0x1011, child, (long)&status, 0, 0, 0, 0);
        printf("child wait status %d\n", status);
        return 0;
    }
    if (pipe2(fds, 0) != 0) return 1;
    interleave_syscall(SYS_close, fds[0], 0, 0, 0, 0, 0);
    uint64_t set = SIGNAL_BIT(SIGPIPE);
    if (strcmp(mode, "late") == 0) rt_sigprocmask(SIG_BLOCK, &set, 0);
    if (strcmp(mode, "ignore") == 0) {
        struct kernel_sigaction action = { SIG_IGN, 0, 0 };
        printf("sigaction: %d\n", rt_sigaction(SIGPIPE, &action, 0));
    }
    if (strcmp(mode, "handler") == 0) {
        struct kernel_sigaction action = { (unsigned long)on_pipe, 0, 0 };
        rt_sigaction(SIGPIPE, &action, 0);
    }
    printf("writing\n");
    interleave_flush();
    long result = interleave_syscall(SYS_write, fds[1], (long)"x", 1, 0, 0, 0);
    printf("write: %ld\n", result);
    interleave_flush();
    if (strcmp(mode, "late") == 0) rt_sigprocmask(SIG_UNBLOCK, &set, 0);
    printf("still here\n");
    return 0;
}
