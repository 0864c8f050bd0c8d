// glibc's futex users between threads and processes, with results that do not depend on
// the schedule (so the output must match qemu-riscv64's): a PI mutex (FUTEX_LOCK_PI and
// FUTEX_UNLOCK_PI) kept by four threads, a condition variable broadcast, a process-shared
// mutex and semaphore in MAP_SHARED memory across fork (shared futexes keyed by the
// physical page), and a private word after fork, whose copy-on-write copies never share
// sleepers between the two processes.

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long fx(void *a, int op, unsigned v, const void *t) {
    long r = syscall(SYS_futex, a, op, v, t, 0, 0);
    return r < 0 ? -errno : r;
}

static pthread_mutex_t piMutex;
static long piCounter;

static void *addUnderPILock(void *unused) {
    for (int i = 0; i < 2000; i++) {
        pthread_mutex_lock(&piMutex);
        piCounter++;
        if (i % 100 == 0) sched_yield();   // hold it across a switch now and then
        pthread_mutex_unlock(&piMutex);
    }
    return unused;
}

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t condition = PTHREAD_COND_INITIALIZER;
static int go, waiting, released;

static void *awaitGo(void *unused) {
    pthread_mutex_lock(&mutex);
    waiting++;
    while (!go) pthread_cond_wait(&condition, &mutex);
    released++;
    pthread_mutex_unlock(&mutex);
    return unused;
}

struct Shared {
    pthread_mutex_t mutex;
    sem_t ping, pong;
    long counter;
    int turns;
};

int main(void) {
    // 1. A PI mutex under contention.
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    printf("PI protocol: %d\n", pthread_mutexattr_setprotocol(&attributes, PTHREAD_PRIO_INHERIT));
    printf("PI mutex init: %d\n", pthread_mutex_init(&piMutex, &attributes));
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) pthread_create(&threads[i], 0, addUnderPILock, 0);
    for (int i = 0; i < 4; i++) pthread_join(threads[i], 0);
    printf("PI mutex: counter %ld of 8000, trylock %d, unlock %d\n", piCounter, pthread_mutex_trylock(&piMutex),
           pthread_mutex_unlock(&piMutex));

    // 2. Broadcast: every waiter goes once all are waiting.
    for (int i = 0; i < 4; i++) pthread_create(&threads[i], 0, awaitGo, 0);
    for (;;) {
        pthread_mutex_lock(&mutex);
        int all = waiting == 4;
        if (all) { go = 1; pthread_cond_broadcast(&condition); }
        pthread_mutex_unlock(&mutex);
        if (all) break;
        sched_yield();
    }
    for (int i = 0; i < 4; i++) pthread_join(threads[i], 0);
    printf("broadcast released %d of 4\n", released);

    // 3. Process-shared mutex and semaphores in MAP_SHARED memory, across fork.
    struct Shared *shared = mmap(0, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pthread_mutexattr_t sharedAttributes;
    pthread_mutexattr_init(&sharedAttributes);
    pthread_mutexattr_setpshared(&sharedAttributes, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&shared->mutex, &sharedAttributes);
    sem_init(&shared->ping, 1, 0);
    sem_init(&shared->pong, 1, 0);
    pid_t child = fork();
    if (child == 0) {
        for (int i = 0; i < 1000; i++) {
            pthread_mutex_lock(&shared->mutex);
            shared->counter++;
            pthread_mutex_unlock(&shared->mutex);
        }
        for (int i = 0; i < 50; i++) { sem_wait(&shared->ping); shared->turns++; sem_post(&shared->pong); }
        _exit(0);
    }
    for (int i = 0; i < 1000; i++) {
        pthread_mutex_lock(&shared->mutex);
        shared->counter++;
        pthread_mutex_unlock(&shared->mutex);
    }
    for (int i = 0; i < 50; i++) { sem_post(&shared->ping); sem_wait(&shared->pong); shared->turns++; }
    int status = -1;
    waitpid(child, &status, 0);
    printf("process-shared: counter %ld of 2000, %d turns of 100, child status %d\n", shared->counter, shared->turns, status);

    // 4. A private word after fork: the child sleeps on its copy with a timeout; the
    // parent's wakes on its own copy reach nobody, so the child times out.
    static uint32_t word;
    child = fork();
    if (child == 0) {
        struct timespec timeout = {0, 20000000};
        _exit(fx(&word, FUTEX_WAIT, 0, &timeout) == -ETIMEDOUT ? 0 : 1);
    }
    long woken = 0;
    for (;;) {
        woken += fx(&word, FUTEX_WAKE, 1, 0) + fx(&word, FUTEX_WAKE_PRIVATE, 1, 0);
        if (waitpid(child, &status, WNOHANG) == child) break;
        sched_yield();
    }
    printf("private word across fork: parent woke %ld, child timed out %d\n", woken, WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return 0;
}
