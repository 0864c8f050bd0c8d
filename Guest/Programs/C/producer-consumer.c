/*
 * producer-consumer.c: the bounded buffer. Two producers put the numbers 1..500 each into
 * a ring of 8 slots; three consumers take them out and add them up. A mutex guards the
 * ring, one condition variable wakes producers when a slot frees, another wakes consumers
 * when an item arrives; a producer that finds the ring full, or a consumer that finds it
 * empty, waits. A 0 per consumer ends the run. Who takes which item depends on the
 * schedule; the sum and the count of what was taken do not.
 */
#include <pthread.h>
#include <stdio.h>

enum { SLOTS = 8, PRODUCERS = 2, CONSUMERS = 3, ITEMS = 500 };

static int ring[SLOTS], head, count;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER, not_empty = PTHREAD_COND_INITIALIZER;
static long taken_sum, taken_count, most_queued;

static void put(int item)
{
    pthread_mutex_lock(&lock);
    while (count == SLOTS)
        pthread_cond_wait(&not_full, &lock);
    ring[(head + count) % SLOTS] = item;
    count++;
    if (count > most_queued)
        most_queued = count;
    pthread_cond_signal(&not_empty);
    pthread_mutex_unlock(&lock);
}

static int take(void)
{
    pthread_mutex_lock(&lock);
    while (count == 0)
        pthread_cond_wait(&not_empty, &lock);
    int item = ring[head];
    head = (head + 1) % SLOTS;
    count--;
    pthread_cond_signal(&not_full);
    pthread_mutex_unlock(&lock);
    return item;
}

static void *producer(void *unused)
{
    (void)unused;
    for (int i = 1; i <= ITEMS; i++)
        put(i);
    return NULL;
}

static void *consumer(void *unused)
{
    (void)unused;
    long sum = 0, items = 0;
    for (int item; (item = take()) != 0; items++)
        sum += item;
    pthread_mutex_lock(&lock);
    taken_sum += sum;
    taken_count += items;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    pthread_t producers[PRODUCERS], consumers[CONSUMERS];
    for (int i = 0; i < CONSUMERS; i++)
        pthread_create(&consumers[i], NULL, consumer, NULL);
    for (int i = 0; i < PRODUCERS; i++)
        pthread_create(&producers[i], NULL, producer, NULL);
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(producers[i], NULL);
    for (int i = 0; i < CONSUMERS; i++)
        put(0);
    for (int i = 0; i < CONSUMERS; i++)
        pthread_join(consumers[i], NULL);
    long expected = (long)PRODUCERS * ITEMS * (ITEMS + 1) / 2;
    printf("consumed %ld items summing to %ld (expected %d and %ld); the ring never held more than %d: %s\n",
           taken_count, taken_sum, PRODUCERS * ITEMS, expected, SLOTS, most_queued <= SLOTS ? "yes" : "no");
    return taken_count == PRODUCERS * ITEMS && taken_sum == expected ? 0 : 1;
}
