# start.S: the way into and out of a guest program.
#
# _start is the ELF entry point. The kernel (ours or qemu-riscv64's) enters it
# with the Linux riscv64 initial stack:
#   sp -> argc, argv[0..argc-1], NULL, envp[...], NULL, auxv pairs, AT_NULL
# It records argc/argv for interleave_argc()/interleave_argv(), runs any
# .init_array constructors, calls main(argc, argv) and passes main's result to
# exit(), which flushes buffered output and ends the process.
#
# interleave_syscall is the one place that executes ecall for C and Swift code.

	.section .text._start, "ax", @progbits
	.globl _start
	.type _start, @function
_start:
	.cfi_startproc
	.cfi_undefined ra		# no caller: debuggers stop unwinding here
.option push
.option norelax			# gp is not yet set, so this la must not use it
	la	gp, __global_pointer$
.option pop
	mv	s0, zero		# frame pointer chain ends here
	ld	s1, 0(sp)		# s1 = argc
	addi	s2, sp, 8		# s2 = argv
	la	t0, interleave_saved_argc
	sd	s1, 0(t0)
	la	t0, interleave_saved_argv
	sd	s2, 0(t0)
	andi	sp, sp, -16		# the ABI wants 16-byte alignment at calls

	# Constructors (C __attribute__((constructor)); Swift emits none today).
	la	s3, __init_array_start
	la	s4, __init_array_end
1:	bgeu	s3, s4, 2f
	ld	t0, 0(s3)
	jalr	t0
	addi	s3, s3, 8
	j	1b
2:
	mv	a0, s1
	mv	a1, s2
	call	main
	call	exit			# never returns
	unimp
	.cfi_endproc
	.size _start, . - _start

# long interleave_syscall(long n, long a0, long a1, long a2, long a3,
#                         long a4, long a5);
# Shifts the C arguments into the Linux convention (number in a7, arguments
# in a0..a5) and returns a0: the result, or -errno on failure.
	.section .text.interleave_syscall, "ax", @progbits
	.globl interleave_syscall
	.type interleave_syscall, @function
interleave_syscall:
	mv	a7, a0
	mv	a0, a1
	mv	a1, a2
	mv	a2, a3
	mv	a3, a4
	mv	a4, a5
	mv	a5, a6
	ecall
	ret
	.size interleave_syscall, . - interleave_syscall
