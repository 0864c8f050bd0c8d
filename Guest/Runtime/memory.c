/*
 * memory.c: memset, memcpy, memmove, memcmp and memchr.
 *
 * Swift's arrays and strings copy through memcpy/memmove, so these move
 * eight bytes per load and store where they can: after a few single bytes
 * bring the destination to an 8-byte boundary, a source with the same
 * alignment is copied word by word, and a source with a different one is
 * assembled from two aligned words with shifts (RISC-V may trap on misaligned
 * accesses, so none is made). Reading a whole aligned word that holds some of
 * the source's bytes never crosses a page the source does not touch.
 */
#include "include/interleave.h"

typedef uint64_t __attribute__((may_alias)) word;

#define WORD_SIZE 8
#define WORD_MASK (WORD_SIZE - 1)
#define ONES  0x0101010101010101ull

void *memset(void *destination, int byte, size_t count)
{
    unsigned char *d = destination;
    while (count > 0 && ((uintptr_t)d & WORD_MASK) != 0) {
        *d++ = (unsigned char)byte;
        count--;
    }
    word pattern = (unsigned char)byte * ONES;
    for (; count >= 4 * WORD_SIZE; count -= 4 * WORD_SIZE, d += 4 * WORD_SIZE) {
        ((word *)d)[0] = pattern;
        ((word *)d)[1] = pattern;
        ((word *)d)[2] = pattern;
        ((word *)d)[3] = pattern;
    }
    for (; count >= WORD_SIZE; count -= WORD_SIZE, d += WORD_SIZE)
        *(word *)d = pattern;
    while (count-- > 0)
        *d++ = (unsigned char)byte;
    return destination;
}

/* Copies upward; safe for overlap when destination is below source. */
static void copy_forward(unsigned char *d, const unsigned char *s, size_t count)
{
    while (count > 0 && ((uintptr_t)d & WORD_MASK) != 0) {
        *d++ = *s++;
        count--;
    }
    unsigned offset = (uintptr_t)s & WORD_MASK;
    if (offset == 0) {
        for (; count >= 4 * WORD_SIZE; count -= 4 * WORD_SIZE) {
            word a = ((const word *)s)[0], b = ((const word *)s)[1];
            word c = ((const word *)s)[2], e = ((const word *)s)[3];
            ((word *)d)[0] = a;
            ((word *)d)[1] = b;
            ((word *)d)[2] = c;
            ((word *)d)[3] = e;
            d += 4 * WORD_SIZE;
            s += 4 * WORD_SIZE;
        }
        for (; count >= WORD_SIZE; count -= WORD_SIZE) {
            *(word *)d = *(const word *)s;
            d += WORD_SIZE;
            s += WORD_SIZE;
        }
    } else if (count >= WORD_SIZE) {
        /* Little-endian: the low bytes of a destination word come from the
           high bytes of the aligned source word below. */
        unsigned right = 8 * offset, left = 64 - right;
        const word *aligned = (const word *)(s - offset);
        word low = *aligned++;
        for (; count >= WORD_SIZE; count -= WORD_SIZE) {
            word high = *aligned++;
            *(word *)d = (low >> right) | (high << left);
            low = high;
            d += WORD_SIZE;
            s += WORD_SIZE;
        }
    }
    while (count-- > 0)
        *d++ = *s++;
}

/* Copies downward from the ends; safe when destination is above source. */
static void copy_backward(unsigned char *d, const unsigned char *s, size_t count)
{
    d += count;
    s += count;
    if ((((uintptr_t)d ^ (uintptr_t)s) & WORD_MASK) == 0) {
        while (count > 0 && ((uintptr_t)d & WORD_MASK) != 0) {
            *--d = *--s;
            count--;
        }
        for (; count >= WORD_SIZE; count -= WORD_SIZE) {
            d -= WORD_SIZE;
            s -= WORD_SIZE;
            *(word *)d = *(const word *)s;
        }
    }
    while (count-- > 0)
        *--d = *--s;
}

void *memcpy(void *destination, const void *source, size_t count)
{
    copy_forward(destination, source, count);
    return destination;
}

void *memmove(void *destination, const void *source, size_t count)
{
    unsigned char *d = destination;
    const unsigned char *s = source;
    if (d == s || count == 0)
        return destination;
    if (d < s || d >= s + count)
        copy_forward(d, s, count);
    else
        copy_backward(d, s, count);
    return destination;
}

int memcmp(const void *left, const void *right, size_t count)
{
    const unsigned char *l = left, *r = right;
    if ((((uintptr_t)l ^ (uintptr_t)r) & WORD_MASK) == 0) {
        while (count > 0 && ((uintptr_t)l & WORD_MASK) != 0) {
            if (*l != *r)
                return *l - *r;
            l++, r++, count--;
        }
        /* Skip equal words; the bytes below decide the first difference. */
        while (count >= WORD_SIZE && *(const word *)l == *(const word *)r) {
            l += WORD_SIZE;
            r += WORD_SIZE;
            count -= WORD_SIZE;
        }
    }
    for (; count > 0; l++, r++, count--) {
        if (*l != *r)
            return *l - *r;
    }
    return 0;
}

void *memchr(const void *bytes, int byte, size_t count)
{
    const unsigned char *b = bytes;
    unsigned char wanted = (unsigned char)byte;
    for (; count > 0; b++, count--) {
        if (*b == wanted)
            return (void *)b;
    }
    return NULL;
}
