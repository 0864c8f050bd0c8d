/*
 * reader-writer.c: a pthread reader-writer lock guards two numbers that writers keep
 * equal (first one, then the other, so a reader without the lock could see them differ).
 * Three writers each move both 1,000 times; four readers check the pair 2,000 times each
 * under the read lock. No reader may see them differ, and the final values are exact.
 */
#include <pthread.h>
#include <stdio.h>

enum { WRITERS = 3, READERS = 4, WRITES = 1000, READS = 2000 };

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static volatile long left, right;
static long torn_reads;
static pthread_mutex_t tally = PTHREAD_MUTEX_INITIALIZER;

static void *writer(void *unused)
{
    (void)unused;
    for (int i = 0; i < WRITES; i++) {
        pthread_rwlock_wrlock(&lock);
        left = left + 1;
        right = right + 1;
        pthread_rwlock_unlock(&lock);
    }
    return NULL;
}

static void *reader(void *unused)
{
    (void)unused;
    long torn = 0;
    for (int i = 0; i < READS; i++) {
        pthread_rwlock_rdlock(&lock);
        if (left != right)
            torn++;
        pthread_rwlock_unlock(&lock);
    }
    pthread_mutex_lock(&tally);
    torn_reads += torn;
    pthread_mutex_unlock(&tally);
    return NULL;
}

int main(void)
{
    pthread_t threads[WRITERS + READERS];
    for (int i = 0; i < WRITERS + READERS; i++)
        pthread_create(&threads[i], NULL, i % 2 == 0 && i / 2 < WRITERS ? writer : reader, NULL);
    for (int i = 0; i < WRITERS + READERS; i++)
        pthread_join(threads[i], NULL);
    printf("left %ld, right %ld (expected %d each); torn reads %ld\n", left, right, WRITERS * WRITES, torn_reads);
    return left == WRITERS * WRITES && right == left && torn_reads == 0 ? 0 : 1;
}
