/*
 * files.c: every file and descriptor call with its results and errnos, printed as
 * text, so the run under Interleave's kernel can be compared byte for byte with the
 * run under qemu-riscv64 (which passes the calls to the host's Linux). It works only
 * inside a folder it makes under /tmp, named from its pid, and removes it at the end.
 * Only what is the same on both is printed: no inode numbers, times, pids or
 * descriptor numbers qemu's own open files could shift.
 */
#include "interleave.h"

/* Linux's struct io_vector and struct limit_pair, under names of this file's own. */
struct io_vector {
    void *base;
    size_t length;
};

struct limit_pair {
    unsigned long soft;
    unsigned long hard;
};

static long call(long n, long a, long b, long c, long d, long e)
{
    return interleave_syscall(n, a, b, c, d, e, 0);
}

static const char *name_of(long result)
{
    switch (-result) {
    case 1: return "EPERM";
    case 2: return "ENOENT";
    case 6: return "ENXIO";
    case 9: return "EBADF";
    case 13: return "EACCES";
    case 14: return "EFAULT";
    case 16: return "EBUSY";
    case 17: return "EEXIST";
    case 18: return "EXDEV";
    case 20: return "ENOTDIR";
    case 21: return "EISDIR";
    case 22: return "EINVAL";
    case 24: return "EMFILE";
    case 28: return "ENOSPC";
    case 29: return "ESPIPE";
    case 30: return "EROFS";
    case 34: return "ERANGE";
    case 36: return "ENAMETOOLONG";
    case 39: return "ENOTEMPTY";
    default: return "E?";
    }
}

/* "label: 12" or "label: -ENOENT". */
static long show(const char *label, long result)
{
    if (result < 0 && result > -4096)
        printf("%s: -%s\n", label, name_of(result));
    else
        printf("%s: %ld\n", label, result);
    return result;
}

/* "label: ok" for a descriptor (its number may differ under qemu), or the error. */
static long show_fd(const char *label, long result)
{
    if (result < 0)
        return show(label, result);
    printf("%s: ok\n", label);
    return result;
}

/* F_GETFL without O_LARGEFILE: Linux riscv64 sets it on every file a 64-bit process
 * opens, but qemu on an x86-64 host does not show it. */
static long flags_of(long fd)
{
    long flags = call(SYS_fcntl, fd, F_GETFL, 0, 0, 0);
    return flags < 0 ? flags : flags & ~O_LARGEFILE;
}

static long open_at(int dirfd, const char *path, long flags, long mode)
{
    return call(SYS_openat, dirfd, (long)path, flags, mode, 0);
}

static long open_path(const char *path, long flags)
{
    return open_at(AT_FDCWD, path, flags, 0644);
}

static long rd(long fd, void *buffer, long count) { return call(SYS_read, fd, (long)buffer, count, 0, 0); }
static long wr(long fd, const void *buffer, long count) { return call(SYS_write, fd, (long)buffer, count, 0, 0); }
static long cl(long fd) { return call(SYS_close, fd, 0, 0, 0, 0); }
static long seek(long fd, long offset, long whence) { return call(SYS_lseek, fd, offset, whence, 0, 0); }
static long stat_at(int dirfd, const char *path, struct stat *st, long flags)
{
    return call(SYS_newfstatat, dirfd, (long)path, (long)st, flags, 0);
}

static void show_stat(const char *label, struct stat *st)
{
    const char *type = (st->st_mode & S_IFMT) == S_IFREG ? "file" : (st->st_mode & S_IFMT) == S_IFDIR ? "dir" : "other";
    if ((st->st_mode & S_IFMT) == S_IFREG)
        printf("%s: %s mode %o size %ld links %u\n", label, type, st->st_mode & 07777, st->st_size, st->st_nlink);
    else
        printf("%s: %s mode %o\n", label, type, st->st_mode & 07777);
}

static void show_text(const char *label, long fd, long count)
{
    char buffer[128];
    long got = rd(fd, buffer, count < 127 ? count : 127);
    if (got < 0) {
        show(label, got);
        return;
    }
    buffer[got] = 0;
    for (long i = 0; i < got; i++)
        if (buffer[i] == 0) buffer[i] = '0';
        else if (buffer[i] == '\n') buffer[i] = '|';
    printf("%s: %ld \"%s\"\n", label, got, buffer);
}

/* Lists a directory with getdents64 in chunks of `chunk` bytes; prints the sorted names. */
static void list(const char *label, const char *path, long chunk, int unlink_as_it_goes)
{
    long fd = open_path(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        show(label, fd);
        return;
    }
    char names[32][64];
    int types[32];
    int count = 0;
    char buffer[512];
    for (;;) {
        long got = call(SYS_getdents64, fd, (long)buffer, chunk, 0, 0);
        if (got < 0) {
            show(label, got);
            break;
        }
        if (got == 0)
            break;
        for (long at = 0; at < got;) {
            struct linux_dirent64 *entry = (struct linux_dirent64 *)(buffer + at);
            if (count < 32) {
                strncpy(names[count], entry->d_name, 63);
                names[count][63] = 0;
                types[count] = entry->d_type;
                count++;
            }
            if (unlink_as_it_goes && strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) {
                char full[128];
                snprintf(full, sizeof full, "%s/%s", path, entry->d_name);
                call(SYS_unlinkat, AT_FDCWD, (long)full, 0, 0, 0);
            }
            at += entry->d_reclen;
        }
    }
    cl(fd);
    for (int i = 1; i < count; i++)
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char swap[64];
            strcpy(swap, names[j]);
            strcpy(names[j], names[j - 1]);
            strcpy(names[j - 1], swap);
            int t = types[j];
            types[j] = types[j - 1];
            types[j - 1] = t;
        }
    printf("%s:", label);
    for (int i = 0; i < count; i++)
        printf(" %s%s", names[i], types[i] == DT_DIR ? "/" : "");
    printf("\n");
}

static char folder[64];

static void files(void)
{
    char buffer[256];
    struct stat st;

    long fd = show_fd("create a.txt", open_path("a.txt", O_CREAT | O_WRONLY | O_TRUNC));
    show("write", wr(fd, "hello world\n", 12));
    show("lseek cur", seek(fd, 0, SEEK_CUR));
    show("read write-only", rd(fd, buffer, 4));
    show("fstat", call(SYS_fstat, fd, (long)&st, 0, 0, 0));
    show_stat("a.txt", &st);
    show("fsync", call(SYS_fsync, fd, 0, 0, 0, 0));
    show("fdatasync", call(SYS_fdatasync, fd, 0, 0, 0, 0));
    show("close", cl(fd));

    fd = show_fd("open a.txt", open_path("a.txt", O_RDONLY));
    show_text("read 5", fd, 5);
    long got = call(SYS_pread64, fd, (long)buffer, 5, 6, 0);
    buffer[got > 0 ? got : 0] = 0;
    printf("pread 5 at 6: %ld \"%s\"\n", got, buffer);
    show("lseek cur after pread", seek(fd, 0, SEEK_CUR));
    show("lseek -1 set", seek(fd, -1, SEEK_SET));
    show("lseek -100 cur", seek(fd, -100, SEEK_CUR));
    show("lseek whence 7", seek(fd, 0, 7));
    show("lseek 2 end", seek(fd, 2, SEEK_END));
    show("read past end", rd(fd, buffer, 10));
    show("lseek data 3", seek(fd, 3, SEEK_DATA));
    show("lseek hole 3", seek(fd, 3, SEEK_HOLE));
    show("lseek data 40", seek(fd, 40, SEEK_DATA));
    show("pread offset -1", call(SYS_pread64, fd, (long)buffer, 5, -1, 0));
    show("write read-only", wr(fd, "x", 1));
    show("pwrite read-only", call(SYS_pwrite64, fd, (long)"x", 1, 0, 0));
    show("ftruncate read-only", call(SYS_ftruncate, fd, 0, 0, 0, 0));
    show("read bad buffer", rd(fd, (void *)8, 4));
    show("lseek cur after bad read", seek(fd, 0, SEEK_CUR));
    show("fstat bad buffer", call(SYS_fstat, fd, 8, 0, 0, 0));
    show("close", cl(fd));

    fd = show_fd("open append", open_path("a.txt", O_WRONLY | O_APPEND));
    show("lseek 0", seek(fd, 0, SEEK_SET));
    show("append", wr(fd, "tail", 4));
    show("lseek cur after append", seek(fd, 0, SEEK_CUR));
    show("pwrite at 0 appends", call(SYS_pwrite64, fd, (long)"!!", 2, 0, 0));
    show("write bad buffer", wr(fd, (void *)8, 4));
    show("close", cl(fd));
    fd = open_path("a.txt", O_RDONLY);
    show_text("whole a.txt", fd, 100);
    cl(fd);

    show("create exclusive existing", open_path("a.txt", O_CREAT | O_EXCL | O_WRONLY));
    show("open missing", open_path("missing.txt", O_RDONLY));
    show("open file/", open_path("a.txt/", O_RDONLY));
    show("open file/x", open_path("a.txt/x", O_RDONLY));
    show("create new/", open_path("new/", O_CREAT | O_WRONLY));
    show("open . write", open_path(".", O_WRONLY));
    show("open . creat", open_path(".", O_CREAT | O_RDONLY));
    show("open file O_DIRECTORY", open_path("a.txt", O_RDONLY | O_DIRECTORY));
    show("open empty path", open_path("", O_RDONLY));
    show("create with O_DIRECTORY", open_path("dir-or-file", O_CREAT | O_DIRECTORY | O_RDONLY));
    show("create with O_DIRECTORY, existing", open_path("a.txt", O_CREAT | O_DIRECTORY | O_RDONLY));
    show("stat after", stat_at(AT_FDCWD, "dir-or-file", &st, 0));
    show("open bad path pointer", open_at(AT_FDCWD, (const char *)8, O_RDONLY, 0));
    fd = show_fd("open . directory", open_path(".", O_RDONLY | O_DIRECTORY));
    show("getfl directory", flags_of(fd));
    show("read directory", rd(fd, buffer, 10));
    show("pread directory", call(SYS_pread64, fd, (long)buffer, 10, 0, 0));
    show("fsync directory", call(SYS_fsync, fd, 0, 0, 0, 0));
    show("ftruncate directory", call(SYS_ftruncate, fd, 0, 0, 0, 0));
    show("close", cl(fd));

    char long_name[300];
    memset(long_name, 'x', 256);
    long_name[256] = 0;
    show("create 256-byte name", open_path(long_name, O_CREAT | O_WRONLY));
    long_name[255] = 0;
    fd = show_fd("create 255-byte name", open_path(long_name, O_CREAT | O_WRONLY));
    cl(fd);
    show("unlink 255-byte name", call(SYS_unlinkat, AT_FDCWD, (long)long_name, 0, 0, 0));
    static char long_path[4200];
    for (int i = 0; i < 4096; i += 2) {
        long_path[i] = '.';
        long_path[i + 1] = '/';
    }
    long_path[4096] = 0;
    show("4096-byte path", open_path(long_path, O_RDONLY));
    long_path[4094] = 0;   /* 4094 bytes: "./" × 2047, the folder itself */
    fd = open_path(long_path, O_RDONLY);
    show("4094-byte path opens", fd >= 0);
    cl(fd);
}

static void directories(void)
{
    struct stat st;
    show("mkdir d", call(SYS_mkdirat, AT_FDCWD, (long)"d", 0755, 0, 0));
    show("mkdir d again", call(SYS_mkdirat, AT_FDCWD, (long)"d", 0755, 0, 0));
    show("mkdir .", call(SYS_mkdirat, AT_FDCWD, (long)".", 0755, 0, 0));
    show("mkdir nope/x", call(SYS_mkdirat, AT_FDCWD, (long)"nope/x", 0755, 0, 0));
    show("mkdir a.txt/x", call(SYS_mkdirat, AT_FDCWD, (long)"a.txt/x", 0755, 0, 0));
    show("mkdir d/sub/", call(SYS_mkdirat, AT_FDCWD, (long)"d/sub/", 0700, 0, 0));
    cl(open_path("d/f1", O_CREAT | O_WRONLY));
    cl(open_path("d/f2", O_CREAT | O_WRONLY));
    show("stat d", stat_at(AT_FDCWD, "d", &st, 0));
    show_stat("d", &st);
    show("stat d/sub", stat_at(AT_FDCWD, "d/sub", &st, 0));
    show_stat("d/sub", &st);
    list("list d", "d", 512, 0);
    list("list d in 40-byte reads", "d", 40, 0);
    list("list d with a tiny buffer", "d", 10, 0);

    long dirfd = show_fd("open d", open_path("d", O_RDONLY | O_DIRECTORY));
    show("stat f1 from dirfd", stat_at(dirfd, "f1", &st, 0));
    show_stat("f1", &st);
    show("stat AT_EMPTY_PATH", stat_at(dirfd, "", &st, AT_EMPTY_PATH));
    show_stat("d by fd", &st);
    show("stat empty path", stat_at(dirfd, "", &st, 0));
    show("stat bad flags", stat_at(dirfd, "f1", &st, 4));
    show("stat nofollow", stat_at(dirfd, "f1", &st, AT_SYMLINK_NOFOLLOW));
    long filefd = open_path("a.txt", O_RDONLY);
    show("stat relative to a file", stat_at(filefd, "x", &st, 0));
    show("getdents on a file", call(SYS_getdents64, filefd, (long)&st, 128, 0, 0));
    cl(filefd);
    show("stat relative to fd 999", stat_at(999, "x", &st, 0));
    show("getdents fd 999", call(SYS_getdents64, 999, (long)&st, 128, 0, 0));
    show("open f2 from dirfd", cl(open_at(dirfd, "f2", O_RDONLY, 0)));
    show("mkdir from dirfd", call(SYS_mkdirat, dirfd, (long)"sub2", 0755, 0, 0));
    show("getdents bad buffer", call(SYS_getdents64, dirfd, 8, 128, 0, 0));
    cl(dirfd);

    show("unlink d", call(SYS_unlinkat, AT_FDCWD, (long)"d", 0, 0, 0));
    show("rmdir d", call(SYS_unlinkat, AT_FDCWD, (long)"d", AT_REMOVEDIR, 0, 0));
    show("rmdir a.txt", call(SYS_unlinkat, AT_FDCWD, (long)"a.txt", AT_REMOVEDIR, 0, 0));
    show("unlink missing", call(SYS_unlinkat, AT_FDCWD, (long)"missing", 0, 0, 0));
    show("rmdir .", call(SYS_unlinkat, AT_FDCWD, (long)".", AT_REMOVEDIR, 0, 0));
    show("rmdir /", call(SYS_unlinkat, AT_FDCWD, (long)"/", AT_REMOVEDIR, 0, 0));
    show("rmdir /.", call(SYS_unlinkat, AT_FDCWD, (long)"/.", AT_REMOVEDIR, 0, 0));
    show("unlink /", call(SYS_unlinkat, AT_FDCWD, (long)"/", 0, 0, 0));
    show("mkdir /", call(SYS_mkdirat, AT_FDCWD, (long)"/", 0755, 0, 0));
    show("rmdir d/..", call(SYS_unlinkat, AT_FDCWD, (long)"d/..", AT_REMOVEDIR, 0, 0));
    show("unlink ..", call(SYS_unlinkat, AT_FDCWD, (long)"..", 0, 0, 0));
    show("unlink flags 1", call(SYS_unlinkat, AT_FDCWD, (long)"a.txt", 1, 0, 0));
    show("unlink a.txt/", call(SYS_unlinkat, AT_FDCWD, (long)"a.txt/", 0, 0, 0));
    show("rmdir d/sub2", call(SYS_unlinkat, AT_FDCWD, (long)"d/sub2", AT_REMOVEDIR, 0, 0));

    show("rename a.txt b.txt", call(SYS_renameat2, AT_FDCWD, (long)"a.txt", AT_FDCWD, (long)"b.txt", 0));
    show("stat a.txt", stat_at(AT_FDCWD, "a.txt", &st, 0));
    show("stat b.txt", stat_at(AT_FDCWD, "b.txt", &st, 0));
    show_stat("b.txt", &st);
    show("rename missing", call(SYS_renameat2, AT_FDCWD, (long)"a.txt", AT_FDCWD, (long)"c.txt", 0));
    show("rename noreplace onto d/f1", call(SYS_renameat2, AT_FDCWD, (long)"b.txt", AT_FDCWD, (long)"d/f1", RENAME_NOREPLACE));
    show("rename file over dir", call(SYS_renameat2, AT_FDCWD, (long)"b.txt", AT_FDCWD, (long)"d/sub", 0));
    show("rename dir over file", call(SYS_renameat2, AT_FDCWD, (long)"d/sub", AT_FDCWD, (long)"b.txt", 0));
    show("rename dir into itself", call(SYS_renameat2, AT_FDCWD, (long)"d", AT_FDCWD, (long)"d/sub/d", 0));
    show("rename over non-empty dir", call(SYS_renameat2, AT_FDCWD, (long)"d/sub", AT_FDCWD, (long)"d/..", 0));
    show("mkdir e", call(SYS_mkdirat, AT_FDCWD, (long)"e", 0755, 0, 0));
    show("mkdir e2", call(SYS_mkdirat, AT_FDCWD, (long)"e2", 0755, 0, 0));
    show("rename e2 over empty e", call(SYS_renameat2, AT_FDCWD, (long)"e2", AT_FDCWD, (long)"e", 0));
    show("rename e over d (not empty)", call(SYS_renameat2, AT_FDCWD, (long)"e", AT_FDCWD, (long)"d", 0));
    show("rename flags 8", call(SYS_renameat2, AT_FDCWD, (long)"b.txt", AT_FDCWD, (long)"c.txt", 8));
    show("rename onto itself", call(SYS_renameat2, AT_FDCWD, (long)"b.txt", AT_FDCWD, (long)"b.txt", 0));
    show("rename d/f1 over d/f2", call(SYS_renameat2, AT_FDCWD, (long)"d/f1", AT_FDCWD, (long)"d/f2", 0));
    show("rename d/f2 to e/f", call(SYS_renameat2, AT_FDCWD, (long)"d/f2", AT_FDCWD, (long)"e/f", 0));
    list("list d after renames", "d", 512, 0);
    list("list e", "e", 512, 0);
    show("rename from .", call(SYS_renameat2, AT_FDCWD, (long)".", AT_FDCWD, (long)"z", 0));

    show("access b.txt", call(SYS_faccessat, AT_FDCWD, (long)"b.txt", F_OK, 0, 0));
    show("access rw", call(SYS_faccessat, AT_FDCWD, (long)"b.txt", R_OK | W_OK, 0, 0));
    show("access x on 644", call(SYS_faccessat, AT_FDCWD, (long)"b.txt", X_OK, 0, 0));
    show("access x on dir", call(SYS_faccessat, AT_FDCWD, (long)"d", X_OK, 0, 0));
    show("access missing", call(SYS_faccessat, AT_FDCWD, (long)"missing", R_OK, 0, 0));
    show("access mode 8", call(SYS_faccessat, AT_FDCWD, (long)"b.txt", 8, 0, 0));

    /* Removing as getdents64 goes must not skip an entry. */
    for (int i = 0; i < 12; i++) {
        char path[32];
        snprintf(path, sizeof path, "e/n%02d", i);
        cl(open_path(path, O_CREAT | O_WRONLY));
    }
    list("list e removing as it goes", "e", 64, 1);
    list("list e after", "e", 512, 0);
}

static void unlinked_while_open(void)
{
    struct stat st;
    long fd = show_fd("create u.txt", open_path("u.txt", O_CREAT | O_RDWR));
    show("write", wr(fd, "still here", 10));
    show("unlink u.txt", call(SYS_unlinkat, AT_FDCWD, (long)"u.txt", 0, 0, 0));
    show("fstat", call(SYS_fstat, fd, (long)&st, 0, 0, 0));
    show_stat("u.txt unlinked", &st);
    show("lseek 0", seek(fd, 0, SEEK_SET));
    show_text("read unlinked", fd, 50);
    show("stat u.txt", stat_at(AT_FDCWD, "u.txt", &st, 0));
    long other = show_fd("create u.txt again", open_path("u.txt", O_CREAT | O_RDWR | O_EXCL));
    show("write other", wr(other, "new", 3));
    show("pread old", call(SYS_pread64, fd, (long)&st, 10, 0, 0));
    cl(other);
    show("close", cl(fd));
    call(SYS_unlinkat, AT_FDCWD, (long)"u.txt", 0, 0, 0);

    fd = open_path("t.txt", O_CREAT | O_RDWR);
    show("write 6", wr(fd, "abcdef", 6));
    show("ftruncate 10000", call(SYS_ftruncate, fd, 10000, 0, 0, 0));
    call(SYS_fstat, fd, (long)&st, 0, 0, 0);
    show_stat("t.txt grown", &st);
    char zeros[16];
    memset(zeros, 'z', sizeof zeros);
    show("pread at 5000", call(SYS_pread64, fd, (long)zeros, 16, 5000, 0));
    int all_zero = 1;
    for (int i = 0; i < 16; i++)
        if (zeros[i] != 0) all_zero = 0;
    printf("zeros in the hole: %d\n", all_zero);
    show("ftruncate 3", call(SYS_ftruncate, fd, 3, 0, 0, 0));
    show("lseek 0", seek(fd, 0, SEEK_SET));
    show_text("read after shrink", fd, 50);
    show("ftruncate 5 (grow)", call(SYS_ftruncate, fd, 5, 0, 0, 0));
    show("lseek 0", seek(fd, 0, SEEK_SET));
    show_text("read after grow", fd, 50);
    show("ftruncate -1", call(SYS_ftruncate, fd, -1, 0, 0, 0));
    show("ftruncate fd 999", call(SYS_ftruncate, 999, 0, 0, 0, 0));
    show("pwrite at 8192", call(SYS_pwrite64, fd, (long)"end", 3, 8192, 0));
    call(SYS_fstat, fd, (long)&st, 0, 0, 0);
    show_stat("t.txt after pwrite", &st);
    show("O_TRUNC", cl(open_path("t.txt", O_WRONLY | O_TRUNC)));
    call(SYS_fstat, fd, (long)&st, 0, 0, 0);
    show_stat("t.txt truncated", &st);
    cl(fd);
    call(SYS_unlinkat, AT_FDCWD, (long)"t.txt", 0, 0, 0);
}

static void descriptors(void)
{
    char buffer[64];
    show("close -1", cl(-1));
    show("close 999", cl(999));
    show("dup 999", call(SYS_dup, 999, 0, 0, 0, 0));
    long fd = open_path("b.txt", O_RDWR);
    long copy = call(SYS_dup, fd, 0, 0, 0, 0);
    printf("dup: %s\n", copy > fd ? "above" : "below");
    show("write via fd", wr(fd, "0123456789", 10));
    show("lseek on the dup (shared offset)", seek(copy, 0, SEEK_CUR));
    show("close dup", cl(copy));
    show("dup3 same", call(SYS_dup3, fd, fd, 0, 0, 0));
    show("dup3 to 50", call(SYS_dup3, fd, 50, 0, 0, 0));
    show("dup3 to 51 cloexec", call(SYS_dup3, fd, 51, O_CLOEXEC, 0, 0));
    show("getfd 50", call(SYS_fcntl, 50, F_GETFD, 0, 0, 0));
    show("getfd 51", call(SYS_fcntl, 51, F_GETFD, 0, 0, 0));
    show("setfd 50", call(SYS_fcntl, 50, F_SETFD, FD_CLOEXEC, 0, 0));
    show("getfd 50 after", call(SYS_fcntl, 50, F_GETFD, 0, 0, 0));
    show("dup3 bad flags", call(SYS_dup3, fd, 52, 4, 0, 0));
    show("dup3 from 999", call(SYS_dup3, 999, 53, 0, 0, 0));
    show("dup3 to -1", call(SYS_dup3, fd, -1, 0, 0, 0));
    show("dup3 over 50", call(SYS_dup3, 51, 50, 0, 0, 0));
    show("getfd 50 replaced", call(SYS_fcntl, 50, F_GETFD, 0, 0, 0));
    show("F_DUPFD 60", call(SYS_fcntl, fd, F_DUPFD, 60, 0, 0));
    show("F_DUPFD 60 again", call(SYS_fcntl, fd, F_DUPFD, 60, 0, 0));
    show("F_DUPFD_CLOEXEC 60", call(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 60, 0, 0));
    show("getfd 62", call(SYS_fcntl, 62, F_GETFD, 0, 0, 0));
    show("F_DUPFD -1", call(SYS_fcntl, fd, F_DUPFD, -1, 0, 0));
    show("getfl rdwr", flags_of(fd));
    show("setfl nonblock append", call(SYS_fcntl, fd, F_SETFL, O_NONBLOCK | O_APPEND | O_RDONLY, 0, 0));
    show("getfl after", flags_of(60));
    show("append via nonblocking", wr(fd, "+", 1));
    show("fcntl bad command", call(SYS_fcntl, fd, 9999, 0, 0, 0));
    show("fcntl fd 999", call(SYS_fcntl, 999, F_GETFL, 0, 0, 0));
    for (int extra = 50; extra <= 62; extra++)
        cl(extra);

    long ro = open_path("b.txt", O_RDONLY | O_CLOEXEC);
    show("getfl rdonly", flags_of(ro));
    show("getfd cloexec", call(SYS_fcntl, ro, F_GETFD, 0, 0, 0));
    cl(ro);

    struct io_vector out[3] = { { "ab", 2 }, { "", 0 }, { "cdef", 4 } };
    show("lseek 0", seek(fd, 0, SEEK_SET));
    show("setfl none", call(SYS_fcntl, fd, F_SETFL, 0, 0, 0));
    show("writev", call(SYS_writev, fd, (long)out, 3, 0, 0));
    show("lseek 0", seek(fd, 0, SEEK_SET));
    char first[3] = { 0 }, second[5] = { 0 };
    struct io_vector in[2] = { { first, 2 }, { second, 4 } };
    show("readv", call(SYS_readv, fd, (long)in, 2, 0, 0));
    printf("readv got \"%s\" \"%s\"\n", first, second);
    show("readv -1", call(SYS_readv, fd, (long)in, -1, 0, 0));
    show("readv 1025", call(SYS_readv, fd, (long)in, 1025, 0, 0));
    show("readv bad vector", call(SYS_readv, fd, 8, 2, 0, 0));
    show("writev bad vector", call(SYS_writev, fd, 8, 2, 0, 0));
    struct io_vector bad[1] = { { (void *)8, 4 } };
    show("writev bad buffer", call(SYS_writev, fd, (long)bad, 1, 0, 0));
    show("readv bad buffer", call(SYS_readv, fd, (long)bad, 1, 0, 0));
    show("readv none", call(SYS_readv, fd, (long)in, 0, 0, 0));
    show("lseek stdout", seek(1, 0, SEEK_CUR));
    show("pread stdout", call(SYS_pread64, 1, (long)buffer, 1, 0, 0));
    show("pwrite stdout", call(SYS_pwrite64, 1, (long)"x", 1, 0, 0));
    show("fsync stdout", call(SYS_fsync, 1, 0, 0, 0, 0));
    show("fsync 999", call(SYS_fsync, 999, 0, 0, 0, 0));
    show("ftruncate stdout", call(SYS_ftruncate, 1, 0, 0, 0, 0));
    cl(fd);

    /* EMFILE once RLIMIT_NOFILE is lowered. */
    struct limit_pair limit = { 16, 16 }, old;
    show("prlimit64 16", call(SYS_prlimit64, 0, RLIMIT_NOFILE, (long)&limit, (long)&old, 0));
    show("getrlimit", call(SYS_getrlimit, RLIMIT_NOFILE, (long)&limit, 0, 0, 0));
    printf("limit now %lu %lu\n", limit.soft, limit.hard);
    struct limit_pair raise = { 32, 8 };
    show("setrlimit soft above hard", call(SYS_setrlimit, RLIMIT_NOFILE, (long)&raise, 0, 0, 0));
    long opened[20];
    int count = 0;
    long last = 0;
    while (count < 20) {
        last = open_path("b.txt", O_RDONLY);
        if (last < 0)
            break;
        opened[count++] = last;
    }
    show("open until it fails", last);
    printf("highest below 16: %d\n", count > 0 && opened[count - 1] == 15);
    show("open a missing file at the limit", open_path("missing", O_RDONLY));
    show("open with a bad dirfd at the limit", open_at(999, "x", O_RDONLY, 0));
    show("open an empty path at the limit", open_path("", O_RDONLY));
    show("dup at the limit", call(SYS_dup, 0 + opened[0], 0, 0, 0, 0));
    show("F_DUPFD 16", call(SYS_fcntl, opened[0], F_DUPFD, 16, 0, 0));
    show("dup3 to 16", call(SYS_dup3, opened[0], 16, 0, 0, 0));
    show("mkdir still works", call(SYS_mkdirat, AT_FDCWD, (long)"m", 0755, 0, 0));
    show("rmdir m", call(SYS_unlinkat, AT_FDCWD, (long)"m", AT_REMOVEDIR, 0, 0));
    for (int i = 0; i < count; i++)
        cl(opened[i]);
    show("open after closing", cl(open_path("b.txt", O_RDONLY)));
}

static void working_directory(void)
{
    char cwd[256];
    long length = call(SYS_getcwd, (long)cwd, sizeof cwd, 0, 0, 0);
    printf("getcwd: %s, length %s\n", length > 0 && strcmp(cwd, folder) == 0 ? "the folder" : "wrong",
           length == (long)strlen(folder) + 1 ? "with the NUL" : "wrong");
    show("getcwd exact size minus one", call(SYS_getcwd, (long)cwd, strlen(folder), 0, 0, 0));
    show("getcwd size 1", call(SYS_getcwd, (long)cwd, 1, 0, 0, 0));
    show("getcwd bad buffer", call(SYS_getcwd, 8, 256, 0, 0, 0));
    show("chdir d", call(SYS_chdir, (long)"d", 0, 0, 0, 0));
    length = call(SYS_getcwd, (long)cwd, sizeof cwd, 0, 0, 0);
    printf("getcwd in d: %s\n", length > 0 && strncmp(cwd, folder, strlen(folder)) == 0 && strcmp(cwd + strlen(folder), "/d") == 0 ? "ok" : "wrong");
    show("rename d to d2 while inside", call(SYS_renameat2, AT_FDCWD, (long)"../d", AT_FDCWD, (long)"../d2", 0));
    length = call(SYS_getcwd, (long)cwd, sizeof cwd, 0, 0, 0);
    printf("getcwd follows: %s\n", length > 0 && strcmp(cwd + strlen(folder), "/d2") == 0 ? "ok" : "wrong");
    show("stat sub from the renamed cwd", call(SYS_newfstatat, AT_FDCWD, (long)"sub", (long)cwd, 0, 0));
    show("rename it back", call(SYS_renameat2, AT_FDCWD, (long)"../d2", AT_FDCWD, (long)"../d", 0));
    show("chdir ..", call(SYS_chdir, (long)"..", 0, 0, 0, 0));
    show("chdir b.txt", call(SYS_chdir, (long)"b.txt", 0, 0, 0, 0));
    show("chdir missing", call(SYS_chdir, (long)"missing", 0, 0, 0, 0));
    show("chdir empty", call(SYS_chdir, (long)"", 0, 0, 0, 0));
    show("chdir bad pointer", call(SYS_chdir, 8, 0, 0, 0, 0));
    length = call(SYS_getcwd, (long)cwd, sizeof cwd, 0, 0, 0);
    printf("getcwd back: %s\n", length > 0 && strcmp(cwd, folder) == 0 ? "the folder" : "wrong");
}

static void clean_up(void)
{
    list("left in the folder", ".", 512, 0);
    const char *files[] = { "b.txt", "d/f2", "d/f1", "e/f", 0 };
    for (int i = 0; files[i]; i++)
        call(SYS_unlinkat, AT_FDCWD, (long)files[i], 0, 0, 0);
    const char *folders[] = { "d/sub", "d", "e", 0 };
    for (int i = 0; folders[i]; i++)
        show("rmdir", call(SYS_unlinkat, AT_FDCWD, (long)folders[i], AT_REMOVEDIR, 0, 0));
    show("chdir /tmp", call(SYS_chdir, (long)"/tmp", 0, 0, 0, 0));
    show("rmdir the folder", call(SYS_unlinkat, AT_FDCWD, (long)folder, AT_REMOVEDIR, 0, 0));
}

int main(void)
{
    snprintf(folder, sizeof folder, "/tmp/interleave-files-%ld", interleave_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0));
    show("mkdir the folder", call(SYS_mkdirat, AT_FDCWD, (long)folder, 0700, 0, 0));
    show("chdir the folder", call(SYS_chdir, (long)folder, 0, 0, 0, 0));
    files();
    directories();
    unlinked_while_open();
    descriptors();
    working_directory();
    clean_up();
    printf("done\n");
    return 0;
}
