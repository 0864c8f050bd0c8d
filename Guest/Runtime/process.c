/*
 * process.c: the process around main: its arguments and environment, and the
 * ways out (exit, _exit, abort).
 *
 * _start (start.S) stores argc and argv here before it calls main.
 */
#include "include/interleave.h"

long interleave_saved_argc;
char **interleave_saved_argv;

int interleave_argc(void)
{
    return (int)interleave_saved_argc;
}

char **interleave_argv(void)
{
    return interleave_saved_argv;
}

/* The environment follows argv's terminating NULL on the initial stack. */
char *getenv(const char *name)
{
    if (interleave_saved_argv == NULL)
        return NULL;
    size_t length = strlen(name);
    for (char **entry = interleave_saved_argv + interleave_saved_argc + 1;
         *entry != NULL; entry++) {
        if (strncmp(*entry, name, length) == 0 && (*entry)[length] == '=')
            return *entry + length + 1;
    }
    return NULL;
}

void _exit(int status)
{
    for (;;)
        interleave_syscall(SYS_exit_group, status, 0, 0, 0, 0, 0);
}

void exit(int status)
{
    interleave_flush();
    _exit(status);
}

/* No signals here: 134 is what a shell reports for a SIGABRT death. */
void abort(void)
{
    interleave_flush();
    interleave_write_all(2, "abort\n", 6);
    _exit(134);
}
