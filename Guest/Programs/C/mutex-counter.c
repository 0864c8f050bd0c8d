/*
 * mutex-counter.c: four threads each add 1 to a shared counter 20,000 times. With the
 * pthread mutex around `counter++` the total is always 80,000. Run it as
 * `mutex-counter race` to leave the mutex out: the read-modify-write of one thread can
 * then be interrupted by another's (a preemption, or a second hart) and updates are lost,
 * so the total depends on the schedule and the seed.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum { THREADS = 4, ROUNDS = 20000 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile long counter;
static int locked = 1;

static void *add(void *unused)
{
    (void)unused;
    for (int i = 0; i < ROUNDS; i++) {
        if (locked)
            pthread_mutex_lock(&lock);
        counter = counter + 1;
        if (locked)
            pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "race") == 0)
        locked = 0;
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&threads[i], NULL, add, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    printf("%s: counter %ld, expected %d\n", locked ? "with the mutex" : "without a lock", counter, THREADS * ROUNDS);
    if (counter == THREADS * ROUNDS)
        return 0;
    printf("lost %ld updates\n", THREADS * ROUNDS - counter);
    return 1;
}
