/*
 * semaphores.c: POSIX semaphores two ways. A counting semaphore of 2 lets at most two
 * of six workers into the "room" at once (each counts who is inside with an atomic and
 * records the most it saw); a binary semaphore posted by main releases a waiting thread.
 * The output is the same under every schedule: the room's limit holds, nobody is lost.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

enum { WORKERS = 6, ROOM = 2, VISITS = 50 };

static sem_t room, go;
static int inside, most_inside, visits;

static void *worker(void *unused)
{
    (void)unused;
    for (int i = 0; i < VISITS; i++) {
        sem_wait(&room);
        int now = __atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST);
        int seen = __atomic_load_n(&most_inside, __ATOMIC_SEQ_CST);
        while (now > seen && !__atomic_compare_exchange_n(&most_inside, &seen, now, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            ;
        __atomic_add_fetch(&visits, 1, __ATOMIC_SEQ_CST);
        __atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
        sem_post(&room);
    }
    return NULL;
}

static void *waiter(void *unused)
{
    (void)unused;
    sem_wait(&go);
    printf("the waiter was released\n");
    return NULL;
}

int main(void)
{
    sem_init(&room, 0, ROOM);
    sem_init(&go, 0, 0);
    pthread_t released;
    pthread_create(&released, NULL, waiter, NULL);
    pthread_t threads[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&threads[i], NULL, worker, NULL);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(threads[i], NULL);
    int value;
    sem_getvalue(&room, &value);
    printf("visits %d of %d; never more than %d inside: %s; the room's semaphore is back at %d\n",
           visits, WORKERS * VISITS, ROOM, most_inside <= ROOM ? "yes" : "no", value);
    sem_post(&go);
    pthread_join(released, NULL);
    return visits == WORKERS * VISITS && most_inside <= ROOM && value == ROOM ? 0 : 1;
}
