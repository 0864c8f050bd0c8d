/*
 * heap-reuse.c: the runtime's allocator reuses what is freed. 200,000 small
 * allocate/free pairs, then 200 large ones (3 MiB each), must not make the heap grow
 * past a few mappings; the program prints how much it holds mapped.
 */
#include "interleave.h"

int main(void)
{
    size_t before = interleave_heap_mapped_bytes();
    for (int i = 0; i < 200000; i++) {
        char *block = malloc(16 + (i % 200));
        if (block == NULL)
            return 1;
        block[0] = (char)i;
        free(block);
    }
    for (int i = 0; i < 200; i++) {
        char *block = malloc(3 << 20);
        if (block == NULL)
            return 2;
        block[i] = 1;
        free(block);
    }
    size_t after = interleave_heap_mapped_bytes();
    printf("mapped before %lu KiB, after %lu KiB\n", (unsigned long)(before >> 10), (unsigned long)(after >> 10));
    return after <= (24u << 20) ? 0 : 3;
}
