// A virtio block driver for the virtio-mmio transport (virtio 1.x, register layout
// version 2) of QEMU's virt board: one split queue of eight descriptors, one request at a
// time (header, data, status), completion signalled by the disk's interrupt (PLIC source 1).

#include "kernel.h"

#define R(offset) ((volatile u32 *)(VIRTIO0 + (offset)))
#define MAGIC 0x000
#define VERSION 0x004
#define DEVICE_ID 0x008
#define VENDOR_ID 0x00c
#define DEVICE_FEATURES 0x010
#define DEVICE_FEATURES_SEL 0x014
#define DRIVER_FEATURES 0x020
#define DRIVER_FEATURES_SEL 0x024
#define QUEUE_SEL 0x030
#define QUEUE_NUM_MAX 0x034
#define QUEUE_NUM 0x038
#define QUEUE_READY 0x044
#define QUEUE_NOTIFY 0x050
#define INTERRUPT_STATUS 0x060
#define INTERRUPT_ACK 0x064
#define STATUS 0x070
#define QUEUE_DESC_LOW 0x080
#define QUEUE_DESC_HIGH 0x084
#define DRIVER_DESC_LOW 0x090
#define DRIVER_DESC_HIGH 0x094
#define DEVICE_DESC_LOW 0x0a0
#define DEVICE_DESC_HIGH 0x0a4
#define CONFIG 0x100

#define STATUS_ACKNOWLEDGE 1
#define STATUS_DRIVER 2
#define STATUS_DRIVER_OK 4
#define STATUS_FEATURES_OK 8

#define NUM 8
#define DESC_NEXT 1
#define DESC_WRITE 2

struct descriptor { u64 address; u32 length; u16 flags; u16 next; };
struct available { u16 flags; u16 index; u16 ring[NUM]; u16 unused; };
struct used_element { u32 id; u32 length; };
struct used { u16 flags; u16 index; struct used_element ring[NUM]; };
struct request { u32 type; u32 reserved; u64 sector; };

static __attribute__((aligned(4096))) struct descriptor descriptors[NUM];
static __attribute__((aligned(4096))) struct available available;
static __attribute__((aligned(4096))) struct used used;
static struct request request;
static volatile u8 request_status;
static volatile int request_done;
static u16 used_seen;
int disk_interrupts;

void virtio_disk_init(void) {
    if (*R(MAGIC) != 0x74726976 || *R(VERSION) != 2 || *R(DEVICE_ID) != 2 || *R(VENDOR_ID) != 0x554d4551)
        panic("could not find a virtio disk");
    u32 status = 0;
    *R(STATUS) = status;
    status |= STATUS_ACKNOWLEDGE;
    *R(STATUS) = status;
    status |= STATUS_DRIVER;
    *R(STATUS) = status;
    // Take nothing of the block features; accept VERSION_1 (bit 32).
    *R(DEVICE_FEATURES_SEL) = 1;
    u32 high = *R(DEVICE_FEATURES);
    *R(DRIVER_FEATURES_SEL) = 0;
    *R(DRIVER_FEATURES) = 0;
    *R(DRIVER_FEATURES_SEL) = 1;
    *R(DRIVER_FEATURES) = high & 1;
    status |= STATUS_FEATURES_OK;
    *R(STATUS) = status;
    if (!(*R(STATUS) & STATUS_FEATURES_OK)) panic("virtio disk: FEATURES_OK not kept");
    *R(QUEUE_SEL) = 0;
    if (*R(QUEUE_READY)) panic("virtio disk: queue already in use");
    if (*R(QUEUE_NUM_MAX) < NUM) panic("virtio disk: queue too short");
    *R(QUEUE_NUM) = NUM;
    *R(QUEUE_DESC_LOW) = (u64)descriptors;
    *R(QUEUE_DESC_HIGH) = (u64)descriptors >> 32;
    *R(DRIVER_DESC_LOW) = (u64)&available;
    *R(DRIVER_DESC_HIGH) = (u64)&available >> 32;
    *R(DEVICE_DESC_LOW) = (u64)&used;
    *R(DEVICE_DESC_HIGH) = (u64)&used >> 32;
    *R(QUEUE_READY) = 1;
    status |= STATUS_DRIVER_OK;
    *R(STATUS) = status;
    u64 capacity = *R(CONFIG) | (u64)*R(CONFIG + 4) << 32;
    printf("virtio disk: %d sectors\n", (int)capacity);
}

// Reads or writes one 512-byte sector; returns the device's status (0 = OK).
int virtio_disk_rw(u64 sector, void *buffer, int write) {
    request.type = write ? 1 : 0;
    request.reserved = 0;
    request.sector = sector;
    descriptors[0] = (struct descriptor){ (u64)&request, sizeof request, DESC_NEXT, 1 };
    descriptors[1] = (struct descriptor){ (u64)buffer, 512, (u16)((write ? 0 : DESC_WRITE) | DESC_NEXT), 2 };
    descriptors[2] = (struct descriptor){ (u64)&request_status, 1, DESC_WRITE, 0 };
    request_status = 0xff;
    request_done = 0;
    available.ring[available.index % NUM] = 0;
    __sync_synchronize();
    available.index += 1;
    __sync_synchronize();
    // Interrupts off while checking, so the completion cannot slip in between the check
    // and the wfi: wfi wakes for a pending interrupt even while they are off.
    csr_clear(sstatus, SSTATUS_SIE);
    *R(QUEUE_NOTIFY) = 0;
    while (!request_done) {
        asm volatile("wfi");
        csr_set(sstatus, SSTATUS_SIE);
        csr_clear(sstatus, SSTATUS_SIE);
    }
    csr_set(sstatus, SSTATUS_SIE);
    return request_status;
}

void virtio_disk_intr(void) {
    disk_interrupts++;
    *R(INTERRUPT_ACK) = *R(INTERRUPT_STATUS) & 3;
    __sync_synchronize();
    while (used_seen != used.index) {
        __sync_synchronize();
        used_seen++;
        request_done = 1;
    }
}
