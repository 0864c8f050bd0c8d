/*
 * dining-philosophers.c: five philosophers, five forks (mutexes), each philosopher needs
 * the forks on both sides to eat. If every one took the left fork first they could all
 * hold one and wait for ever; here each takes the lower-numbered fork first, which breaks
 * the cycle, so every philosopher eats MEALS times. `dining-philosophers deadlock` takes
 * the left fork first instead: whether that deadlocks depends on the schedule (the kernel
 * reports a deadlock with each thread and the lock it waits for).
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { PHILOSOPHERS = 5, MEALS = 20 };

static pthread_mutex_t forks[PHILOSOPHERS];
static int meals[PHILOSOPHERS];
static int ordered = 1;

static void *philosopher(void *argument)
{
    int me = *(int *)argument;
    int left = me, right = (me + 1) % PHILOSOPHERS;
    int first = left, second = right;
    if (ordered && right < left)
        first = right, second = left;
    for (int i = 0; i < MEALS; i++) {
        pthread_mutex_lock(&forks[first]);
        usleep(100);                         /* reach for the second fork slowly */
        pthread_mutex_lock(&forks[second]);
        meals[me]++;
        pthread_mutex_unlock(&forks[second]);
        pthread_mutex_unlock(&forks[first]);
        sched_yield();
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "deadlock") == 0)
        ordered = 0;
    static int ids[PHILOSOPHERS];
    pthread_t threads[PHILOSOPHERS];
    for (int i = 0; i < PHILOSOPHERS; i++)
        pthread_mutex_init(&forks[i], NULL);
    for (int i = 0; i < PHILOSOPHERS; i++) {
        ids[i] = i;
        pthread_create(&threads[i], NULL, philosopher, &ids[i]);
    }
    int all = 1;
    for (int i = 0; i < PHILOSOPHERS; i++) {
        pthread_join(threads[i], NULL);
        printf("philosopher %d ate %d times\n", i, meals[i]);
        all &= meals[i] == MEALS;
    }
    return all ? 0 : 1;
}
