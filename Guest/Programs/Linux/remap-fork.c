// mremap and madvise across fork (issue 16): pages a fork shares copy-on-write keep each
// side's contents its own when one side moves them with mremap or gives them back with
// madvise. The output (without the argument `kernel`) is the same under qemu-riscv64,
// which ignores madvise; with it, the child also checks that MADV_DONTNEED gives it
// zeroes while its parent keeps its data.
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int kernel = argc > 1 && strcmp(argv[1], "kernel") == 0;
    long page = sysconf(_SC_PAGESIZE);
    char *data = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *shared = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    for (int index = 0; index < 4; index++) snprintf(data + index * page, 32, "parent page %d", index);
    strcpy(shared, "shared before");
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        char *target = mmap(NULL, 8 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        char *moved = mremap(data, 4 * page, 8 * page, MREMAP_MAYMOVE | MREMAP_FIXED, target);
        printf("child moved its copy: %d\n", moved == target);
        printf("child reads: %s / %s\n", moved, moved + 3 * page);
        strcpy(moved + page, "child wrote page 1");
        printf("child reads: %s\n", moved + page);
        char *sharedMoved = mremap(shared, page, 2 * page, MREMAP_MAYMOVE);
        strcpy(sharedMoved, "shared, written by the child after a move");
        if (kernel) {
            printf("MADV_DONTNEED: %d\n", madvise(moved, 2 * page, MADV_DONTNEED));
            printf("child reads after it: %d %d %s\n", moved[0], moved[page], moved + 2 * page);
            printf("MADV_DONTNEED on shared memory: %d, still %s\n", madvise(sharedMoved, page, MADV_DONTNEED), sharedMoved);
        }
        return 0;
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("child exited with %d\n", WEXITSTATUS(status));
    for (int index = 0; index < 4; index++) printf("parent reads: %s\n", data + index * page);
    printf("parent reads the shared page: %s\n", shared);
    return 0;
}
