/*
 * BUGGY — lock-order deadlock in C with glibc pthreads. Thread 1 takes mutex A then B;
 * thread 2 takes B then A. When each holds its first mutex and waits for its second,
 * neither can go on.
 *
 * The default schedule runs thread 1 through both mutexes and out before thread 2:
 * right. The interleaving that breaks it needs one preemption: preempt thread 1 after it
 * took A; thread 2 takes B and blocks on A; thread 1 blocks on B — a deadlock (the run
 * ends with the kernel's deadlock report, status 125).
 *
 * Seeds: `interleave run lock-order.c --harts 2 --granularity 1 --jitter 3 --seed S` is
 * right for all 40 seeds 0...39 (and with --jitter 1000): the argument above (and the explorer) shows the deadlock.
 */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static long transfers;

static void *transfer(void *backwards)
{
    pthread_mutex_t *first = backwards ? &b : &a, *second = backwards ? &a : &b;
    pthread_mutex_lock(first);
    pthread_mutex_lock(second);
    transfers++;
    pthread_mutex_unlock(second);
    pthread_mutex_unlock(first);
    return NULL;
}

int main(void)
{
    pthread_t one, two;
    pthread_create(&one, NULL, transfer, NULL);
    pthread_create(&two, NULL, transfer, &b);
    pthread_join(one, NULL);
    pthread_join(two, NULL);
    printf("transfers %ld: right\n", transfers);
    return 0;
}
