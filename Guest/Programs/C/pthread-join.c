/*
 * pthread-join.c: the first threads program of every textbook. main starts four threads
 * with pthread_create, each sums its own quarter of 1..N and hands the sum back through
 * pthread_exit; main collects them with pthread_join, in order, and checks the total.
 * The output does not depend on the schedule (the lab compares it with qemu-riscv64).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

enum { THREADS = 4, N = 40000 };

static void *sum_quarter(void *argument)
{
    intptr_t index = (intptr_t)argument;
    long first = index * (N / THREADS) + 1, last = (index + 1) * (N / THREADS);
    long sum = 0;
    for (long i = first; i <= last; i++)
        sum += i;
    pthread_exit((void *)(intptr_t)sum);
}

int main(void)
{
    pthread_t threads[THREADS];
    for (intptr_t i = 0; i < THREADS; i++) {
        int error = pthread_create(&threads[i], NULL, sum_quarter, (void *)i);
        if (error) {
            printf("pthread_create failed: %d\n", error);
            return 1;
        }
    }
    long total = 0;
    for (int i = 0; i < THREADS; i++) {
        void *result;
        pthread_join(threads[i], &result);
        printf("thread %d summed %ld\n", i, (long)(intptr_t)result);
        total += (long)(intptr_t)result;
    }
    long expected = (long)N * (N + 1) / 2;
    printf("total %ld, expected %ld\n", total, expected);
    return total == expected ? 0 : 1;
}
