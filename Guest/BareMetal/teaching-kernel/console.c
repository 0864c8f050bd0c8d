// The 16550 UART at 0x10000000 (polled), a small printf (%d %u %x %p %s %c), and the way
// out: the SiFive test device at 0x100000.

#include "kernel.h"

#define REG(offset) ((volatile u8 *)(UART0 + (offset)))
#define THR 0
#define IER 1
#define FCR 2
#define LCR 3
#define LSR 5
#define LSR_TX_IDLE (1 << 5)

void uart_init(void) {
    *REG(IER) = 0x00;            // no UART interrupts
    *REG(LCR) = 0x80;            // divisor latch: 38.4K baud
    *REG(0) = 0x03;
    *REG(1) = 0x00;
    *REG(LCR) = 0x03;            // 8 bits, no parity
    *REG(FCR) = 0x07;            // FIFOs on and cleared
}

static void putc(char c) {
    while ((*REG(LSR) & LSR_TX_IDLE) == 0) {}
    *REG(THR) = (u8)c;
}

static void print_number(u64 value, int base, int is_signed) {
    char digits[24];
    int count = 0;
    if (is_signed && (int64_t)value < 0) {
        putc('-');
        value = -value;
    }
    do {
        digits[count++] = "0123456789abcdef"[value % base];
        value /= base;
    } while (value != 0);
    while (count > 0) putc(digits[--count]);
}

void printf(const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    for (const char *p = format; *p; p++) {
        if (*p != '%') {
            putc(*p);
            continue;
        }
        switch (*++p) {
        case 'd': print_number((u64)va_arg(arguments, int), 10, 1); break;
        case 'u': print_number(va_arg(arguments, unsigned), 10, 0); break;
        case 'x': print_number(va_arg(arguments, unsigned), 16, 0); break;
        case 'p': putc('0'); putc('x'); print_number(va_arg(arguments, u64), 16, 0); break;
        case 'c': putc((char)va_arg(arguments, int)); break;
        case 's': {
            const char *s = va_arg(arguments, const char *);
            for (; s && *s; s++) putc(*s);
            break;
        }
        case 0: p--; break;
        default: putc('%'); putc(*p); break;
        }
    }
    va_end(arguments);
}

void poweroff(int code) {
    *(volatile u32 *)TEST_DEVICE = code == 0 ? 0x5555 : (0x3333 | ((u32)code << 16));
    for (;;) {}
}

void panic(const char *message) {
    printf("panic: %s\n", message);
    poweroff(1);
}
