// The kernel's Sv39 page table: the devices and the kernel mapped at their physical
// addresses, built the way QEMU-era teaching kernels build it — R, W, X and V, with the
// A and D bits left for the hardware to set.

#include "kernel.h"

extern char etext[], end[];

#define POOL_PAGES 16
static __attribute__((aligned(4096))) u8 pool[POOL_PAGES][PGSIZE];
static int pool_used;
static u64 *kernel_table;

static u64 *page_alloc(void) {
    if (pool_used == POOL_PAGES) panic("page_alloc: out of pages");
    u64 *page = (u64 *)pool[pool_used++];
    memset(page, 0, PGSIZE);
    return page;
}

#define PX(level, va) (((va) >> (12 + 9 * (level))) & 0x1ff)
#define PA2PTE(pa) (((u64)(pa) >> 12) << 10)
#define PTE2PA(pte) (((pte) >> 10) << 12)

// The leaf PTE for va, with the tables above it made as needed.
u64 *walk(u64 va) {
    u64 *table = kernel_table;
    for (int level = 2; level > 0; level--) {
        u64 *pte = &table[PX(level, va)];
        if (*pte & PTE_V) {
            table = (u64 *)PTE2PA(*pte);
        } else {
            table = page_alloc();
            *pte = PA2PTE(table) | PTE_V;
        }
    }
    return &table[PX(0, va)];
}

static void map(u64 va, u64 size, u64 pa, u64 permissions) {
    for (u64 offset = 0; offset < size; offset += PGSIZE) {
        u64 *pte = walk(va + offset);
        if (*pte & PTE_V) panic("map: remap");
        *pte = PA2PTE(pa + offset) | permissions | PTE_V;
    }
}

void kvminit(void) {
    kernel_table = page_alloc();
    map(TEST_DEVICE, PGSIZE, TEST_DEVICE, PTE_R | PTE_W);
    map(UART0, PGSIZE, UART0, PTE_R | PTE_W);
    map(VIRTIO0, PGSIZE, VIRTIO0, PTE_R | PTE_W);
    map(PLIC, 0x400000, PLIC, PTE_R | PTE_W);
    map(0x80000000UL, (u64)etext - 0x80000000UL, 0x80000000UL, PTE_R | PTE_X);
    map((u64)etext, (u64)end - (u64)etext, (u64)etext, PTE_R | PTE_W);
}

void kvminithart(void) {
    asm volatile("sfence.vma zero, zero");
    csr_write(satp, (8UL << 60) | ((u64)kernel_table >> 12));
    asm volatile("sfence.vma zero, zero");
}
