/*
 * segfault.c: a program with a bug, for the fault report. main calls tally, tally calls
 * record, and record writes through a null pointer tally passed it by mistake. The
 * kernel's report names the function (record) and walks the frame pointers back through
 * tally to main. (The pointer is volatile so that no optimiser can see it is null.)
 */
#include <stdio.h>

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

int main(void)
{
    int slots[8] = { 0 };
    printf("tallying\n");
    fflush(stdout);
    return tally(slots, 8);
}
