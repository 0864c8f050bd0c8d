# Start-up of a Spike-style program: a stack, main(), and main's result through tohost
# ((code << 1) | 1), the way riscv-tests' benchmarks end.
        .section .text.init, "ax"
        .globl _start
_start:
        la sp, stack_top
        call main
        slli a0, a0, 1
        ori a0, a0, 1
        la t0, tohost
        sd a0, 0(t0)
1:      j 1b

        .bss
        .p2align 4
stack:  .zero 8192
stack_top:
