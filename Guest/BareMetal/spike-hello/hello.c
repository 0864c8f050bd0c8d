// A bare-metal program in the style of riscv-tests' benchmarks: it prints through Spike's
// host-target interface — a Linux `write` proxied by the host through `tohost` and
// `fromhost` — and returns its exit code to crt.S.

#include <stdint.h>

volatile uint64_t tohost __attribute__((section(".tohost"), aligned(64)));
volatile uint64_t fromhost __attribute__((section(".tohost"), aligned(64)));

static uint64_t syscall(uint64_t number, uint64_t a0, uint64_t a1, uint64_t a2) {
    volatile uint64_t block[8] __attribute__((aligned(64)));
    block[0] = number;
    block[1] = a0;
    block[2] = a1;
    block[3] = a2;
    __sync_synchronize();
    tohost = (uint64_t)(uintptr_t)block;
    while (fromhost == 0) {}
    fromhost = 0;
    __sync_synchronize();
    return block[0];
}

static unsigned long length(const char *s) {
    unsigned long n = 0;
    while (s[n]) n++;
    return n;
}

static void print(const char *s) { syscall(64, 1, (uint64_t)(uintptr_t)s, length(s)); }

static void print_number(uint64_t value) {
    char digits[24];
    int at = 23;
    digits[at] = 0;
    do {
        digits[--at] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    print(&digits[at]);
}

int main(void) {
    uint64_t sum = 0;
    for (uint64_t i = 1; i <= 100; i++) sum += i * i;
    print("hello from a Spike-style program\n");
    print("sum of the first 100 squares: ");
    print_number(sum);
    print("\n");
    return sum == 338350 ? 0 : 1;
}
