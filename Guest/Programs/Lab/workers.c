/*
 * workers.c (lab: workers): a job farm. The farm starts WORKERS worker processes (this
 * same program, started as `workers worker ...`) and talks to each over its own channel
 * — a pair of pipes, a UNIX socket pair, or a TCP connection on 127.0.0.1 (CHANNEL
 * pipe | unix | tcp); with CHANNEL self it does every job itself, one after another.
 * With CHANNEL remote the workers are on other machines of a simulated network (the
 * lab's off-machine experiment): the farm listens on every address and takes WORKERS
 * connections from workers started there as `workers worker remote FARM_MACHINE`.
 * It keeps DEPTH jobs in flight per worker until JOBS are done, waiting for results
 * with epoll; each job is 16 bytes out (id, work) and 16 back (id, result). Nothing is
 * shared but the channels: every process has its own memory. The farm checks that each
 * job is answered once and sums the results (the farm alone gives the sum they must
 * reach), times each job on the simulated clock, and prints throughput and latencies.
 * BYTES (default 0) makes jobs big: each job and each result carries BYTES more bytes
 * (told to the worker in the high half of the work word). PIN 1 keeps each process on a
 * hart of its own (the farm on hart 0, worker i on hart i + 1), so no wake-up moves one.
 *
 *   workers CHANNEL WORKERS JOBS [WORK] [DEPTH] [BYTES] [PIN]
 *   workers worker CHANNEL FD_IN FD_OUT [HART] (started by the farm; HART: pin itself there)
 *   workers worker remote FARM_MACHINE         (on another machine: 10.0.0.FARM_MACHINE)
 */
#include "lab-io.h"

#define PORT 7171
#define MOST_WORKERS 32
#define MOST_BYTES (1 << 20)
#define IO_FD_CLOEXEC 1
#define IO_F_SETFD 2
#define IO_O_CLOEXEC 02000000

/* The job: WORK rounds of a 64-bit LCG, from the job's id. */
static uint64_t job(uint64_t id, uint64_t work)
{
    uint64_t value = id * 0x9E3779B97F4A7C15ull + 1;
    for (uint64_t round = 0; round < work; round++)
        value = value * 6364136223846793005ull + 1442695040888963407ull;
    return value;
}

static int worker(int in, int out)
{
    uint64_t message[2];
    char *extra = 0;
    for (;;) {
        long got = io_read_full(in, message, sizeof message);
        if (got == 0)
            return 0;   /* the farm closed the channel: no more jobs */
        if (got != sizeof message)
            return 1;
        long bytes = (long)(message[1] >> 32);
        if (bytes > MOST_BYTES)
            return 1;
        if (bytes > 0) {
            if (!extra && !(extra = malloc(MOST_BYTES)))
                return 1;
            if (io_read_full(in, extra, bytes) != bytes)
                return 1;
        }
        message[1] = job(message[0], message[1] & 0xffffffffu);
        if (io_write_full(out, message, sizeof message) != sizeof message)
            return 1;
        if (bytes > 0 && io_write_full(out, extra, bytes) != bytes)
            return 1;
    }
}

/* Sends job `id` (and `bytes` more bytes from `extra`) to a worker. */
static int send_job(int fd, uint64_t id, uint64_t work, long bytes, const char *extra)
{
    uint64_t message[2] = {id, work | ((uint64_t)bytes << 32)};
    if (io_write_full(fd, message, sizeof message) != sizeof message)
        return -1;
    if (bytes > 0 && io_write_full(fd, extra, bytes) != bytes)
        return -1;
    return 0;
}

/* A worker on another machine connects to the farm's; the farm may not listen yet. */
static long connect_to_farm(long machine)
{
    for (int attempt = 0; attempt < 2000; attempt++) {
        long fd = io_connect_at(io_machine(machine), PORT);
        if (fd >= 0 || fd != -111)   /* anything but ECONNREFUSED is final */
            return fd;
        struct io_timespec pause = {0, 1000000};
        io_call(SYS_nanosleep, (long)&pause, 0, 0, 0, 0, 0);
    }
    return -111;
}

static long keep_across_spawn(int fd) { return io_call(IO_SYS_fcntl, fd, IO_F_SETFD, 0, 0, 0, 0); }

int main(void)
{
    if (interleave_argc() > 1 && strcmp(interleave_argv()[1], "worker") == 0) {
        const char *channel = io_word(2, "pipe");
        int in = (int)io_argument(3, -1), out = (int)io_argument(4, -1);
        long hart = io_argument(5, -1);
        if (hart >= 0)
            io_pin(0, (int)hart);
        if (channel[0] == 'r') {   /* on another machine: connect to the farm's */
            long fd = connect_to_farm(io_argument(3, 1));
            if (fd < 0) {
                printf("worker: connect to 10.0.0.%ld: %ld\n", io_argument(3, 1), fd);
                return 1;
            }
            in = out = (int)fd;
        } else if (channel[0] == 't') {   /* TCP: connect, then one socket both ways */
            long fd = io_connect(0, PORT, 0);
            if (fd < 0) {
                printf("worker: connect: %ld\n", fd);
                return 1;
            }
            in = out = (int)fd;
        }
        return worker(in, out);
    }
    const char *channel = io_word(1, "pipe");
    long workers = io_argument(2, 2), jobs = io_argument(3, 200), work = io_argument(4, 100), depth = io_argument(5, 2);
    long bytes = io_argument(6, 0), pin = io_argument(7, 0);
    if (workers < 1 || workers > MOST_WORKERS || jobs < 1 || depth < 1 || work > 0xffffffffl || bytes > MOST_BYTES)
        return 2;
    int remote = channel[0] == 'r';
    if (pin)
        io_pin(0, 0);
    char *extra = bytes > 0 ? calloc((size_t)bytes, 1) : 0;
    if (channel[0] == 's') {   /* self: no workers, the farm does every job in turn */
        uint64_t *latencies = malloc((size_t)jobs * sizeof *latencies), start = io_now_ns(), sum = 0;
        for (long id = 0; id < jobs; id++) {
            uint64_t begun = io_now_ns();
            sum += job((uint64_t)id, (uint64_t)work);
            latencies[id] = io_now_ns() - begun;
        }
        uint64_t elapsed = io_now_ns() - start;
        io_sort(latencies, jobs);
        printf("farm: channel self workers 0 jobs %ld wrong 0 failed-workers 0 elapsed-ns %lu p50-ns %lu p99-ns %lu sum %lu\n",
               jobs, (unsigned long)elapsed, (unsigned long)io_percentile(latencies, jobs, 50),
               (unsigned long)io_percentile(latencies, jobs, 99), (unsigned long)sum);
        return 0;
    }
    int send_fd[MOST_WORKERS], receive_fd[MOST_WORKERS];
    long pids[MOST_WORKERS];
    long listener = -1;
    if (remote)
        listener = io_listen_at(0, PORT, MOST_WORKERS);
    else if (channel[0] == 't')
        listener = io_listen(0, PORT, 0, MOST_WORKERS);
    if (remote || channel[0] == 't') {
        if (listener < 0) {
            printf("farm: listen: %ld\n", listener);
            return 1;
        }
    }
    for (long index = 0; index < workers; index++) {
        char in_text[16] = "-1", out_text[16] = "-1";
        int child_in = -1, child_out = -1;
        if (channel[0] == 'p') {
            int jobs_pipe[2], results_pipe[2];
            if (io_pipe(jobs_pipe, IO_O_CLOEXEC) < 0 || io_pipe(results_pipe, IO_O_CLOEXEC) < 0)
                return 1;
            send_fd[index] = jobs_pipe[1];
            receive_fd[index] = results_pipe[0];
            child_in = jobs_pipe[0];
            child_out = results_pipe[1];
        } else if (channel[0] == 'u') {
            int pair[2];
            if (io_call(IO_SYS_socketpair, IO_AF_UNIX, IO_SOCK_STREAM | IO_O_CLOEXEC, 0, (long)pair, 0, 0) < 0)
                return 1;
            send_fd[index] = receive_fd[index] = pair[0];
            child_in = child_out = pair[1];
        }
        if (child_in >= 0) {
            keep_across_spawn(child_in);
            keep_across_spawn(child_out);
            snprintf(in_text, sizeof in_text, "%d", child_in);
            snprintf(out_text, sizeof out_text, "%d", child_out);
        }
        char hart_text[16] = "-1";
        if (pin)
            snprintf(hart_text, sizeof hart_text, "%ld", index + 1);
        char *argv[] = {"workers", "worker", (char *)channel, in_text, out_text, hart_text, 0};
        pids[index] = remote ? -1 : io_spawn("workers", argv);
        if (!remote && pids[index] < 0) {
            printf("farm: process_spawn: %ld\n", pids[index]);
            return 1;
        }
        if (child_in >= 0) {   /* the child has its ends now */
            io_close(child_in);
            if (child_out != child_in)
                io_close(child_out);
        }
        if (remote || channel[0] == 't') {
            long fd = io_accept((int)listener, IO_O_CLOEXEC);
            if (fd < 0) {
                printf("farm: accept4: %ld\n", fd);
                return 1;
            }
            send_fd[index] = receive_fd[index] = (int)fd;
        }
    }
    long epoll = io_epoll_create();
    for (long index = 0; index < workers; index++)
        io_epoll_add((int)epoll, receive_fd[index], IO_EPOLLIN, (uint64_t)index);
    uint64_t *sent = malloc((size_t)jobs * sizeof *sent), *latencies = malloc((size_t)jobs * sizeof *latencies), sum = 0;
    char *answered = calloc((size_t)jobs, 1);
    long have[MOST_WORKERS] = {0}, in_flight[MOST_WORKERS] = {0}, done_by[MOST_WORKERS] = {0};
    uint64_t partial[MOST_WORKERS][2];
    char *rest = bytes > 0 ? malloc((size_t)bytes) : 0;   /* a result's extra bytes: read and dropped */
    long next = 0, done = 0, wrong = 0;
    uint64_t start = io_now_ns();
    for (long round = 0; round < depth; round++)
        for (long index = 0; index < workers && next < jobs; index++) {
            sent[next] = io_now_ns();
            if (send_job(send_fd[index], (uint64_t)next++, (uint64_t)work, bytes, extra) < 0)
                return 1;
            in_flight[index]++;
        }
    struct io_epoll_event events[MOST_WORKERS];
    while (done < jobs) {
        long ready = io_epoll_wait((int)epoll, events, MOST_WORKERS, -1);
        if (ready < 0)
            return 1;
        for (long slot = 0; slot < ready; slot++) {
            long index = (long)events[slot].data;
            long got = have[index] < 16 ? io_read(receive_fd[index], (char *)partial[index] + have[index], 16 - have[index])
                                        : io_read(receive_fd[index], rest, 16 + bytes - have[index]);
            if (got <= 0) {
                printf("farm: worker %ld: read %ld\n", index, got);
                return 1;
            }
            have[index] += got;
            if (have[index] < 16 + bytes)
                continue;
            have[index] = 0;
            uint64_t id = partial[index][0];
            if (id >= (uint64_t)jobs || answered[id]) {
                wrong++;
            } else {
                answered[id] = 1;
                sum += partial[index][1];
                latencies[done - wrong] = io_now_ns() - sent[id];
            }
            done++;
            done_by[index]++;
            in_flight[index]--;
            if (next < jobs) {
                sent[next] = io_now_ns();
                if (send_job(send_fd[index], (uint64_t)next++, (uint64_t)work, bytes, extra) < 0)
                    return 1;
                in_flight[index]++;
            }
        }
    }
    uint64_t elapsed = io_now_ns() - start;
    for (long index = 0; index < workers; index++) {
        io_close(send_fd[index]);
        if (receive_fd[index] != send_fd[index])
            io_close(receive_fd[index]);
    }
    long failed = 0;
    for (long index = 0; index < workers && !remote; index++)
        failed += io_wait(pids[index]) != 0;
    io_sort(latencies, done - wrong);
    printf("farm: channel %s workers %ld jobs %ld wrong %ld failed-workers %ld elapsed-ns %lu p50-ns %lu p99-ns %lu sum %lu\n",
           channel, workers, done, wrong, failed, (unsigned long)elapsed,
           (unsigned long)io_percentile(latencies, done - wrong, 50), (unsigned long)io_percentile(latencies, done - wrong, 99),
           (unsigned long)sum);
    for (long index = 0; index < workers; index++)
        printf("farm: worker %ld pid %ld jobs %ld\n", index, pids[index], done_by[index]);
    return wrong != 0 || failed != 0;
}
