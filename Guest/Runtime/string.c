/*
 * string.c: the NUL-terminated string helpers a C guest expects, and the
 * strlen Swift's String(cString:) calls.
 *
 * strlen reads a word at a time once aligned: a word holds a zero byte
 * exactly when (w - 0x01..01) & ~w & 0x80..80 is non-zero. An aligned word
 * never crosses a page, so reading past the terminator is safe.
 */
#include "include/interleave.h"

typedef uint64_t __attribute__((may_alias)) word;

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

static int has_zero_byte(word w)
{
    return ((w - ONES) & ~w & HIGHS) != 0;
}

size_t strlen(const char *s)
{
    const char *p = s;
    while (((uintptr_t)p & 7) != 0) {
        if (*p == '\0')
            return (size_t)(p - s);
        p++;
    }
    while (!has_zero_byte(*(const word *)p))
        p += 8;
    while (*p != '\0')
        p++;
    return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t limit)
{
    size_t length = 0;
    while (length < limit && s[length] != '\0')
        length++;
    return length;
}

int strcmp(const char *left, const char *right)
{
    const unsigned char *l = (const unsigned char *)left;
    const unsigned char *r = (const unsigned char *)right;
    while (*l != '\0' && *l == *r)
        l++, r++;
    return *l - *r;
}

int strncmp(const char *left, const char *right, size_t limit)
{
    const unsigned char *l = (const unsigned char *)left;
    const unsigned char *r = (const unsigned char *)right;
    for (; limit > 0; l++, r++, limit--) {
        if (*l != *r || *l == '\0')
            return *l - *r;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (*s == '\0')
            return NULL;
    }
}

char *strrchr(const char *s, int c)
{
    const char *last = NULL;
    for (;; s++) {
        if (*s == (char)c)
            last = s;
        if (*s == '\0')
            return (char *)last;
    }
}

char *strcpy(char *destination, const char *source)
{
    memcpy(destination, source, strlen(source) + 1);
    return destination;
}

/* As C specifies: pads with NULs, and leaves no terminator when source fills limit. */
char *strncpy(char *destination, const char *source, size_t limit)
{
    size_t length = strnlen(source, limit);
    memcpy(destination, source, length);
    memset(destination + length, 0, limit - length);
    return destination;
}
