# holder.S: how a lock notes who took it, for the kernel's deadlock report.
#
# void interleave_note_holder(uint64_t record[2]);
# Stores the caller's stack pointer (record[0]: the kernel finds the thread whose stack
# holds it) and the caller's own return address (record[1]: where the lock was taken).
# The caller must keep a frame pointer, as every guest function does (BuildRecipe): its
# return address is saved at s0 - 8. A leaf that touches no stack and no s0, so sp and s0
# are still the caller's: two stores and a load, no frame of its own.
	.section .text.interleave_note_holder, "ax", @progbits
	.globl interleave_note_holder
	.type interleave_note_holder, @function
interleave_note_holder:
	sd	sp, 0(a0)
	ld	t0, -8(s0)
	sd	t0, 8(a0)
	ret
	.size interleave_note_holder, . - interleave_note_holder
