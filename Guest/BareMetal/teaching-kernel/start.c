// M-mode set-up, then S-mode: every trap and interrupt delegated to S, PMP opened to S
// over all of physical memory (QEMU refuses S-mode accesses no PMP entry allows), and
// mret into kmain.

#include "kernel.h"

__attribute__((aligned(16))) char stack0[4096];

void start(void) {
    u64 status = csr_read(mstatus);
    status &= ~(3UL << 11);
    status |= 1UL << 11;                 // MPP = S
    csr_write(mstatus, status);
    csr_write(mepc, (u64)kmain);
    csr_write(satp, 0);
    csr_write(medeleg, 0xffff);
    csr_write(mideleg, 0xffff);
    csr_set(sie, SIE_SEIE);
    // One TOR entry from 0 to the top of the physical address space: R, W, X.
    csr_write(pmpaddr0, 0x3fffffffffffffUL);
    csr_write(pmpcfg0, 0xf);
    asm volatile("mret");
}
