// The teaching kernel's shared declarations: the QEMU virt board's addresses, the CSRs it
// touches, and the functions each file provides. A kernel written the way kernels for that
// board are (xv6 among them): M-mode start, PMP, Sv39 tables without A/D bits, UART, PLIC,
// and a virtio block disk.

#include <stdarg.h>
#include <stdint.h>

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;

#define UART0        0x10000000UL
#define VIRTIO0      0x10001000UL
#define VIRTIO0_IRQ  1
#define PLIC         0x0c000000UL
#define TEST_DEVICE  0x100000UL
#define PGSIZE       4096UL

#define csr_read(name) ({ u64 v_; asm volatile("csrr %0, " #name : "=r"(v_)); v_; })
#define csr_write(name, v) asm volatile("csrw " #name ", %0" :: "r"((u64)(v)))
#define csr_set(name, v) asm volatile("csrs " #name ", %0" :: "r"((u64)(v)))
#define csr_clear(name, v) asm volatile("csrc " #name ", %0" :: "r"((u64)(v)))

#define SSTATUS_SIE (1UL << 1)
#define SIE_SEIE    (1UL << 9)

// PTE bits: no A or D anywhere — the hardware sets them (Svadu), as on QEMU.
#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)

// console.c
void uart_init(void);
void printf(const char *format, ...);
void poweroff(int code);
void panic(const char *message);

// vm.c
void kvminit(void);
void kvminithart(void);
u64 *walk(u64 va);

// virtio_disk.c
void virtio_disk_init(void);
int virtio_disk_rw(u64 sector, void *buffer, int write);
void virtio_disk_intr(void);
extern int disk_interrupts;

// main.c
void kmain(void);
void *memset(void *destination, int byte, unsigned long count);
void *memcpy(void *destination, const void *source, unsigned long count);
