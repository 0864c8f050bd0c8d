// The hardware counters user mode may read (issue 16): rdtime, rdcycle and rdinstret, as
// Go's runtime reads `time` at start-up. Prints only what holds on any machine that lets
// a program read them (qemu-riscv64 and Interleave's kernel): each counter moves forward
// across a loop, and instret counts at least the loop's instructions.
#include <stdio.h>
#include <string.h>

static inline unsigned long readTime(void) { unsigned long value; __asm__ volatile("rdtime %0" : "=r"(value)); return value; }
static inline unsigned long readCycle(void) { unsigned long value; __asm__ volatile("rdcycle %0" : "=r"(value)); return value; }
static inline unsigned long readInstret(void) { unsigned long value; __asm__ volatile("rdinstret %0" : "=r"(value)); return value; }

int main(int argc, char **argv) {
    int timeOnly = argc > 1 && strcmp(argv[1], "time") == 0;
    unsigned long time0 = readTime();
    unsigned long cycle0 = timeOnly ? 0 : readCycle(), instret0 = timeOnly ? 0 : readInstret();
    volatile unsigned long sum = 0;
    for (unsigned long index = 0; index < 200000; index++) sum += index;
    unsigned long time1 = readTime();
    printf("time moves forward: %d\n", time1 > time0);
    if (timeOnly) {
        printf("reading cycle next\n");
        fflush(stdout);
        printf("cycle: %lu\n", readCycle());   // an illegal instruction when only time is readable
        return 0;
    }
    unsigned long cycle1 = readCycle(), instret1 = readInstret();
    printf("cycle moves forward: %d\n", cycle1 > cycle0);
    printf("instret counts the loop: %d\n", instret1 - instret0 >= 200000);
    return 0;
}
