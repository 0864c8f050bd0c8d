/*
 * malloc.c: the heap (malloc, free and their family) on memory from mmap.
 *
 * Small blocks (up to 8 KiB) are rounded up to one of 32 size classes and
 * carved from 64 KiB spans, each span holding blocks of one class. A span's
 * freed blocks form a list inside the span and are handed out again first;
 * a span that empties goes to a short list of empty spans any class can take,
 * beyond which it is unmapped. Larger blocks get a mapping of their own; a few
 * freed ones are kept for reuse, the rest are unmapped at once.
 *
 * Every span and large mapping starts on a 64 KiB boundary with a header, and
 * every block starts after its header and within 64 KiB of it, so free() finds
 * the header of p at (p - 1) rounded down to 64 KiB: no per-block overhead.
 * Blocks are carved from the end of a span downward, so a block whose class
 * size is a power of two is aligned to that size (the span end is aligned to
 * 64 KiB); that is how small posix_memalign requests are met.
 */
#include "include/interleave.h"
#include "lock.h"

#define PAGE_SIZE        4096ul
#define SPAN_SIZE        (64 * 1024ul)
#define SPANS_PER_CHUNK  16              /* spans are mapped 1 MiB at a time */
#define EMPTY_SPANS_KEPT 8
#define SMALL_LIMIT      8192ul
#define CLASS_COUNT      32
#define LARGE_KEPT       8               /* freed large mappings kept for reuse */
#define LARGE_KEPT_BYTES (16 * 1024 * 1024ul)
#define MIN_ALIGNMENT    16ul

#define SPAN_SMALL 0x534d414cu           /* header tags: catch free() of a wild pointer */
#define SPAN_LARGE 0x4c415247u
#define SPAN_EMPTY 0x454d5054u

struct span {
    uint32_t tag;
    uint32_t size_class;                 /* small */
    size_t block_size;                   /* small */
    size_t live;                         /* small: blocks handed out */
    void *free_blocks;                   /* small: freed blocks, linked through their first word */
    char *carved;                        /* small: lowest block carved so far */
    size_t map_length;                   /* large: bytes mapped from the header on */
    struct span *next, *prev;            /* the list the span is on, if any */
};

static runtime_lock heap_lock;
static struct span *spans_with_room[CLASS_COUNT];
static struct span *empty_spans;
static size_t empty_span_count;
static struct span *kept_large;          /* freed large mappings */
static size_t kept_large_count, kept_large_bytes;
static size_t mapped_bytes;

static size_t align_up(size_t value, size_t alignment)
{
    return (value + alignment - 1) & ~(alignment - 1);
}

static struct span *span_of(void *block)
{
    return (struct span *)(((uintptr_t)block - 1) & ~(SPAN_SIZE - 1));
}

/* ---- Mappings ---- */

static void unmap(void *start, size_t length)
{
    if (length == 0)
        return;
    if (interleave_syscall(SYS_munmap, (long)start, (long)length, 0, 0, 0, 0) == 0)
        mapped_bytes -= length;
}

/* Maps `length` bytes at a start S with S + offset aligned to `alignment`,
   by mapping alignment - PAGE_SIZE more and unmapping the ends. */
static void *map_aligned(size_t length, size_t alignment, size_t offset)
{
    size_t over = length + alignment - PAGE_SIZE;
    long base = interleave_syscall(SYS_mmap, 0, (long)over, 3 /* PROT_READ|WRITE */,
                                   0x22 /* MAP_PRIVATE|ANONYMOUS */, -1, 0);
    if (base < 0 && base >= -4095)
        return NULL;
    mapped_bytes += over;
    uintptr_t start = align_up((uintptr_t)base + offset, alignment) - offset;
    unmap((void *)base, start - (uintptr_t)base);
    unmap((void *)(start + length), (uintptr_t)base + over - (start + length));
    return (void *)start;
}

/* ---- Span lists ---- */

static void list_push(struct span **list, struct span *span)
{
    span->prev = NULL;
    span->next = *list;
    if (*list != NULL)
        (*list)->prev = span;
    *list = span;
}

static void list_remove(struct span **list, struct span *span)
{
    if (span->prev != NULL)
        span->prev->next = span->next;
    else
        *list = span->next;
    if (span->next != NULL)
        span->next->prev = span->prev;
    span->next = span->prev = NULL;
}

/* ---- Small blocks ---- */

/* Classes: 16..128 by 16, then four per doubling up to 8192. */
static unsigned class_for(size_t size)
{
    if (size <= 128)
        return size == 0 ? 0 : (unsigned)((size + 15) / 16 - 1);
    unsigned k = 7;                      /* 2^k < size <= 2^(k+1) */
    while (((size_t)2 << k) < size)
        k++;
    size_t step = (size_t)1 << (k - 2);
    unsigned quarter = (unsigned)((size - ((size_t)1 << k) + step - 1) / step);
    return 8 + (k - 7) * 4 + quarter - 1;
}

static size_t class_size(unsigned size_class)
{
    if (size_class < 8)
        return 16 * (size_class + 1);
    unsigned k = 7 + (size_class - 8) / 4, quarter = (size_class - 8) % 4 + 1;
    return ((size_t)1 << k) + quarter * ((size_t)1 << (k - 2));
}

static int has_room(struct span *span)
{
    return span->free_blocks != NULL ||
           (size_t)(span->carved - (char *)(span + 1)) >= span->block_size;
}

static struct span *take_empty_span(void)
{
    if (empty_spans == NULL) {
        char *chunk = map_aligned(SPANS_PER_CHUNK * SPAN_SIZE, SPAN_SIZE, 0);
        if (chunk == NULL)
            return NULL;
        for (int i = 0; i < SPANS_PER_CHUNK; i++) {
            struct span *span = (struct span *)(chunk + i * SPAN_SIZE);
            span->tag = SPAN_EMPTY;
            list_push(&empty_spans, span);
            empty_span_count++;
        }
    }
    struct span *span = empty_spans;
    list_remove(&empty_spans, span);
    empty_span_count--;
    return span;
}

static void give_back_empty_span(struct span *span)
{
    span->tag = SPAN_EMPTY;
    if (empty_span_count < EMPTY_SPANS_KEPT) {
        list_push(&empty_spans, span);
        empty_span_count++;
    } else {
        unmap(span, SPAN_SIZE);
    }
}

static void *small_allocate(unsigned size_class)
{
    struct span *span = spans_with_room[size_class];
    if (span == NULL) {
        span = take_empty_span();
        if (span == NULL)
            return NULL;
        span->tag = SPAN_SMALL;
        span->size_class = size_class;
        span->block_size = class_size(size_class);
        span->live = 0;
        span->free_blocks = NULL;
        span->carved = (char *)span + SPAN_SIZE;
        list_push(&spans_with_room[size_class], span);
    }
    void *block = span->free_blocks;
    if (block != NULL) {
        span->free_blocks = *(void **)block;
    } else {
        span->carved -= span->block_size;
        block = span->carved;
    }
    span->live++;
    if (!has_room(span))
        list_remove(&spans_with_room[span->size_class], span);
    return block;
}

static void small_free(struct span *span, void *block)
{
    struct span **list = &spans_with_room[span->size_class];
    int had_room = has_room(span);
    *(void **)block = span->free_blocks;
    span->free_blocks = block;
    span->live--;
    if (!had_room)
        list_push(list, span);
    /* Keep a class's last span with room, so a loop that allocates and frees
       one block does not move a span back and forth. */
    if (span->live == 0 && !(*list == span && span->next == NULL)) {
        list_remove(list, span);
        give_back_empty_span(span);
    }
}

/* ---- Large blocks ---- */

/* The block sits `offset` bytes after its header: past the header, aligned. */
static size_t large_offset(size_t alignment)
{
    return alignment <= SPAN_SIZE ? align_up(sizeof(struct span), alignment) : SPAN_SIZE;
}

static struct span *take_kept_large(size_t length)
{
    struct span *best = NULL;
    for (struct span *span = kept_large; span != NULL; span = span->next) {
        if (span->map_length >= length && span->map_length / 2 <= length &&
            (best == NULL || span->map_length < best->map_length))
            best = span;
    }
    if (best != NULL) {
        list_remove(&kept_large, best);
        kept_large_count--;
        kept_large_bytes -= best->map_length;
    }
    return best;
}

static void *large_allocate(size_t size, size_t alignment, int *fresh)
{
    if (size > (SIZE_MAX >> 2) || alignment > (SIZE_MAX >> 2))
        return NULL;
    size_t offset = large_offset(alignment);
    size_t length = align_up(offset + size, PAGE_SIZE);
    struct span *span = NULL;
    *fresh = 0;
    if (alignment <= SPAN_SIZE)
        span = take_kept_large(length);
    if (span == NULL) {
        span = map_aligned(length, alignment <= SPAN_SIZE ? SPAN_SIZE : alignment,
                           alignment <= SPAN_SIZE ? 0 : offset);
        if (span == NULL)
            return NULL;
        span->map_length = length;
        *fresh = 1;
    }
    span->tag = SPAN_LARGE;
    return (char *)span + offset;
}

static void large_free(struct span *span)
{
    if (kept_large_count < LARGE_KEPT &&
        kept_large_bytes + span->map_length <= LARGE_KEPT_BYTES) {
        list_push(&kept_large, span);
        kept_large_count++;
        kept_large_bytes += span->map_length;
    } else {
        unmap(span, span->map_length);
    }
}

/* ---- The C interface ---- */

/* `fresh` tells calloc the memory came straight from mmap, hence is zero. */
static void *allocate(size_t size, size_t alignment, int *fresh)
{
    *fresh = 0;
    if (alignment <= MIN_ALIGNMENT && size <= SMALL_LIMIT)
        return small_allocate(class_for(size));
    if (alignment > MIN_ALIGNMENT && alignment <= SMALL_LIMIT && size <= SMALL_LIMIT) {
        size_t power = alignment;        /* power-of-two classes are self-aligned */
        while (power < size)
            power <<= 1;
        if (power <= SMALL_LIMIT)
            return small_allocate(class_for(power));
    }
    return large_allocate(size, alignment, fresh);
}

static void *locked_allocate(size_t size, size_t alignment, int *fresh)
{
    runtime_lock_acquire(&heap_lock);
    void *block = allocate(size, alignment, fresh);
    runtime_lock_release(&heap_lock);
    return block;
}

static struct span *checked_span_of(void *block, const char *caller)
{
    struct span *span = span_of(block);
    if (span->tag == SPAN_SMALL &&
        ((uintptr_t)span + SPAN_SIZE - (uintptr_t)block) % span->block_size == 0)
        return span;
    if (span->tag == SPAN_LARGE)
        return span;
    interleave_flush();
    interleave_write_all(2, caller, strlen(caller));
    static const char message[] = ": pointer did not come from malloc\n";
    interleave_write_all(2, message, sizeof message - 1);
    abort();
}

void free(void *block)
{
    if (block == NULL)
        return;
    runtime_lock_acquire(&heap_lock);
    struct span *span = checked_span_of(block, "free");
    if (span->tag == SPAN_SMALL)
        small_free(span, block);
    else
        large_free(span);
    runtime_lock_release(&heap_lock);
}

void *malloc(size_t size)
{
    int fresh;
    return locked_allocate(size, MIN_ALIGNMENT, &fresh);
}

int posix_memalign(void **result, size_t alignment, size_t size)
{
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0)
        return EINVAL;
    int fresh;
    void *block = locked_allocate(size, alignment < MIN_ALIGNMENT ? MIN_ALIGNMENT : alignment,
                                  &fresh);
    if (block == NULL)
        return ENOMEM;
    *result = block;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size)
{
    void *block = NULL;
    if (alignment == 0 || (alignment & (alignment - 1)) != 0)
        return NULL;
    return posix_memalign(&block, alignment < sizeof(void *) ? sizeof(void *) : alignment,
                          size) == 0 ? block : NULL;
}

void *calloc(size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total))
        return NULL;
    int fresh;
    void *block = locked_allocate(total, MIN_ALIGNMENT, &fresh);
    if (block != NULL && !fresh)
        memset(block, 0, total);
    return block;
}

size_t malloc_usable_size(void *block)
{
    if (block == NULL)
        return 0;
    runtime_lock_acquire(&heap_lock);
    struct span *span = checked_span_of(block, "malloc_usable_size");
    size_t usable = span->tag == SPAN_SMALL
                        ? span->block_size
                        : (size_t)((char *)span + span->map_length - (char *)block);
    runtime_lock_release(&heap_lock);
    return usable;
}

/* Keeps the block when the new size fits and would not waste most of it. */
void *realloc(void *block, size_t size)
{
    if (block == NULL)
        return malloc(size);
    if (size == 0) {
        free(block);
        return NULL;
    }
    size_t usable = malloc_usable_size(block);
    if (size <= usable && usable <= 2 * size + 64)
        return block;
    void *moved = malloc(size);
    if (moved == NULL)
        return NULL;
    memcpy(moved, block, size < usable ? size : usable);
    free(block);
    return moved;
}

size_t interleave_heap_mapped_bytes(void)
{
    return __atomic_load_n(&mapped_bytes, __ATOMIC_RELAXED);
}
