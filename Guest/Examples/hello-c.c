/*
 * hello-c.c: a guest program in C. There is no C library: the runtime's
 * interleave.h declares what there is (printf, malloc, system calls, ...).
 *
 *   interleave run Guest/Examples/hello-c.c
 */
#include "interleave.h"

int main(int argc, char **argv)
{
    printf("Hello from RISC-V, in C (%s)\n", argv[0]);
    for (int i = 1; i < argc; i++)
        printf("argument %d: %s\n", i, argv[i]);

    long pid = interleave_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0);
    int *squares = malloc(10 * sizeof *squares);
    if (squares == NULL)
        return 1;
    for (int i = 0; i < 10; i++)
        squares[i] = i * i;
    printf("process %ld, squares up to %d\n", pid, squares[9]);
    free(squares);
    return 0;
}
