/*
 * pipe-fstat.c: what fstat says about a pipe's two ends and an eventfd (riscv64's
 * struct stat: st_mode at 16, st_nlink at 20, st_size at 48, st_blksize at 56): a pipe
 * is S_IFIFO | 0600, an eventfd an anonymous inode (no type bits) with 0600.
 */
#include "interleave.h"

struct stat_words {
    unsigned long dev, ino;
    unsigned int mode, nlink, uid, gid;
    unsigned long rdev, pad1;
    long size;
    int blksize, pad2;
    long blocks;
    unsigned long times[6];
    unsigned int unused[2];
};

static void describe(const char *what, int fd)
{
    struct stat_words status;
    memset(&status, 0, sizeof status);
    long result = interleave_syscall(SYS_fstat, fd, (long)&status, 0, 0, 0, 0);
    printf("%s: fstat %ld, mode 0%o, links %u, size %ld, block size %d\n", what, result, status.mode, status.nlink,
           status.size, status.blksize);
}

int main(void)
{
    int fds[2];
    if (pipe2(fds, 0) != 0) return 1;
    describe("read end", fds[0]);
    interleave_syscall(SYS_write, fds[1], (long)"abc", 3, 0, 0, 0);
    describe("write end with 3 bytes waiting", fds[1]);
    describe("eventfd", eventfd(0, 0));
    return 0;
}
