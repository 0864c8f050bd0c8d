/*
 * condition-variable.c: two threads take turns, "ping" then "pong", five rounds each.
 * A shared `turn` says whose go it is; each thread waits on the condition variable until
 * it is its turn (in a loop: a wait may return without a signal), prints, hands the turn
 * over and broadcasts. Whatever the schedule, the output alternates.
 */
#include <pthread.h>
#include <stdio.h>

enum { ROUNDS = 5 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int turn;   /* 0: ping's turn, 1: pong's */

static void *player(void *argument)
{
    int me = *(int *)argument;
    for (int round = 1; round <= ROUNDS; round++) {
        pthread_mutex_lock(&lock);
        while (turn != me)
            pthread_cond_wait(&changed, &lock);
        printf("%s %d\n", me == 0 ? "ping" : "pong", round);
        turn = 1 - me;
        pthread_cond_broadcast(&changed);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(void)
{
    static int ids[2] = { 0, 1 };
    pthread_t threads[2];
    /* pong first, so it has to wait for ping. */
    pthread_create(&threads[1], NULL, player, &ids[1]);
    pthread_create(&threads[0], NULL, player, &ids[0]);
    pthread_join(threads[0], NULL);
    pthread_join(threads[1], NULL);
    printf("done\n");
    return 0;
}
