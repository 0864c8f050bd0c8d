/*
 * mounts.c: what a guest can and cannot do in a mounted host folder. The first
 * argument picks the part: "ro" (a read-only mount at /data: reads work, every change
 * is EROFS, the guest cannot reach outside the folder), "rw" (a writable mount at /data:
 * changes reach the host folder), "full" (writes into /tmp until ENOSPC), "gone" (a
 * read of a mounted file the host removed gives EIO).
 */
#include "interleave.h"

static long call(long n, long a, long b, long c, long d, long e)
{
    return interleave_syscall(n, a, b, c, d, e, 0);
}

static long show(const char *label, long result)
{
    printf("%s: %ld\n", label, result);
    return result;
}

static long open_path(const char *path, long flags)
{
    return call(SYS_openat, AT_FDCWD, (long)path, flags, 0644, 0);
}

static void cat(const char *label, const char *path)
{
    char buffer[256];
    long fd = open_path(path, O_RDONLY);
    if (fd < 0) {
        show(label, fd);
        return;
    }
    long got = call(SYS_read, fd, (long)buffer, sizeof buffer - 1, 0, 0);
    call(SYS_close, fd, 0, 0, 0, 0);
    buffer[got > 0 ? got : 0] = 0;
    printf("%s: \"%s\"\n", label, buffer);
}

static void list(const char *label, const char *path)
{
    char buffer[1024];
    long fd = open_path(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        show(label, fd);
        return;
    }
    printf("%s:", label);
    long got;
    while ((got = call(SYS_getdents64, fd, (long)buffer, sizeof buffer, 0, 0)) > 0)
        for (long at = 0; at < got;) {
            struct linux_dirent64 *entry = (struct linux_dirent64 *)(buffer + at);
            printf(" %s%s", entry->d_name, entry->d_type == DT_DIR ? "/" : "");
            at += entry->d_reclen;
        }
    printf("\n");
    call(SYS_close, fd, 0, 0, 0, 0);
}

static void read_only(void)
{
    struct stat st;
    list("list /data", "/data");
    cat("hello.txt", "/data/hello.txt");
    cat("sub/inner.txt", "/data/sub/inner.txt");
    cat("link-in", "/data/link-in");
    cat("link-out", "/data/link-out");
    cat("dotdot out of the mount", "/data/../../etc/passwd");
    cat("dotdot back in", "/data/sub/../hello.txt");
    show("stat hello.txt", call(SYS_newfstatat, AT_FDCWD, (long)"/data/hello.txt", (long)&st, 0, 0));
    printf("size %ld mode %o\n", st.st_size, st.st_mode & 07777);
    show("open for writing", open_path("/data/hello.txt", O_WRONLY));
    show("open with O_TRUNC", open_path("/data/hello.txt", O_RDONLY | O_TRUNC));
    show("create", open_path("/data/new.txt", O_CREAT | O_WRONLY));
    show("mkdir", call(SYS_mkdirat, AT_FDCWD, (long)"/data/newdir", 0755, 0, 0));
    show("unlink", call(SYS_unlinkat, AT_FDCWD, (long)"/data/hello.txt", 0, 0, 0));
    show("rename", call(SYS_renameat2, AT_FDCWD, (long)"/data/hello.txt", AT_FDCWD, (long)"/data/moved.txt", 0));
    show("rename out of the mount", call(SYS_renameat2, AT_FDCWD, (long)"/data/hello.txt", AT_FDCWD, (long)"/tmp/moved.txt", 0));
    show("access W_OK", call(SYS_faccessat, AT_FDCWD, (long)"/data/hello.txt", W_OK, 0, 0));
    show("access R_OK", call(SYS_faccessat, AT_FDCWD, (long)"/data/hello.txt", R_OK, 0, 0));
    show("rmdir the mount", call(SYS_unlinkat, AT_FDCWD, (long)"/data", AT_REMOVEDIR, 0, 0));
    show("chdir /data/sub", call(SYS_chdir, (long)"/data/sub", 0, 0, 0, 0));
    cat("relative ../hello.txt", "../hello.txt");
    char cwd[64];
    call(SYS_getcwd, (long)cwd, sizeof cwd, 0, 0, 0);
    printf("cwd %s\n", cwd);
}

static void read_write(void)
{
    long fd = open_path("/data/hello.txt", O_WRONLY | O_APPEND);
    show("append", call(SYS_write, fd, (long)" and more", 9, 0, 0));
    call(SYS_close, fd, 0, 0, 0, 0);
    cat("hello.txt", "/data/hello.txt");
    fd = open_path("/data/made.txt", O_CREAT | O_EXCL | O_WRONLY);
    show("write made.txt", call(SYS_write, fd, (long)"made in the guest", 17, 0, 0));
    show("ftruncate", call(SYS_ftruncate, fd, 4, 0, 0, 0));
    call(SYS_close, fd, 0, 0, 0, 0);
    show("mkdir", call(SYS_mkdirat, AT_FDCWD, (long)"/data/newdir", 0755, 0, 0));
    show("rename", call(SYS_renameat2, AT_FDCWD, (long)"/data/made.txt", AT_FDCWD, (long)"/data/newdir/moved.txt", 0));
    show("unlink inner", call(SYS_unlinkat, AT_FDCWD, (long)"/data/sub/inner.txt", 0, 0, 0));
    fd = open_path("/data/gone.txt", O_RDONLY);
    show("unlink while open", call(SYS_unlinkat, AT_FDCWD, (long)"/data/gone.txt", 0, 0, 0));
    char buffer[64] = { 0 };
    show("read after unlink", call(SYS_read, fd, (long)buffer, 63, 0, 0));
    printf("\"%s\"\n", buffer);
    call(SYS_close, fd, 0, 0, 0, 0);
    show("rename across mounts", call(SYS_renameat2, AT_FDCWD, (long)"/data/hello.txt", AT_FDCWD, (long)"/tmp/x", 0));
    list("list /data", "/data");
}

static void full(void)
{
    static char block[65536];
    memset(block, 'f', sizeof block);
    long fd = open_path("/tmp/big", O_CREAT | O_WRONLY);
    long total = 0, result;
    while ((result = call(SYS_write, fd, (long)block, sizeof block, 0, 0)) > 0)
        total += result;
    printf("wrote %ld KiB, then %ld\n", total >> 10, result);
    show("another file", open_path("/tmp/other", O_CREAT | O_WRONLY) >= 0);
    show("ftruncate to 1 GiB (a hole)", call(SYS_ftruncate, fd, 1L << 30, 0, 0, 0));
    show("unlink while open", call(SYS_unlinkat, AT_FDCWD, (long)"/tmp/big", 0, 0, 0));
    long again = open_path("/tmp/second", O_CREAT | O_WRONLY);
    show("write while the unlinked file is open", call(SYS_write, again, (long)block, 4096, 0, 0));
    call(SYS_close, fd, 0, 0, 0, 0);
    show("write after the last close", call(SYS_write, again, (long)block, 4096, 0, 0));
}

/* Opens a mounted file, computes a while (the test removes the host file meanwhile),
 * then reads it: the disk "fails", EIO. */
static void host_file_gone(void)
{
    long fd = open_path("/data/hello.txt", O_RDONLY);
    show("open", fd >= 0);
    volatile unsigned long spin = 0;
    for (unsigned long i = 0; i < 2000000; i++)
        spin += i;
    char buffer[64];
    show("read after the host file went", call(SYS_read, fd, (long)buffer, sizeof buffer, 0, 0));
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "ro";
    if (strcmp(part, "ro") == 0)
        read_only();
    else if (strcmp(part, "rw") == 0)
        read_write();
    else if (strcmp(part, "gone") == 0)
        host_file_gone();
    else
        full();
    return 0;
}
