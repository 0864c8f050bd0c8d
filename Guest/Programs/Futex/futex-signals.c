// A signal for a thread asleep in a futex call: without SA_RESTART the wait returns EINTR;
// with it an untimed wait runs again after the handler (and a later wake ends it); a PI
// lock waiter always tries again. The main thread waits until the kernel reports the
// sleeper (FUTEX_REQUEUE of a word onto itself counts them) before each signal, so the
// output does not depend on the schedule.

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long fx(void *a, int op, unsigned v, const void *t, void *a2) {
    long r = syscall(SYS_futex, a, op, v, t, a2, 0);
    return r < 0 ? -errno : r;
}

static uint32_t word, lock;
static volatile int handled;
static long result;
static int timed;

static void onSignal(int signal) { handled++; }

static void handle(int flags) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = onSignal;
    action.sa_flags = flags;
    sigaction(SIGUSR1, &action, 0);
}

static void awaitSleeper(uint32_t *address) {
    while (fx(address, FUTEX_REQUEUE_PRIVATE, 0, (void *)(long)0x7fffffff, address) < 1) sched_yield();
}

static void *sleeper(void *unused) {
    struct timespec timeout = {5, 0};
    result = fx(&word, FUTEX_WAIT_PRIVATE, 0, timed ? &timeout : 0, 0);
    return unused;
}

static void *lockPI(void *unused) {
    result = fx(&lock, FUTEX_LOCK_PI_PRIVATE, 0, 0, 0);
    if (result == 0) fx(&lock, FUTEX_UNLOCK_PI_PRIVATE, 0, 0, 0);
    return unused;
}

int main(void) {
    pthread_t thread;
    // 1. No SA_RESTART: EINTR.
    handle(0);
    pthread_create(&thread, 0, sleeper, 0);
    awaitSleeper(&word);
    pthread_kill(thread, SIGUSR1);
    pthread_join(thread, 0);
    printf("untimed wait, no SA_RESTART: %ld, handler ran %d\n", result, handled);

    // 2. SA_RESTART: the wait runs again after the handler; a wake ends it.
    handled = 0;
    handle(SA_RESTART);
    pthread_create(&thread, 0, sleeper, 0);
    awaitSleeper(&word);
    pthread_kill(thread, SIGUSR1);
    while (!handled) sched_yield();
    awaitSleeper(&word);
    long woken = fx(&word, FUTEX_WAKE_PRIVATE, 1, 0, 0);
    pthread_join(thread, 0);
    printf("untimed wait, SA_RESTART: %ld, handler ran %d, the wake after it woke %ld\n", result, handled, woken);

    // 3. A PI lock waiter tries again, with or without SA_RESTART.
    handled = 0;
    handle(0);
    fx(&lock, FUTEX_LOCK_PI_PRIVATE, 0, 0, 0);
    pthread_create(&thread, 0, lockPI, 0);
    while (!(__atomic_load_n(&lock, __ATOMIC_ACQUIRE) & FUTEX_WAITERS)) sched_yield();
    pthread_kill(thread, SIGUSR1);
    while (!handled) sched_yield();
    while (!(__atomic_load_n(&lock, __ATOMIC_ACQUIRE) & FUTEX_WAITERS)) sched_yield();
    fx(&lock, FUTEX_UNLOCK_PI_PRIVATE, 0, 0, 0);
    pthread_join(thread, 0);
    printf("PI lock waiter: %ld, handler ran %d, lock %x\n", result, handled, lock);

    // 4. A timed wait returns EINTR even with SA_RESTART (Linux's ERESTART_RESTARTBLOCK).
    handled = 0;
    timed = 1;
    handle(SA_RESTART);
    pthread_create(&thread, 0, sleeper, 0);
    awaitSleeper(&word);
    pthread_kill(thread, SIGUSR1);
    pthread_join(thread, 0);
    printf("timed wait, SA_RESTART: %ld, handler ran %d\n", result, handled);
    return 0;
}
