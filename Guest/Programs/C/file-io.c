/*
 * file-io.c: files through the C library and through the system calls under it. It
 * writes a file with fprintf, reads it back line by line with fgets, appends with
 * open(O_APPEND) and write, finds the size with fstat and lseek, reads from the middle
 * with pread, renames it, and removes it; then checks that it is gone. The file lives in
 * /tmp (the kernel's file system has one, as Linux does), under a name with the pid.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
    char path[64], renamed[64];
    snprintf(path, sizeof path, "/tmp/file-io-%d.txt", (int)getpid());
    snprintf(renamed, sizeof renamed, "/tmp/file-io-%d.old", (int)getpid());

    FILE *file = fopen(path, "w");
    if (!file) {
        perror("fopen");
        return 1;
    }
    for (int i = 1; i <= 3; i++)
        fprintf(file, "line %d: %d squared is %d\n", i, i, i * i);
    fclose(file);

    file = fopen(path, "r");
    char line[80];
    int lines = 0;
    while (fgets(line, sizeof line, file)) {
        lines++;
        printf("read: %s", line);
    }
    fclose(file);

    int descriptor = open(path, O_WRONLY | O_APPEND);
    const char more[] = "appended\n";
    ssize_t written = write(descriptor, more, strlen(more));
    close(descriptor);

    descriptor = open(path, O_RDONLY);
    struct stat status;
    fstat(descriptor, &status);
    off_t end = lseek(descriptor, 0, SEEK_END);
    char middle[8] = { 0 };
    ssize_t got = pread(descriptor, middle, 6, 8);
    close(descriptor);
    printf("%d lines, appended %zd bytes; size %lld by fstat, %lld by lseek; pread at 8: \"%s\" (%zd)\n",
           lines, written, (long long)status.st_size, (long long)end, middle, got);

    if (rename(path, renamed) != 0 || access(path, F_OK) == 0) {
        perror("rename");
        return 1;
    }
    printf("renamed: the old name is gone (%s), the new one is there (%s)\n",
           access(path, F_OK) != 0 && errno == ENOENT ? "yes" : "no", access(renamed, F_OK) == 0 ? "yes" : "no");
    unlink(renamed);
    printf("removed: %s\n", fopen(renamed, "r") == NULL && errno == ENOENT ? "yes" : "no");
    return status.st_size == end && end > 0 ? 0 : 1;
}
