/*
 * output.c: writing bytes out: putchar's line buffer for stdout, and
 * interleave_write_all for everything written at once (stderr, Sync's write).
 *
 * Swift's print calls putchar once per byte, so stdout collects a line and
 * writes it with one system call: on '\n', when the buffer is full, and at
 * exit (exit() calls interleave_flush).
 */
#include "include/interleave.h"
#include "lock.h"

#define STDOUT_BUFFER_SIZE 1024

static char stdout_buffer[STDOUT_BUFFER_SIZE];
static size_t stdout_used;
static runtime_lock stdout_lock;

/* Retries short writes and EINTR; returns count, or -errno. */
long interleave_write_all(int fd, const void *bytes, size_t count)
{
    const char *next = bytes;
    size_t left = count;
    while (left > 0) {
        long written = interleave_syscall(SYS_write, fd, (long)next, (long)left,
                                          0, 0, 0);
        if (written == -EINTR)
            continue;
        if (written <= 0)
            return written < 0 ? written : -EINVAL;
        next += written;
        left -= (size_t)written;
    }
    return (long)count;
}

/* Output that cannot be written has nowhere to be reported: it is dropped. */
static void flush_locked(void)
{
    if (stdout_used > 0)
        interleave_write_all(1, stdout_buffer, stdout_used);
    stdout_used = 0;
}

void interleave_flush(void)
{
    runtime_lock_acquire(&stdout_lock);
    flush_locked();
    runtime_lock_release(&stdout_lock);
}

int putchar(int c)
{
    runtime_lock_acquire(&stdout_lock);
    stdout_buffer[stdout_used++] = (char)c;
    if (c == '\n' || stdout_used == STDOUT_BUFFER_SIZE)
        flush_locked();
    runtime_lock_release(&stdout_lock);
    return (unsigned char)c;
}

int puts(const char *s)
{
    while (*s != '\0')
        putchar(*s++);
    putchar('\n');
    return 0;
}
