/*
 * fork-wait-exec.c: processes the Unix way. fork gives the child a copy of the parent's
 * memory (a change in one is not seen by the other); waitpid collects a child's exit
 * status, or the signal that ended it; wait collects several children in any order; a
 * pipe made before fork joins the two; execve replaces the child's program (here with this
 * same program, started as `fork-wait-exec exec-child`) with new arguments and a new
 * environment. `fork-wait-exec no-exec` leaves the execve out (qemu-riscv64 cannot start
 * a riscv64 program from inside one without binfmt_misc, so the comparison uses that).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec-child") == 0) {
        const char *greeting = getenv("GREETING");
        printf("exec'd child: arguments %d, argv[2] %s, GREETING %s\n", argc, argc > 2 ? argv[2] : "(none)",
               greeting ? greeting : "(unset)");
        return 7;
    }
    pid_t me = getpid();
    int value = 1;
    fflush(stdout);

    /* 1. fork: two copies of the memory. */
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        return 1;
    }
    if (child == 0) {
        value = 2;
        printf("child: value %d, my parent is %s\n", value, getppid() == me ? "the process that forked me" : "someone else");
        exit(3);
    }
    int status = 0;
    if (waitpid(child, &status, 0) != child) {
        perror("waitpid");
        return 1;
    }
    printf("parent: the child exited with %d; my value is still %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1, value);

    /* 2. Three children, collected with wait in whatever order they end. */
    int seen = 0;
    for (int i = 0; i < 3; i++) {
        fflush(stdout);
        if (fork() == 0)
            _exit(10 + i);
    }
    for (int i = 0; i < 3; i++) {
        if (wait(&status) > 0 && WIFEXITED(status))
            seen |= 1 << (WEXITSTATUS(status) - 10);
    }
    printf("wait collected exit statuses 10, 11 and 12: %s\n", seen == 7 ? "yes" : "no");

    /* 3. A child ended by a signal. */
    fflush(stdout);
    child = fork();
    if (child == 0) {
        /* Whatever the mask and disposition this process inherited, SIGTERM's default
           action ends it. */
        sigset_t terminate;
        sigemptyset(&terminate);
        sigaddset(&terminate, SIGTERM);
        signal(SIGTERM, SIG_DFL);
        sigprocmask(SIG_UNBLOCK, &terminate, NULL);
        raise(SIGTERM);
        _exit(0);
    }
    waitpid(child, &status, 0);
    printf("a child was ended by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);

    /* 4. A pipe from the child to the parent. */
    int ends[2];
    if (pipe(ends) != 0) {
        perror("pipe");
        return 1;
    }
    fflush(stdout);
    child = fork();
    if (child == 0) {
        close(ends[0]);
        const char message[] = "hello through a pipe";
        write(ends[1], message, sizeof message);
        _exit(0);
    }
    close(ends[1]);
    char buffer[64] = { 0 };
    ssize_t got = 0, n;
    while ((n = read(ends[0], buffer + got, sizeof buffer - 1 - got)) > 0)
        got += n;
    waitpid(child, &status, 0);
    printf("the parent read \"%s\" (%zd bytes)\n", buffer, got);

    /* 5. fork and execve. */
    if (argc > 1 && strcmp(argv[1], "no-exec") == 0)
        return 0;
    fflush(stdout);
    child = fork();
    if (child == 0) {
        char *arguments[] = { argv[0], "exec-child", "from-the-parent", NULL };
        char *environment[] = { "GREETING=hello", NULL };
        execve(argv[0], arguments, environment);
        perror("execve");
        _exit(127);
    }
    waitpid(child, &status, 0);
    printf("the exec'd child exited with %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}
