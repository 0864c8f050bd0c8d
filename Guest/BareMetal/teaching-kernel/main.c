// The teaching kernel in S-mode: paging on, the PLIC routing the disk's interrupt to this
// hart's S-mode context, then a read of sector 0, a write of sector 1 and a read back,
// and a look at the A and D bits the hardware set in the kernel's own page table.

#include "kernel.h"

#define PLIC_PRIORITY(irq) ((volatile u32 *)(PLIC + 4 * (irq)))
#define PLIC_SENABLE(hart) ((volatile u32 *)(PLIC + 0x2080 + 0x100 * (hart)))
#define PLIC_STHRESHOLD(hart) ((volatile u32 *)(PLIC + 0x201000 + 0x2000 * (hart)))
#define PLIC_SCLAIM(hart) ((volatile u32 *)(PLIC + 0x201004 + 0x2000 * (hart)))

extern void kernelvec(void);

static __attribute__((aligned(4096))) char sector0[512];
static __attribute__((aligned(4096))) char sector1[512];
static char readback[512];

void *memset(void *destination, int byte, unsigned long count) {
    volatile u8 *d = destination;
    while (count--) *d++ = (u8)byte;
    return destination;
}

void *memcpy(void *destination, const void *source, unsigned long count) {
    volatile u8 *d = destination;
    const u8 *s = source;
    while (count--) *d++ = *s++;
    return destination;
}

static int same(const char *a, const char *b, int count) {
    for (int i = 0; i < count; i++) if (a[i] != b[i]) return 0;
    return 1;
}

void kerneltrap(void) {
    u64 cause = csr_read(scause);
    if (cause == ((1UL << 63) | 9)) {         // supervisor external interrupt
        u32 irq = *PLIC_SCLAIM(0);
        if (irq == VIRTIO0_IRQ) virtio_disk_intr();
        else if (irq) printf("unexpected interrupt %d\n", irq);
        if (irq) *PLIC_SCLAIM(0) = irq;
        return;
    }
    printf("kernel trap: scause %p sepc %p stval %p\n", cause, csr_read(sepc), csr_read(stval));
    poweroff(2);
}

void kmain(void) {
    uart_init();
    csr_write(stvec, (u64)kernelvec);
    printf("teaching kernel: S-mode\n");
    kvminit();
    kvminithart();
    printf("paging on: Sv39, page tables without A and D bits\n");
    *PLIC_PRIORITY(VIRTIO0_IRQ) = 1;
    *PLIC_SENABLE(0) = 1 << VIRTIO0_IRQ;
    *PLIC_STHRESHOLD(0) = 0;
    virtio_disk_init();
    csr_set(sstatus, SSTATUS_SIE);

    int status = virtio_disk_rw(0, sector0, 0);
    if (status != 0) { printf("read of sector 0 failed: status %d\n", status); poweroff(3); }
    int length = 0;
    while (length < 80 && sector0[length] && sector0[length] != '\n') length++;
    sector0[length] = 0;
    printf("sector 0: %s\n", sector0);

    const char *note = "written by the teaching kernel: ";
    int n = 0;
    for (; note[n]; n++) sector1[n] = note[n];
    for (int i = 0; i < length && n < 511; i++) sector1[n++] = sector0[i];
    sector1[n] = '\n';
    status = virtio_disk_rw(1, sector1, 1);
    if (status != 0) { printf("write of sector 1 failed: status %d\n", status); poweroff(3); }
    status = virtio_disk_rw(1, readback, 0);
    if (status != 0 || !same(sector1, readback, 512)) { printf("sector 1 did not read back\n"); poweroff(4); }
    printf("sector 1 written and read back\n");

    u64 pte = *walk((u64)sector1);
    printf("A and D set by the hardware: %s\n", (pte & (PTE_A | PTE_D)) == (PTE_A | PTE_D) ? "yes" : "no");
    printf("disk interrupts: %d\n", disk_interrupts);
    poweroff(0);
}
