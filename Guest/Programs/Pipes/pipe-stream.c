/*
 * pipe-stream.c: nothing lost, nothing doubled, nothing out of order. A writer sends
 * TOTAL bytes through a pipe in chunks of seeded random sizes (some past PIPE_BUF, some
 * past the pipe's 64 KiB), a reader takes them in chunks of other random sizes and checks
 * every byte against the position it should hold; both print a checksum (FNV-1a) of what
 * they moved.
 *   pipe-stream threads SEED TOTAL       writer thread, reader thread, blocking
 *   pipe-stream nonblocking SEED TOTAL   both ends O_NONBLOCK, sched_yield on EAGAIN
 *   pipe-stream records SEED TOTAL       three writer threads, records of at most
 *                                        PIPE_BUF bytes each: none may be split
 *   pipe-stream processes SEED TOTAL     this process writes; a child started with
 *                                        process_spawn inherits the read end and reads
 *                                        until end of file (after it closes its own
 *                                        copy of the write end); descriptors made with
 *                                        O_CLOEXEC must not reach it
 *   pipe-stream processes-keep SEED TOTAL  the same, but the child keeps its copy of the
 *                                        write end: its last read waits for ever
 *   pipe-stream eventfd SEED COUNT       an EFD_SEMAPHORE eventfd: a thread posts COUNT
 *                                        times, the main thread takes COUNT times; then
 *                                        a write that would pass 2^64 - 2 waits for a read
 */
#include "interleave.h"

#define SYS_thread_spawn   0x1000
#define SYS_thread_join    0x1001
#define SYS_process_spawn  0x1010
#define SYS_process_wait   0x1011
#define WRITERS 3

static long seed, total;
static int read_fd, write_fd, nonblocking;

static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

/* The byte at stream position i (stream s): depends on the position, so a lost,
 * doubled or reordered byte shows. */
static unsigned char pattern(uint64_t i, uint64_t s)
{
    uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ULL + s * 0xBF58476D1CE4E5B9ULL;
    return (unsigned char)(x >> 56);
}

static uint64_t fnv(uint64_t hash, const unsigned char *bytes, long count)
{
    for (long i = 0; i < count; i++) hash = (hash ^ bytes[i]) * 0x100000001B3ULL;
    return hash;
}

static long sys(long number, long a0, long a1, long a2)
{
    return interleave_syscall(number, a0, a1, a2, 0, 0, 0);
}

static long chunk_size(uint64_t *state, long limit)
{
    uint64_t r = next_random(state);
    long size = (r % 8 == 0) ? (long)(r >> 8) % 80000 + 1 : (long)(r >> 8) % 9000 + 1;
    return size < limit ? size : limit;
}

static unsigned char out[80000];
static unsigned char in[80000];

/* Writes all of `bytes`, yielding on EAGAIN when non-blocking. */
static void send_all(int fd, const unsigned char *bytes, long count)
{
    while (count > 0) {
        long n = sys(SYS_write, fd, (long)bytes, count);
        if (n == -EAGAIN) {
            sys(SYS_sched_yield, 0, 0, 0);
            continue;
        }
        if (n <= 0) {
            printf("write failed: %ld\n", n);
            exit(2);
        }
        bytes += n;
        count -= n;
    }
}

static long writer(long unused)
{
    (void)unused;
    uint64_t state = (uint64_t)seed * 2 + 1, hash = 0xcbf29ce484222325ULL;
    long sent = 0;
    while (sent < total) {
        long size = chunk_size(&state, total - sent);
        for (long i = 0; i < size; i++) out[i] = pattern((uint64_t)(sent + i), 0);
        send_all(write_fd, out, size);
        hash = fnv(hash, out, size);
        sent += size;
    }
    sys(SYS_close, write_fd, 0, 0);
    printf("writer: %ld bytes, checksum %016lx\n", sent, (unsigned long)hash);
    return 0;
}

static void reader(const char *who)
{
    uint64_t state = (uint64_t)seed * 4 + 3, hash = 0xcbf29ce484222325ULL;
    long received = 0, mismatches = 0, eagain = 0;
    for (;;) {
        long size = chunk_size(&state, sizeof in);
        long n = sys(SYS_read, read_fd, (long)in, size);
        if (n == -EAGAIN) {
            eagain++;
            sys(SYS_sched_yield, 0, 0, 0);
            continue;
        }
        if (n < 0) {
            printf("read failed: %ld\n", n);
            exit(3);
        }
        if (n == 0) break;
        for (long i = 0; i < n; i++)
            if (in[i] != pattern((uint64_t)(received + i), 0)) mismatches++;
        hash = fnv(hash, in, n);
        received += n;
    }
    printf("%s: %ld bytes, checksum %016lx, mismatches %ld%s\n", who, received, (unsigned long)hash, mismatches,
           nonblocking && eagain > 0 ? ", waited" : "");
}

/* records: each record is [writer][sequence (3 bytes)][length (2 bytes)][payload],
 * 6 + payload <= PIPE_BUF bytes, written in one write. */
static long record_writer(long id)
{
    static unsigned char records[WRITERS][PIPE_BUF];
    unsigned char *record = records[id];
    uint64_t state = (uint64_t)seed * 8 + (uint64_t)id * 2 + 1;
    long count = total / WRITERS / 2048 + 1;
    for (long sequence = 0; sequence < count; sequence++) {
        long length = (long)(next_random(&state) % (PIPE_BUF - 6)) + 1;
        record[0] = (unsigned char)id;
        record[1] = (unsigned char)sequence;
        record[2] = (unsigned char)(sequence >> 8);
        record[3] = (unsigned char)(sequence >> 16);
        record[4] = (unsigned char)length;
        record[5] = (unsigned char)(length >> 8);
        for (long i = 0; i < length; i++) record[6 + i] = pattern((uint64_t)i, (uint64_t)(sequence * WRITERS + id));
        long n = sys(SYS_write, write_fd, (long)record, 6 + length);
        if (n != 6 + length) {
            printf("record write: %ld of %ld\n", n, 6 + length);
            exit(4);
        }
    }
    return count;
}

/* Joins the record writers, then closes the write end: the reader's end of file. */
static long writer_threads[WRITERS];

static long close_after_writers(long unused)
{
    (void)unused;
    long written = 0;
    for (long id = 0; id < WRITERS; id++) written += sys(SYS_thread_join, writer_threads[id], 0, 0);
    sys(SYS_close, write_fd, 0, 0);
    return written;
}

static void read_records(void)
{
    static unsigned char pending[2 * 80000];
    long have = 0, records = 0, bad = 0, expected[WRITERS] = { 0 };
    uint64_t state = (uint64_t)seed * 4 + 3;
    for (;;) {
        long n = sys(SYS_read, read_fd, (long)(pending + have), chunk_size(&state, (long)sizeof pending - have));
        if (n < 0) {
            printf("read failed: %ld\n", n);
            exit(3);
        }
        have += n;
        long at = 0;
        while (have - at >= 6) {
            unsigned char *record = pending + at;
            long id = record[0], sequence = record[1] | record[2] << 8 | (long)record[3] << 16, length = record[4] | record[5] << 8;
            if (have - at < 6 + length) break;
            if (id >= WRITERS || sequence != expected[id]) bad++;
            else expected[id]++;
            for (long i = 0; i < length; i++)
                if (id < WRITERS && record[6 + i] != pattern((uint64_t)i, (uint64_t)(sequence * WRITERS + id))) { bad++; break; }
            records++;
            at += 6 + length;
        }
        memmove(pending, pending + at, (size_t)(have - at));
        have -= at;
        if (n == 0) break;
    }
    printf("records: %ld, from each writer %ld %ld %ld, broken %ld, left over %ld bytes\n", records, expected[0], expected[1],
           expected[2], bad, have);
}

static int event_fd;

static long post(long count)
{
    uint64_t one = 1;
    for (long i = 0; i < count; i++)
        if (sys(SYS_write, event_fd, (long)&one, 8) != 8) return -1;
    return count;
}

static long add_five(long unused)
{
    (void)unused;
    uint64_t five = 5;
    return sys(SYS_write, event_fd, (long)&five, 8);   /* waits: the count is at 2^64 - 2 */
}

static void events(void)
{
    event_fd = eventfd(0, EFD_SEMAPHORE);
    long thread = sys(SYS_thread_spawn, (long)post, total, 0);
    long taken = 0, ones = 0;
    for (long i = 0; i < total; i++) {
        uint64_t value = 0;
        if (sys(SYS_read, event_fd, (long)&value, 8) == 8) taken++;
        if (value == 1) ones++;
    }
    printf("eventfd: posted %ld, taken %ld, each 1: %ld\n", sys(SYS_thread_join, thread, 0, 0), taken, ones);
    sys(SYS_close, event_fd, 0, 0);

    event_fd = eventfd(0, 0);
    uint64_t value = ~0ULL - 1;
    sys(SYS_write, event_fd, (long)&value, 8);
    thread = sys(SYS_thread_spawn, (long)add_five, 0, 0);
    sys(SYS_sched_yield, 0, 0, 0);
    value = 0;
    long first = sys(SYS_read, event_fd, (long)&value, 8);
    int full = value == ~0ULL - 1;
    value = 0;
    long second = sys(SYS_read, event_fd, (long)&value, 8);
    printf("eventfd: read %ld (2^64 - 2: %d), then %ld (%lu); the waiting write returned %ld\n", first, full, second,
           (unsigned long)value, sys(SYS_thread_join, thread, 0, 0));
}

static long parse(const char *text)
{
    long value = 0;
    while (*text >= '0' && *text <= '9') value = value * 10 + (*text++ - '0');
    return value;
}

int main(void)
{
    int argc = interleave_argc();
    char **argv = interleave_argv();
    if (argc < 4) {
        printf("usage: pipe-stream threads|nonblocking|records|processes SEED TOTAL\n");
        return 1;
    }
    const char *mode = argv[1];
    seed = parse(argv[2]);
    total = parse(argv[3]);
    int fds[2];

    if (strcmp(mode, "child") == 0 || strcmp(mode, "child-keep") == 0) {
        /* argv: child SEED TOTAL READ WRITE CLOEXEC1 CLOEXEC2; child-keep forgets to close
         * its copy of the write end, so its reads never see end of file. */
        read_fd = (int)parse(argv[4]);
        write_fd = (int)parse(argv[5]);
        printf("child: close-on-exec descriptors %ld %ld, write end closed %ld\n",
               sys(SYS_fcntl, parse(argv[6]), F_GETFD, 0), sys(SYS_fcntl, parse(argv[7]), F_GETFD, 0),
               strcmp(mode, "child") == 0 ? sys(SYS_close, write_fd, 0, 0) : 1L);
        reader("child reader");
        return 0;
    }
    if (strcmp(mode, "eventfd") == 0) {
        events();
        return 0;
    }
    nonblocking = strcmp(mode, "nonblocking") == 0;
    if (pipe2(fds, nonblocking ? O_NONBLOCK : 0) != 0) return 1;
    read_fd = fds[0];
    write_fd = fds[1];
    if (strcmp(mode, "threads") == 0 || nonblocking) {
        long thread = sys(SYS_thread_spawn, (long)writer, 0, 0);
        if (thread < 0) return 5;
        reader("reader");
        sys(SYS_thread_join, thread, 0, 0);
        return 0;
    }
    if (strcmp(mode, "records") == 0) {
        for (long id = 0; id < WRITERS; id++) writer_threads[id] = sys(SYS_thread_spawn, (long)record_writer, id, 0);
        long closer = sys(SYS_thread_spawn, (long)close_after_writers, 0, 0);
        read_records();
        printf("written: %ld\n", sys(SYS_thread_join, closer, 0, 0));
        return 0;
    }
    if (strcmp(mode, "processes") == 0 || strcmp(mode, "processes-keep") == 0) {
        int hidden[2];
        if (pipe2(hidden, O_CLOEXEC) != 0) return 1;
        char numbers[5][16];
        snprintf(numbers[0], 16, "%d", read_fd);
        snprintf(numbers[1], 16, "%d", write_fd);
        snprintf(numbers[2], 16, "%d", hidden[0]);
        snprintf(numbers[3], 16, "%d", hidden[1]);
        char *child_argv[] = { "pipe-stream", strcmp(mode, "processes") == 0 ? "child" : "child-keep", argv[2], argv[3], numbers[0], numbers[1], numbers[2], numbers[3], 0 };
        interleave_flush();
        long child = interleave_syscall(SYS_process_spawn, (long)"pipe-stream", (long)child_argv, 0, 0, 0, 0);
        if (child < 0) {
            printf("process_spawn: %ld\n", child);
            return 6;
        }
        sys(SYS_close, read_fd, 0, 0);   /* the child reads */
        writer(0);
        int status = -1;
        long waited = sys(SYS_process_wait, child, (long)&status, 0);
        printf("child ended: %s, status %d\n", waited == child ? "waited" : "not waited", status);
        return 0;
    }
    printf("unknown mode %s\n", mode);
    return 1;
}
