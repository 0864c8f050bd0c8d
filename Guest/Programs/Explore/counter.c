/*
 * BUGGY — atomicity violation in C with glibc pthreads (a real static binary). Two threads
 * each add one to a shared counter with `counter = counter + 1`: a load, an add and a
 * store. When one thread loads between the other's load and store, both store the same
 * sum and one addition is lost.
 *
 * The default schedule runs the first thread to its end, then the second: right. The
 * interleaving that breaks it needs one preemption: thread 1 loads 0, is preempted,
 * thread 2 loads 0 and stores 1, thread 1 stores 1.
 * counter-mutex.c is the correct version.
 *
 * Exit status 0 when the counter is 2, 1 when an addition was lost.
 *
 * Seeds: `interleave run counter.c --harts 2 --granularity 1 --jitter 3 --seed S` is right
 * for all 40 seeds 0...39 (and with --jitter 1000): glibc's thread start-up is far longer than one increment.
 */
#include <pthread.h>
#include <stdio.h>

static volatile long counter;

static void *add(void *unused)
{
    (void)unused;
    counter = counter + 1;
    return NULL;
}

int main(void)
{
    pthread_t first, second;
    pthread_create(&first, NULL, add, NULL);
    pthread_create(&second, NULL, add, NULL);
    pthread_join(first, NULL);
    pthread_join(second, NULL);
    if (counter != 2) {
        printf("counter %ld of 2: an addition was lost\n", counter);
        return 1;
    }
    printf("counter 2 of 2: right\n");
    return 0;
}
