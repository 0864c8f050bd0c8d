/*
 * segfault.c: a program with a bug, for the fault report. main calls tally, tally calls
 * record, and record writes through a null pointer tally passed it by mistake. The
 * kernel's report names the function (record) and walks the frame pointers back through
 * tally to main. `segfault thread` does the same in a thread of its own (pthread_create),
 * whose report walks back to the thread's start function, counter.
 * (The pointer is volatile so that no optimiser can see it is null.)
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static int *volatile unset_slot;

__attribute__((noinline)) static void record(int *slot, int value)
{
    *slot = value;
}

__attribute__((noinline)) static int tally(int *slots, int count)
{
    int total = 0;
    for (int i = 0; i < count; i++) {
        record(i == 3 ? unset_slot : &slots[i], i);
        total += slots[i];
    }
    return total;
}

__attribute__((noinline)) static void *counter(void *unused)
{
    (void)unused;
    int slots[8] = { 0 };
    static int total;
    total = tally(slots, 8);
    return &total;
}

int main(int argc, char **argv)
{
    int slots[8] = { 0 };
    printf("tallying\n");
    fflush(stdout);
    if (argc > 1 && strcmp(argv[1], "thread") == 0) {
        pthread_t thread;
        void *result;
        pthread_create(&thread, NULL, counter, NULL);
        pthread_join(thread, &result);
        return *(int *)result;
    }
    return tally(slots, 8);
}
