# clone.S: the child side of a thread made with Linux's clone, and the thread
# pointer, for the Sync library's Thread (Guest/Sync/Thread.swift).
#
# long interleave_clone(unsigned long flags, void *stack, int *parent_tid,
#                       void *tls, int *child_tid, long (*entry)(void *),
#                       void *argument);
# Makes the clone call (riscv64's order: flags, stack, parent_tid, tls,
# child_tid). The parent gets the new thread's id, or -errno. The child starts
# on `stack` with the parent's registers, so `entry` and `argument` travel on
# the child's stack: it pops them, calls entry(argument) and ends the thread
# (exit, not exit_group) with what entry returned. The same code runs under
# this kernel and under qemu-riscv64.
	.section .text.interleave_clone, "ax", @progbits
	.globl interleave_clone
	.type interleave_clone, @function
interleave_clone:
	andi	a1, a1, -16		# the ABI's 16-byte alignment
	addi	a1, a1, -16
	sd	a5, 0(a1)		# entry
	sd	a6, 8(a1)		# argument
	li	a7, 220			# clone
	ecall
	beqz	a0, 1f
	ret				# the parent: the child's id or -errno
1:
	.cfi_startproc
	.cfi_undefined ra		# the child has no caller: unwinding stops here
	ld	t0, 0(sp)
	ld	a0, 8(sp)
	addi	sp, sp, 16
	mv	s0, zero		# the frame-pointer chain ends here
	mv	ra, zero
	jalr	t0
	li	a7, 93			# exit: this thread only
	ecall
	unimp
	.cfi_endproc
	.size interleave_clone, . - interleave_clone

# void *interleave_thread_pointer(void);  the calling thread's tp (its TLS).
	.section .text.interleave_thread_pointer, "ax", @progbits
	.globl interleave_thread_pointer
	.type interleave_thread_pointer, @function
interleave_thread_pointer:
	mv	a0, tp
	ret
	.size interleave_thread_pointer, . - interleave_thread_pointer

# unsigned interleave_load_acquire32(const unsigned *word);
# A 32-bit load that later loads cannot pass: what a joiner reads the thread-id
# word with before it reads what the thread left behind.
	.section .text.interleave_load_acquire32, "ax", @progbits
	.globl interleave_load_acquire32
	.type interleave_load_acquire32, @function
interleave_load_acquire32:
	lw	a0, 0(a0)
	fence	r, rw		# (lw sign-extends: the lp64 ABI's form of a 32-bit value)
	ret
	.size interleave_load_acquire32, . - interleave_load_acquire32
