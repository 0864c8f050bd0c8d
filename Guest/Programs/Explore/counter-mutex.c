/*
 * CORRECT — counter.c with a pthread mutex around `counter = counter + 1`: only one
 * thread is ever between the load and the store, so no interleaving loses an addition,
 * and the mutex orders the accesses (no data race).
 *
 * Exit status 0 when the counter is 2 (always), 1 otherwise.
 */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *add(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&lock);
    counter = counter + 1;
    pthread_mutex_unlock(&lock);
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
        printf("counter %ld of 2: wrong\n", counter);
        return 1;
    }
    printf("counter 2 of 2: right\n");
    return 0;
}
